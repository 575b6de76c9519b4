import Synchronization

/// The one way into the simulated kernel: every operation, addressed by the acting thread's
/// pid in the root namespace, returns a value or an errno. Thread-safe: each call (and each
/// ctl batch) runs alone, so concurrent writers never see each other's intermediate state.
public final class Kernel: Sendable {
    private let machine: Mutex<Machine>
    private let now: @Sendable () -> Int64
    /// When the machine started (seconds since the epoch, from `now`).
    public let bootTime: Int64

    public init(pidMax: Int = Limits.defaultPidMax, now: @escaping @Sendable () -> Int64 = { 0 }) {
        machine = Mutex(Machine(pidMax: pidMax, now: now))
        self.now = now
        bootTime = now()
    }

    /// Seconds since the machine started.
    public var uptime: Int64 { now() - bootTime }

    // MARK: calls

    /// One call by thread `tid`; ESRCH when there is no such thread.
    public func call(_ syscall: Syscall, by tid: Int32) -> Result<Int64, Errno> {
        machine.withLock { m in
            guard let t = m.task(rootTid: tid) else { return .failure(.ESRCH) }
            return m.perform(syscall, actor: t)
        }
    }

    /// A ctl write: the lines run in order until the first failure, as one atomic step, and the
    /// thread's last result records the last line that ran.
    public func run(_ batch: [Result<Syscall, Errno>], by tid: Int32) -> BatchOutcome {
        machine.withLock { $0.perform(batch: batch, actorTid: tid) }
    }

    /// The ctl read-back: the last result of thread `tid` (value, or -errno), nil before any.
    public func lastResult(of tid: Int32) -> Result<Int64?, Errno> {
        machine.withLock { m in
            guard let t = m.task(rootTid: tid) else { return .failure(.ESRCH) }
            let result = m.tasks[Int(t)].lastResult
            return .success(result == Task.noResult ? nil : result)
        }
    }

    // MARK: next_id

    public func pendingIds(of tid: Int32) -> Result<PendingIds?, Errno> {
        machine.withLock { m in
            guard let t = m.task(rootTid: tid) else { return .failure(.ESRCH) }
            return .success(m.pendingIds(of: t).flatMap(PendingIds.init))
        }
    }

    public func setPendingIds(of tid: Int32, _ ids: PendingIds?) -> Result<Int64, Errno> {
        call(.setNextId(ids), by: tid)
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

    public func status(of tid: Int32) -> TaskStatus? {
        machine.withLock { m in m.task(rootTid: tid).map { m.status(of: $0) } }
    }

    public func identity(of tid: Int32) -> TaskIdentity? {
        machine.withLock { m in m.task(rootTid: tid).map { m.identity(of: $0) } }
    }

    /// The children of thread `tid` as root-namespace pids, in the kernel's order.
    public func children(of tid: Int32) -> [Int32]? {
        machine.withLock { m in
            m.task(rootTid: tid).map { t in m.children(ofThread: t).map { m.tasks[Int($0)].numbers.root } }
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

    /// The threads of the process `tgid` (leader first); nil unless `tgid` is a thread-group
    /// leader.
    public func threads(ofGroup tgid: Int32) -> [TaskEntry]? {
        machine.withLock { m in
            guard let t = m.task(rootTid: tgid), m.tasks[Int(t)].isLeader else { return nil }
            return m.threads(ofLeader: t).map { m.entry($0) }
        }
    }

    public func namespaceInodes(of tid: Int32) -> NamespaceInodes? {
        machine.withLock { m in m.task(rootTid: tid).map { m.namespaceInodes(of: $0) } }
    }

    public func ipcTable(_ kind: IpcKind, as actor: Actor) -> [IpcObjectView]? {
        machine.withLock { m in
            m.resolve(actor).map { m.ipcTable(kind, namespace: $0.ipcNamespace) }
        }
    }
}
