/// The one way into the simulated kernel: every operation on a task is addressed by a
/// `TaskHandle` (the task itself, not its pid) and returns a value or an errno: ESRCH (or nil)
/// once that task has ended, checked under the same lock as the operation. Only `identity(ofPid:)`
/// goes by number, for path lookups. Thread-safe: each call (and each ctl batch) runs alone, so
/// concurrent writers never see each other's intermediate state.
public final class Kernel: Sendable {
    let machine: Lock<Machine>
    private let ticks: @Sendable () -> UInt64
    /// When the machine booted, in seconds since the epoch (procfs btime): the host's boot, as
    /// `now` (CLOCK_REALTIME in seconds) and `ticks` (CLOCK_BOOTTIME in clock ticks) give it
    /// when the kernel is made. Every start time counts from there (docs/interface.md §6.6).
    public let bootTime: Int64

    public init(pidMax: Int = Limits.defaultPidMax, now: @escaping @Sendable () -> Int64 = { 0 },
                ticks: @escaping @Sendable () -> UInt64 = { 0 }) {
        machine = Lock(Machine(pidMax: pidMax, now: now, ticks: ticks))
        self.ticks = ticks
        bootTime = now() - Int64(ticks() / Limits.clockTicksPerSecond)
    }

    /// Clock ticks since the machine booted (CLOCK_BOOTTIME).
    public var uptime: UInt64 { ticks() }

    /// The machine-wide counts of /proc/stat and /proc/loadavg.
    public var summary: MachineSummary { machine.withLock { $0.summary } }

    /// How many calls and sysctl writes the machine has performed, whatever their outcome: equal
    /// counts mean nothing ran in between.
    public var operations: UInt64 { machine.withLock { $0.operations } }

    /// Changes whenever what the machine shows may have changed (`Machine.version`): equal
    /// versions mean every file reads the same.
    public var version: UInt64 { machine.withLock { $0.version } }

    /// `body` on the machine, alone (for views defined in other files).
    func withMachine<T: Sendable>(_ body: @Sendable (Machine) -> T) -> T {
        machine.withLock { body($0) }
    }

    /// `body` on the task `handle` names, with the lock held; ESRCH once that task has ended.
    private func onTask<R: Sendable>(_ handle: TaskHandle, _ body: @Sendable (Machine, TaskIndex) -> Result<R, Errno>) -> Result<R, Errno> {
        machine.withLock { m in
            guard let t = m.task(handle) else { return .failure(.ESRCH) }
            return body(m, t)
        }
    }

    /// What `body` sees of the task `handle` names, with the lock held; nil once it has ended.
    private func view<R: Sendable>(_ handle: TaskHandle, _ body: @Sendable (Machine, TaskIndex) -> R) -> R? {
        machine.withLock { m in m.task(handle).map { body(m, $0) } }
    }

    // MARK: calls

    /// One call by the thread `task`; ESRCH once it has ended. What the call changed is not
    /// reported: callers that keep views of the machine use `run`.
    public func call(_ syscall: Syscall, by task: TaskHandle) -> Result<Int64, Errno> {
        machine.withLock { m in
            m.version += 1
            guard let t = m.task(task) else { return .failure(.ESRCH) }
            var changes = Changes()
            return m.performCall(syscall, actor: t, &changes)
        }
    }

    /// A ctl write: the lines run in order until the first failure, as one atomic step, and the
    /// thread's last result records the last line that ran. The outcome says what changed.
    public func run(_ batch: [Result<Syscall, Errno>], by task: TaskHandle) -> BatchOutcome {
        machine.withLock { m in
            m.version += 1
            return m.perform(batch: batch, by: task)
        }
    }

    /// The ctl read-back: the last result of thread `task` (value, or -errno), nil before any.
    public func lastResult(of task: TaskHandle) -> Result<Int64?, Errno> {
        onTask(task) { m, t in
            let result = m.tasks[Int(t)].lastResult
            return .success(result == Task.noResult ? nil : result)
        }
    }

    // MARK: next_id

