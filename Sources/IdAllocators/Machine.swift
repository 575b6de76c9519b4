/// The simulated machine: every task, pid namespace and IPC namespace, and the operations of
/// the kernel on them. Internal to IdAllocators and not thread-safe on its own: the one instance
/// lives in a `Kernel`, reached only with its lock held.
///
/// One file per rule: alloc_pid in AllocPid.swift, copy_process in Fork.swift, exit, zombies and
/// reparenting in Exit.swift, wait and SIGCHLD in Wait.swift, setsid/setpgid in Session.swift,
/// unshare in Unshare.swift, credentials in Credentials.swift, ipc_idr_alloc/ipc_addid in
/// IpcIds.swift, ipcget key rules in IpcGet.swift, IPC_RMID/IPC_SET in IpcCtl.swift, the sysctl
/// files in Sysctl.swift, the 2008 next_id proposal in NextId.swift.
final class Machine {
    // Every access happens under Kernel's lock, one call at a time: the runtime's dynamic
    // exclusivity checks on these properties cost as much as the allocation itself.
    @exclusivity(unchecked) var tasks: [Task] = []
    @exclusivity(unchecked) var freeTaskSlots: [TaskIndex] = []
    /// Every struct pid in use (the idrs map numbers to these).
    @exclusivity(unchecked) var pids: [Pid] = []
    @exclusivity(unchecked) var freePidSlots: [PidIndex] = []
    /// Dying inits to wake once the call has done its work (free_pid's wake_up_process).
    @exclusivity(unchecked) var reaperWakeups: [(task: TaskIndex, serial: UInt64)] = []
    @exclusivity(unchecked) var pidNamespaces: [PidNamespace] = []
    @exclusivity(unchecked) var freePidNamespaces: [Int32] = []
    @exclusivity(unchecked) var ipcNamespaces: [IpcNamespace] = []
    @exclusivity(unchecked) var freeIpcNamespaces: [Int32] = []
    /// Pending ids of the 2008 next_id interface, per thread (sparse; `Task.hasPendingIds`).
    @exclusivity(unchecked) var pendingIds: [TaskIndex: [Int32]] = [:]
    @exclusivity(unchecked) var nextSerial: UInt64 = 1
    /// How many calls and sysctl writes the machine has performed (whatever their outcome).
    @exclusivity(unchecked) var operations: UInt64 = 0
    /// How many times anything could have changed what the machine shows: every ctl batch (also
    /// one whose lines only failed to parse: the thread's last result shows it), call and sysctl
    /// write.
    @exclusivity(unchecked) var version: UInt64 = 0
    var nextNamespaceInode = Limits.firstDynamicInode
    /// Tasks created since the machine started (the kernel's total_forks, threads included).
    @exclusivity(unchecked) var forks: UInt64 = 0
    /// Seconds since the epoch, for IPC ctime.
    let now: @Sendable () -> Int64
    /// CLOCK_BOOTTIME in clock ticks (USER_HZ, 100 a second), for start times.
    let ticks: @Sendable () -> UInt64

    let rootPidNamespace: Int32 = 0
    let rootIpcNamespace: Int32 = 0
    /// The root init's task index.
    let rootInit: TaskIndex = 0

    /// The world at mount time (docs/interface.md §1): a root pid and IPC namespace holding `init`,
    /// pid 1, uid 0, gid 0.
    init(pidMax: Int = Limits.defaultPidMax, now: @escaping @Sendable () -> Int64 = { 0 },
         ticks: @escaping @Sendable () -> UInt64 = { 0 }) {
        precondition((Limits.pidMaxMin...Limits.pidMaxLimit).contains(pidMax))
        self.now = now
        self.ticks = ticks
        var root = PidNamespace(level: 0, parent: -1, pidMax: pidMax, inode: Limits.rootPidNamespaceInode)
        root.references = 1 // the root namespace is never freed
        pidNamespaces.append(root)
        var rootIpc = IpcNamespace(inode: Limits.rootIpcNamespaceInode)
        rootIpc.references = 1
        ipcNamespaces.append(rootIpc)

        let slot = newTaskSlot()
        precondition(slot == rootInit)
        guard case .success(let pid) = allocPid(in: rootPidNamespace, setTid: [], uid: 0) else {
            preconditionFailure("the root init always gets pid 1")
        }
        tasks[Int(slot)] = Task(
            serial: takeSerial(), pid: pid, leader: noTask,
            comm: Comm(Array("init".utf8)), startTime: ticks(),
            pidForChildren: rootPidNamespace, ipcNamespace: rootIpcNamespace, uid: 0, gid: 0)
        tasks[Int(slot)].lastThread = slot
        pids[Int(pid)].task = slot
        // pgid 1 and sid 1: the root init leads its own session and group.
        tasks[Int(slot)].isSessionLeader = true
        changeSession(of: slot, to: pid)
        changeGroup(of: slot, to: pid)
        pidNamespaces[0].childReaper = slot
        getPidNamespace(rootPidNamespace)
        ipcNamespaces[0].references += 1
    }

