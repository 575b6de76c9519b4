@testable import IdAllocators
import Testing

/// A small driver over `Kernel` for tests: creates tasks and returns their root-namespace tids.
struct World {
    let kernel: Kernel

    init(pidMax: Int = Limits.defaultPidMax) {
        kernel = Kernel(pidMax: pidMax, now: { 1_700_000_000 })
    }

    @discardableResult
    func call(_ tid: Int32, _ syscall: Syscall) -> Result<Int64, Errno> {
        kernel.call(syscall, by: kernel.handle(ofPid: tid))
    }

    /// fork/clone that must succeed; returns the child's root tid.
    func spawn(_ tid: Int32, _ flags: CloneFlags = [], sourceLocation: SourceLocation = #_sourceLocation) -> Int32 {
        let result = call(tid, .clone(flags))
        guard case .success = result else {
            Issue.record("clone \(flags) by \(tid) failed: \(result)", sourceLocation: sourceLocation)
            return -1
        }
        if flags.contains(.thread) {
            let group = kernel.status(of: tid)!.tgid
            return kernel.threads(ofGroup: group)!.last!.tid
        }
        return kernel.children(of: tid)!.last!
    }

    /// The value a call returned (the child's pid in the actor's namespace for fork/clone).
    func value(_ tid: Int32, _ syscall: Syscall, sourceLocation: SourceLocation = #_sourceLocation) -> Int64 {
        switch call(tid, syscall) {
        case .success(let v): return v
        case .failure(let e):
            Issue.record("\(syscall) by \(tid) failed: \(e)", sourceLocation: sourceLocation)
            return -1
        }
    }

    func errno(_ tid: Int32, _ syscall: Syscall) -> Errno? {
        if case .failure(let e) = call(tid, syscall) { return e }
        return nil
    }

    func nspid(_ tid: Int32) -> [Int32] { kernel.status(of: tid)?.nsPid ?? [] }

    func sysctl(_ name: SysctlName, of tid: Int32) -> Int64 {
        (try? kernel.readSysctl(name, as: actor(tid)).get()) ?? -999
    }

    @discardableResult
    func setSysctl(_ name: SysctlName, _ value: Int64, by tid: Int32) -> Result<Int64, Errno> {
        kernel.writeSysctl(name, .number(value), as: actor(tid))
    }

    /// The task that has pid `tid` now, as the actor on a sysctl file or IPC table.
    func actor(_ tid: Int32) -> Actor { .task(kernel.handle(ofPid: tid)) }

    func pending(_ ids: Int32...) -> Syscall { .setNextId(PendingIds(ids)!) }

    func pendingIds(_ tid: Int32) -> [Int32]? { (try? kernel.pendingIds(of: kernel.handle(ofPid: tid)).get())??.ids }

    func msgget(_ key: Int32 = IpcGetRequest.privateKey, _ flags: IpcFlags = [.create, 0o600]) -> Syscall {
        .ipcGet(IpcGetRequest(kind: .msg, key: key, flags: flags))
    }

    func ids(_ kind: IpcKind, of tid: Int32) -> [Int32] {
        kernel.ipcTable(kind, as: actor(tid))?.map(\.id) ?? []
    }
}

/// The tests name tasks by their pid in the root namespace: these views take the task that has
/// that pid now (the filesystem keeps handles instead).
extension Kernel {
    func status(of tid: Int32) -> TaskStatus? { status(of: handle(ofPid: tid)) }
    func children(of tid: Int32) -> [Int32]? { children(of: handle(ofPid: tid)) }
    func threads(ofGroup tgid: Int32) -> [TaskEntry]? { threads(ofGroup: handle(ofPid: tgid)) }
    func namespaceInodes(of tid: Int32) -> NamespaceInodes? { namespaceInodes(of: handle(ofPid: tid)) }
}