    public func pendingIds(of task: TaskHandle) -> Result<PendingIds?, Errno> {
        onTask(task) { m, t in .success(m.pendingIds(of: t).flatMap(PendingIds.init)) }
    }

    public func setPendingIds(of task: TaskHandle, _ ids: PendingIds?) -> Result<Int64, Errno> {
        call(.setNextId(ids), by: task)
    }

    // MARK: sysctl files

    public func readSysctl(_ name: SysctlName, as actor: Actor) -> Result<Int64, Errno> {
        machine.withLock { m in
            guard let (pidNS, ipcNS, _) = m.resolve(actor) else { return .failure(.ESRCH) }
            return .success(m.readSysctl(name, pidNamespace: pidNS, ipcNamespace: ipcNS))
        }
    }

    public func writeSysctl(_ name: SysctlName, _ input: SysctlInput, as actor: Actor) -> Result<Int64, Errno> {
        machine.withLock { m in
            m.version += 1
            guard let (pidNS, ipcNS, uid) = m.resolve(actor) else { return .failure(.ESRCH) }
            return m.writeSysctl(name, input, uid: uid, pidNamespace: pidNS, ipcNamespace: ipcNS)
        }
    }

    // MARK: views

    /// The live task whose pid in the root namespace is `pid`: how a path lookup finds one.
    public func identity(ofPid pid: Int32) -> TaskIdentity? {
        machine.withLock { m in m.task(rootTid: pid).map { m.identity(of: $0) } }
    }

    /// The task that has `pid` now, for callers that name tasks by number (operation scripts,
    /// tests); when there is none, a handle that names no task (every call on it is ESRCH).
    public func handle(ofPid pid: Int32) -> TaskHandle {
        identity(ofPid: pid)?.handle ?? TaskHandle(tid: pid, serial: 0)
    }

    public func identity(of task: TaskHandle) -> TaskIdentity? {
        view(task) { m, t in m.identity(of: t) }
    }

    public func status(of task: TaskHandle) -> TaskStatus? {
        view(task) { m, t in m.status(of: t) }
    }

    /// The children of thread `task` as root-namespace pids, in the kernel's order.
    public func children(of task: TaskHandle) -> [Int32]? {
        view(task) { m, t in m.children(ofThread: t).map { m.numbers(of: $0).root } }
    }

    /// Thread-group leaders with a root pid at or above `from`, ascending, at most `limit`.
    public func threadGroups(from: Int32, limit: Int) -> [TaskEntry] {
        machine.withLock { m in m.taskEntries(from: from, limit: limit) { m.tasks[Int($0)].isLeader } }
    }

    /// Every thread with a root tid at or above `from`, ascending, at most `limit`.
    public func allThreads(from: Int32, limit: Int) -> [TaskEntry] {
        machine.withLock { m in m.taskEntries(from: from, limit: limit) { _ in true } }
    }

    /// The threads of the process whose leader is `leader` (leader first); nil unless it is a
    /// live thread-group leader.
    public func threads(ofGroup leader: TaskHandle) -> [TaskEntry]? {
        view(leader) { m, t in m.tasks[Int(t)].isLeader ? m.threads(ofLeader: t).map { m.entry($0) } : nil } ?? nil
    }

    /// The threads of that process with a root tid at or above `from`, ascending, at most
    /// `limit`; nil unless `leader` is a live thread-group leader.
    public func threads(ofGroup leader: TaskHandle, from: Int32, limit: Int) -> [TaskEntry]? {
        view(leader) { m, t in m.tasks[Int(t)].isLeader ? m.threadEntries(ofLeader: t, from: from, limit: limit) : nil } ?? nil
    }

    public func namespaceInodes(of task: TaskHandle) -> NamespaceInodes? {
        view(task) { m, t in m.namespaceInodes(of: t) }
    }

    public func ipcTable(_ kind: IpcKind, as actor: Actor) -> [IpcObjectView]? {
        machine.withLock { m in
            m.resolve(actor).map { m.ipcTable(kind, namespace: $0.ipcNamespace) }
        }
    }
}
