import IdAllocators

/// The restore tests name tasks by their pid in the root namespace, as the image and the
/// program do: these take the task that has that pid now (the filesystem keeps handles instead).
extension Kernel {
    @discardableResult
    func call(_ syscall: Syscall, by tid: Int32) -> Result<Int64, Errno> { call(syscall, by: handle(ofPid: tid)) }
    func run(_ batch: [Result<Syscall, Errno>], by tid: Int32) -> BatchOutcome { run(batch, by: handle(ofPid: tid)) }
    func lastResult(of tid: Int32) -> Result<Int64?, Errno> { lastResult(of: handle(ofPid: tid)) }
    func status(of tid: Int32) -> TaskStatus? { status(of: handle(ofPid: tid)) }
    func children(of tid: Int32) -> [Int32]? { children(of: handle(ofPid: tid)) }
    func threads(ofGroup tgid: Int32) -> [TaskEntry]? { threads(ofGroup: handle(ofPid: tgid)) }
    func pendingIds(of tid: Int32) -> Result<PendingIds?, Errno> { pendingIds(of: handle(ofPid: tid)) }

    /// The task that has pid `tid` now (the machine's root namespaces for nil), as the actor on
    /// a sysctl file or an IPC table.
    func actor(_ tid: Int32?) -> Actor { tid.map { .task(handle(ofPid: $0)) } ?? .host(uid: 0) }

    @discardableResult
    func writeSysctl(_ name: SysctlName, value: Int64, as tid: Int32?) -> Result<Int64, Errno> {
        writeSysctl(name, .number(value), as: actor(tid))
    }
}

/// The daemon's start times are clock ticks (1/100 s); these test kernels tick at every task
/// made instead, so that start times differ as between tasks made far apart (the dump orders
/// threads by the serials in their inode numbers either way).
final class CreationClock: Sendable {
    private let count = Lock<UInt64>(0)
    func tick() -> UInt64 { count.withLock { $0 += 1; return $0 } }
}

extension Kernel {
    static func ticking(pidMax: Int = Limits.defaultPidMax) -> Kernel {
        let clock = CreationClock()
        return Kernel(pidMax: pidMax, ticks: { clock.tick() })
    }
}
