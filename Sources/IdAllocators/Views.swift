/// A task's state letter in /proc: S (sleeping: every running simulated task waits for its
/// next call), Z (zombie); a dying init sleeps too, with PF_EXITING set.
public enum TaskState: Sendable, Equatable {
    case sleeping
    case dying
    case zombie
}

/// What /proc shows of a task, with pids as seen from the root namespace.
public struct TaskStatus: Sendable, Equatable {
    public var name: [UInt8]
    /// The thread-group leader's name: the process's command line (there is no exec).
    public var processName: [UInt8]
    public var tgid: Int32
    public var pid: Int32
    /// The parent process's tgid; 0 for the root init.
    public var ppid: Int32
    public var uid: UInt32
    public var gid: UInt32
    public var threads: Int
    /// The thread group's pid at every level, root namespace first (NStgid).
    public var nsTgid: [Int32]
    /// The task's pid at every level, root namespace first (NSpid).
    public var nsPid: [Int32]
    /// Its process group's and session's ids in the namespace of each of those levels, 0
    /// where they have none (NSpgid, NSsid); the first is what the root namespace shows.
    public var nsPgid: [Int32]
    public var nsSid: [Int32]
    public var state: TaskState
    /// exit_code: (status & 0xff) << 8 after an exit, the signal after a kill, else 0.
    public var exitCode: Int32
    /// The PF_* flags of the kernel the simulation has: PF_EXITING, PF_FORKNOEXEC.
    public var flags: UInt32
    /// Its process ignores SIGCHLD (`sigchld ignore`); a zombie keeps its handlers until it is
    /// reaped (__exit_signal), as procfs shows them.
    public var ignoresSigchld: Bool = false
    /// When the task was created: CLOCK_BOOTTIME in clock ticks (procfs starttime).
    public var startTime: UInt64

    public var pgid: Int32 { nsPgid[0] }
    public var sid: Int32 { nsSid[0] }

    /// PF_EXITING: the task has begun do_exit (a zombie, or a dying init).
    public static let exitingFlag: UInt32 = 0x4
    /// PF_FORKNOEXEC: forked and never exec'd (every task but the root init).
    public static let forkNoExecFlag: UInt32 = 0x40
}

/// A task by identity, not by number: its pid in the root namespace and its serial, which no
/// later task with the same pid has (procfs pins a struct pid for the same reason). Every call
/// on a task takes one; once that task has ended, the call is ESRCH even if the pid was reused.
///
/// The serial is kept to its low `serialBits` bits, what an inode number has room for beside
/// the pid: a handle could only be taken for a task with the same pid made 2^33 (8.6 billion)
/// task creations later.
public struct TaskHandle: Hashable, Sendable {
    public var tid: Int32
    public var serial: UInt64

    public static let serialBits = 33
    public static let serialMask: UInt64 = (1 << serialBits) - 1

    public init(tid: Int32, serial: UInt64) {
        self.tid = tid
        self.serial = serial & TaskHandle.serialMask
    }
}

/// What the filesystem needs to give a task's files stable inode numbers and owners.
public struct TaskIdentity: Sendable, Equatable {
    public var tid: Int32
    /// Unique over the machine's life: a reused pid gets a new serial.
    public var serial: UInt64
    public var tgid: Int32
    public var uid: UInt32
    public var gid: UInt32

    public var handle: TaskHandle { TaskHandle(tid: tid, serial: serial) }
}

/// A task as directory listings show it.
public struct TaskEntry: Sendable, Equatable {
    public var tid: Int32
    public var tgid: Int32
    public var serial: UInt64
    /// Its process's owner (what its directory shows).
    public var uid: UInt32
    public var gid: UInt32

    public var handle: TaskHandle { TaskHandle(tid: tid, serial: serial) }
}

/// The namespace inode numbers behind a process's ns/ links.
public struct NamespaceInodes: Sendable, Equatable {
    public var pid: UInt32
    /// The pid namespace later children go into.
    public var pidForChildren: UInt32
    /// Whether that namespace has had an init. procfs has no target for ns/pid_for_children
    /// before (pidns_for_children_get returns nothing without a child reaper), so a namespace
    /// that was never used and one whose init died look different.
    public var pidForChildrenHadInit: Bool
    public var ipc: UInt32
    /// An exited process (zombie, dying init) has left its namespaces: only ns/pid has a
    /// target (pidForChildren and ipc are 0).
    public var hasExited = false
}

/// The machine-wide counts of /proc/stat and /proc/loadavg.
public struct MachineSummary: Sendable, Equatable {
    /// Tasks that exist, zombies included (nr_threads).
    public var threads: Int
    /// Tasks created since boot (total_forks).
    public var forks: UInt64
    /// The root pid namespace's last automatic pid (its ns_last_pid).
    public var lastPid: Int32
}

/// One row of /proc/sysvipc/{msg,sem,shm}.
public struct IpcObjectView: Sendable, Equatable {
    public var key: Int32
    public var id: Int32
    public var mode: UInt32
    public var uid: UInt32
    public var gid: UInt32
    public var cuid: UInt32
    public var cgid: UInt32
    /// The creating process's pid in the root namespace (shm cpid).
    public var creatorPid: Int32
    public var ctime: Int64
    public var nsems: Int
    public var size: UInt64
}