    // MARK: task slots

    /// A slot for a task about to be created (its pids are allocated with this index as value).
    func newTaskSlot() -> TaskIndex {
        if let slot = freeTaskSlots.popLast() { return slot }
        tasks.append(Task.placeholder)
        return TaskIndex(tasks.count - 1)
    }

    func releaseTaskSlot(_ slot: TaskIndex) {
        tasks[Int(slot)] = Task.placeholder
        freeTaskSlots.append(slot)
    }

    /// A new task's serial. None is 0 in its handle's bits: a handle with serial 0 names no task.
    func takeSerial() -> UInt64 {
        if nextSerial & TaskHandle.serialMask == 0 { nextSerial += 1 }
        defer { nextSerial += 1 }
        return nextSerial
    }

    // MARK: lookups

    /// The task (running or not yet reaped) whose pid in the root namespace is `tid`.
    func task(rootTid tid: Int32) -> TaskIndex? {
        findTask(tid, in: rootPidNamespace)
    }

    /// Whether thread `t` can still make calls: its process has not begun to exit.
    func isRunning(_ t: TaskIndex) -> Bool {
        tasks[Int(groupLeader(t))].exitState == .running
    }

    /// The handle that names task `t`.
    func handle(of t: TaskIndex) -> TaskHandle {
        TaskHandle(tid: numbers(of: t).root, serial: tasks[Int(t)].serial)
    }

    /// The task `handle` was taken for, if it is still alive: the same pid and the same serial.
    func task(_ handle: TaskHandle) -> TaskIndex? {
        guard let t = task(rootTid: handle.tid), TaskHandle(tid: handle.tid, serial: tasks[Int(t)].serial) == handle else {
            return nil
        }
        return t
    }

    func groupLeader(_ t: TaskIndex) -> TaskIndex {
        tasks[Int(t)].isLeader ? t : tasks[Int(t)].leader
    }

    /// `body` on every thread of `leader`'s group, leader first; `body` may release the thread.
    func forEachThread(ofLeader leader: TaskIndex, _ body: (TaskIndex) -> Void) {
        var t = leader
        while t != noTask {
            let next = tasks[Int(t)].nextThread
            body(t)
            t = next
        }
    }

    /// The threads of `leader`'s group, leader first.
    func threads(ofLeader leader: TaskIndex) -> [TaskIndex] {
        var out: [TaskIndex] = []
        out.reserveCapacity(Int(tasks[Int(leader)].threadCount))
        forEachThread(ofLeader: leader) { out.append($0) }
        return out
    }

    /// The children (leaders) forked by or reparented to thread `t`, in order.
    func children(ofThread t: TaskIndex) -> [TaskIndex] {
        var out: [TaskIndex] = []
        var c = tasks[Int(t)].firstChild
        while c != noTask {
            out.append(c)
            c = tasks[Int(c)].nextSibling
        }
        return out
    }

    func uid(of t: TaskIndex) -> UInt32 { tasks[Int(groupLeader(t))].uid }
}

extension Task {
    static let placeholder = Task(
        serial: 0, pid: noPid, leader: noTask,
        comm: Comm([]), startTime: 0, pidForChildren: -1, ipcNamespace: -1, uid: 0, gid: 0)
}
