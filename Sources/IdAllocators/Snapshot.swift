/// The whole state of a machine in a canonical, comparable form: two machines with equal
/// snapshots give the same results to every later operation. Namespaces are named by their
/// place in the world, not by inode number (which differs between two machines built alike).
public struct MachineSnapshot: Sendable, Equatable {
    public var pidNamespaces: [PidNamespace]
    public var ipcNamespaces: [IpcNamespace]
    /// By root tgid.
    public var processes: [Process]

    /// A pid namespace: named after the root pid of its init, or, when no task is in it (never
    /// had an init, or its init died), after the process whose pid_for_children it is.
    public enum PidNamespaceName: Sendable, Hashable, Comparable, CustomStringConvertible {
        case initPid(Int32)
        case pidForChildren(of: Int32)

        public var description: String {
            switch self {
            case .initPid(let p): "p\(p)"
            case .pidForChildren(let g): "pfc(\(g))"
            }
        }
    }

    /// An IPC namespace: the machine's root one, or named after its smallest member tgid.
    public enum IpcNamespaceName: Sendable, Hashable, Comparable, CustomStringConvertible {
        case root
        case member(Int32)

        public var description: String {
            switch self {
            case .root: "root"
            case .member(let g): "i\(g)"
            }
        }
    }

    public struct PidNamespace: Sendable, Equatable {
        public var name: PidNamespaceName
        public var parent: PidNamespaceName?
        public var level: Int
        public var pidMax: Int
        public var cursor: Int
        /// False once its init has died (PIDNS_ADDING cleared).
        public var acceptsTasks: Bool
        public var hadInit: Bool
    }

    public struct IpcNamespace: Sendable, Equatable {
        public var name: IpcNamespaceName
        /// msg, sem, shm.
        public var nextIds: [Int]
        public var allocators: [IpcAllocatorState]
        /// msg, sem, shm tables, by idx.
        public var objects: [[IpcObjectView]]
        public var usedSems: Int
        public var shmPages: UInt64
    }

    public struct Process: Sendable, Equatable {
        public var tgid: Int32
        public var pidNamespace: PidNamespaceName
        /// nil once it has exited (a zombie, a dying init: exit_task_namespaces).
        public var pidForChildren: PidNamespaceName?
        public var ipcNamespace: IpcNamespaceName?
        public var uid: UInt32
        public var gid: UInt32
        /// The root tid of the thread that is its parent; 0 for the root init.
        public var parentTid: Int32
        /// Its process group's and session's root pids (their leaders may be gone).
        public var pgid: Int32
        public var sid: Int32
        /// It made its session (setsid).
        public var sessionLeader: Bool
        public var ignoresSigchld: Bool
        public var state: TaskState
        public var exitCode: Int32
        /// Leader first, then in creation order (the kernel's thread list).
        public var threads: [Thread]
    }

    public struct Thread: Sendable, Equatable {
        public var tid: Int32
        /// Root namespace first.
        public var pids: [Int32]
        public var comm: [UInt8]
        public var pendingIds: [Int32]?
        /// Root pids, in the kernel's order.
        public var children: [Int32]
        /// The ctl read-back (nil before any command).
        public var lastResult: Int64?
        public var startTime: UInt64
    }
}

extension Machine {
    func snapshot() -> MachineSnapshot {
        var leaders: [TaskIndex] = []
        pidNamespaces[Int(rootPidNamespace)].idr.forEach { _, p in
            let t = pids[Int(p)].task
            if t != noTask && tasks[Int(t)].isLeader { leaders.append(t) }
        }
        let pidNames = pidNamespaceNames(leaders)
        let ipcNames = ipcNamespaceNames(leaders)

        var snap = MachineSnapshot(pidNamespaces: [], ipcNamespaces: [], processes: [])
        for (index, name) in pidNames.sorted(by: { $0.value < $1.value }) {
            let ns = pidNamespaces[Int(index)]
            snap.pidNamespaces.append(MachineSnapshot.PidNamespace(
                name: name, parent: ns.parent < 0 ? nil : pidNames[ns.parent], level: ns.level, pidMax: ns.pidMax,
                cursor: ns.idr.cursor, acceptsTasks: ns.adding, hadInit: ns.childReaper != noTask))
        }
        for (index, name) in ipcNames.sorted(by: { $0.value < $1.value }) {
            let ns = ipcNamespaces[Int(index)]
            snap.ipcNamespaces.append(MachineSnapshot.IpcNamespace(
                name: name, nextIds: ns.ids.map(\.nextId), allocators: ipcAllocators(namespace: index),
                objects: IpcKind.allCases.map { ipcTable($0, namespace: index) }, usedSems: ns.usedSems,
                shmPages: ns.shmPages))
        }
        for leader in leaders {
            let p = tasks[Int(leader)]
            let threads = self.threads(ofLeader: leader).map { t in
                let task = tasks[Int(t)]
                return MachineSnapshot.Thread(
                    tid: numbers(of: t).root, pids: numbers(of: t).all, comm: task.comm.bytes,
                    pendingIds: pendingIds(of: t), children: children(ofThread: t).map { numbers(of: $0).root },
                    lastResult: task.lastResult == Task.noResult ? nil : task.lastResult, startTime: task.startTime)
            }
            snap.processes.append(MachineSnapshot.Process(
                tgid: numbers(of: leader).root, pidNamespace: pidNames[activeNamespace(of: leader)]!,
                pidForChildren: pidNames[p.pidForChildren], ipcNamespace: ipcNames[p.ipcNamespace], uid: p.uid, gid: p.gid,
                parentTid: p.parent == noTask ? 0 : numbers(of: p.parent).root,
                pgid: p.pgrp == noPid ? 0 : pids[Int(p.pgrp)].numbers.root,
                sid: p.session == noPid ? 0 : pids[Int(p.session)].numbers.root,
                sessionLeader: p.isSessionLeader, ignoresSigchld: p.ignoresSigchld,
                state: p.exitState == .zombie ? .zombie : p.exitState == .dying ? .dying : .sleeping,
                exitCode: p.exitCode, threads: threads))
        }
        return snap
    }

    /// Every pid namespace a live process uses, with its canonical name.
    private func pidNamespaceNames(_ leaders: [TaskIndex]) -> [Int32: MachineSnapshot.PidNamespaceName] {
        var names: [Int32: MachineSnapshot.PidNamespaceName] = [:]
        for leader in leaders where numbers(of: leader).innermost == 1 {
            names[activeNamespace(of: leader)] = .initPid(numbers(of: leader).root)
        }
        for leader in leaders where tasks[Int(leader)].pidForChildren >= 0 && names[tasks[Int(leader)].pidForChildren] == nil {
            names[tasks[Int(leader)].pidForChildren] = .pidForChildren(of: numbers(of: leader).root)
        }
        return names
    }

    private func ipcNamespaceNames(_ leaders: [TaskIndex]) -> [Int32: MachineSnapshot.IpcNamespaceName] {
        var names: [Int32: MachineSnapshot.IpcNamespaceName] = [rootIpcNamespace: .root]
        for leader in leaders where tasks[Int(leader)].ipcNamespace >= 0 && names[tasks[Int(leader)].ipcNamespace] == nil {
            names[tasks[Int(leader)].ipcNamespace] = .member(numbers(of: leader).root)
        }
        return names
    }
}

extension Kernel {
    /// The whole machine, canonically (see `MachineSnapshot`).
    public func snapshot() -> MachineSnapshot {
        withMachine { $0.snapshot() }
    }
}
