/// The one way into the simulated kernel: every operation on a task is addressed by a
/// `TaskHandle` (the task itself, not its pid) and returns a value or an errno: ESRCH (or nil)
/// once that task has ended, checked under the same lock as the operation. Only `identity(ofPid:)`
/// goes by number, for path lookups. Thread-safe: each call (and each ctl batch) runs alone, so
/// concurrent writers never see each other's intermediate state.
public final class Kernel: Sendable {
    let machine: Lock<Machine>
    private let now: @Sendable () -> Int64
    /// When the machine started (seconds since the epoch, from `now`).
    public let bootTime: Int64

    public init(pidMax: Int = Limits.defaultPidMax, now: @escaping @Sendable () -> Int64 = { 0 }) {
        machine = Lock(Machine(pidMax: pidMax, now: now))
        self.now = now
        bootTime = now()
    }

    /// Seconds since the machine started.
    public var uptime: Int64 { now() - bootTime }

    /// How many calls and sysctl writes the machine has performed, whatever their outcome: equal
    /// counts mean nothing ran in between.
    public var operations: UInt64 { machine.withLock { $0.operations } }

    // MARK: calls

    /// One call by the thread `task`; ESRCH once it has ended.
    public func call(_ syscall: Syscall, by task: TaskHandle) -> Result<Int64, Errno> {
        machine.withLock { m in
            guard let t = m.task(task) else { return .failure(.ESRCH) }
            return m.performCall(syscall, actor: t)
        }
    }

    /// A ctl write: the lines run in order until the first failure, as one atomic step, and the
    /// thread's last result records the last line that ran.
    public func run(_ batch: [Result<Syscall, Errno>], by task: TaskHandle) -> BatchOutcome {
        machine.withLock { $0.perform(batch: batch, by: task) }
    }

    /// The ctl read-back: the last result of thread `task` (value, or -errno), nil before any.
    public func lastResult(of task: TaskHandle) -> Result<Int64?, Errno> {
        machine.withLock { m in
            guard let t = m.task(task) else { return .failure(.ESRCH) }
            let result = m.tasks[Int(t)].lastResult
            return .success(result == Task.noResult ? nil : result)
        }
    }

    // MARK: next_id

    public func pendingIds(of task: TaskHandle) -> Result<PendingIds?, Errno> {
        machine.withLock { m in
            guard let t = m.task(task) else { return .failure(.ESRCH) }
            return .success(m.pendingIds(of: t).flatMap(PendingIds.init))
        }
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

    /// `value` nil: the written text was not a number (EINVAL, after the EPERM check).
    public func writeSysctl(_ name: SysctlName, value: Int64?, as actor: Actor) -> Result<Int64, Errno> {
        machine.withLock { m in
            guard let (pidNS, ipcNS, uid) = m.resolve(actor) else { return .failure(.ESRCH) }
            return m.writeSysctl(name, value: value, uid: uid, pidNamespace: pidNS, ipcNamespace: ipcNS)
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
        machine.withLock { m in m.task(task).map { m.identity(of: $0) } }
    }

    public func status(of task: TaskHandle) -> TaskStatus? {
        machine.withLock { m in m.task(task).map { m.status(of: $0) } }
    }

    /// The children of thread `task` as root-namespace pids, in the kernel's order.
    public func children(of task: TaskHandle) -> [Int32]? {
        machine.withLock { m in
            m.task(task).map { t in m.children(ofThread: t).map { m.numbers(of: $0).root } }
        }
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
        machine.withLock { m in
            guard let t = m.task(leader), m.tasks[Int(t)].isLeader else { return nil }
            return m.threads(ofLeader: t).map { m.entry($0) }
        }
    }

    public func namespaceInodes(of task: TaskHandle) -> NamespaceInodes? {
        machine.withLock { m in m.task(task).map { m.namespaceInodes(of: $0) } }
    }

    public func ipcTable(_ kind: IpcKind, as actor: Actor) -> [IpcObjectView]? {
        machine.withLock { m in
            m.resolve(actor).map { m.ipcTable(kind, namespace: $0.ipcNamespace) }
        }
    }
}