extension Machine {
    var summary: MachineSummary {
        MachineSummary(threads: tasks.count - freeTaskSlots.count, forks: forks,
                       lastPid: Int32(readSysctl(.nsLastPid, pidNamespace: rootPidNamespace, ipcNamespace: rootIpcNamespace)))
    }

    func status(of t: TaskIndex) -> TaskStatus {
        let task = tasks[Int(t)]
        let leaderIndex = groupLeader(t)
        let leader = tasks[Int(leaderIndex)]
        let ppid = leader.parent == noTask ? 0 : numbers(of: groupLeader(leader.parent)).root
        let chain = pidNamespaceChain(from: activeNamespace(of: t)).reversed()
        let state: TaskState = switch leader.exitState {
        case .running: .sleeping
        case .dying: .dying
        case .zombie: .zombie
        }
        var flags: UInt32 = t == rootInit ? 0 : TaskStatus.forkNoExecFlag
        if leader.exitState != .running { flags |= TaskStatus.exitingFlag }
        return TaskStatus(
            name: task.comm.bytes, processName: leader.comm.bytes, tgid: numbers(of: leaderIndex).root, pid: numbers(of: t).root, ppid: ppid,
            uid: leader.uid, gid: leader.gid, threads: Int(leader.threadCount),
            nsTgid: numbers(of: leaderIndex).all, nsPid: numbers(of: t).all,
            nsPgid: chain.map { number(of: leader.pgrp, in: $0) }, nsSid: chain.map { number(of: leader.session, in: $0) },
            state: state, exitCode: leader.exitState == .running ? 0 : leader.exitCode, flags: flags,
            ignoresSigchld: leader.ignoresSigchld, startTime: task.startTime)
    }

    func identity(of t: TaskIndex) -> TaskIdentity {
        let leader = tasks[Int(groupLeader(t))]
        return TaskIdentity(tid: numbers(of: t).root, serial: tasks[Int(t)].serial, tgid: numbers(of: groupLeader(t)).root,
                            uid: leader.uid, gid: leader.gid)
    }

    func entry(_ t: TaskIndex) -> TaskEntry {
        let leader = tasks[Int(groupLeader(t))]
        return TaskEntry(tid: numbers(of: t).root, tgid: numbers(of: groupLeader(t)).root, serial: tasks[Int(t)].serial,
                         uid: leader.uid, gid: leader.gid)
    }

    /// Tasks by ascending root pid from `from`, those that pass `include`, at most `limit`.
    func taskEntries(from: Int32, limit: Int, include: (TaskIndex) -> Bool) -> [TaskEntry] {
        let idr = pidNamespaces[Int(rootPidNamespace)].idr
        var out: [TaskEntry] = []
        var next = idr.firstUsed(from: Int(max(from, 0)))
        while let nr = next, out.count < limit {
            // A pid only a process group or session holds has no task.
            if let p = idr.value(at: nr), case let t = pids[Int(p)].task, t != noTask, include(t) { out.append(entry(t)) }
            next = idr.firstUsed(from: nr + 1)
        }
        return out
    }

    /// The threads of `leader`'s group with a root tid at or above `from`, ascending, at most
    /// `limit`: one walk of the thread list, which is in creation order, so mostly ascending
    /// already (a directory listing resumes by tid, a batch at a time).
    func threadEntries(ofLeader leader: TaskIndex, from: Int32, limit: Int) -> [TaskEntry] {
        var out: [TaskEntry] = []
        forEachThread(ofLeader: leader) { t in
            let tid = numbers(of: t).root
            guard tid >= from, out.count < limit || tid < out[out.count - 1].tid else { return }
            let at = (out.lastIndex { $0.tid < tid } ?? -1) + 1
            out.insert(entry(t), at: at)
            if out.count > limit { out.removeLast() }
        }
        return out
    }

    func namespaceInodes(of t: TaskIndex) -> NamespaceInodes {
        let leader = tasks[Int(groupLeader(t))]
        let pid = pidNamespaces[Int(activeNamespace(of: t))].inode
        guard leader.exitState == .running else {
            return NamespaceInodes(pid: pid, pidForChildren: 0, pidForChildrenHadInit: false, ipc: 0, hasExited: true)
        }
        return NamespaceInodes(
            pid: pid,
            pidForChildren: pidNamespaces[Int(leader.pidForChildren)].inode,
            pidForChildrenHadInit: pidNamespaces[Int(leader.pidForChildren)].childReaper != noTask,
            ipc: ipcNamespaces[Int(leader.ipcNamespace)].inode)
    }

    func ipcTable(_ kind: IpcKind, namespace ns: Int32) -> [IpcObjectView] {
        let ids = ipcNamespaces[Int(ns)].ids[kind.rawValue]
        var rows: [IpcObjectView] = []
        rows.reserveCapacity(ids.inUse)
        ids.idr.forEach { idx, _ in
            guard let o = ids.objects[idx] else { return }
            rows.append(IpcObjectView(
                key: o.key, id: o.id, mode: o.mode, uid: o.uid, gid: o.gid, cuid: o.cuid, cgid: o.cgid,
                creatorPid: o.creatorPid, ctime: o.ctime, nsems: o.nsems, size: o.size))
        }
        return rows
    }
}
