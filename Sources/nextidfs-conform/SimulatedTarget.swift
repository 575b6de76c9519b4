import IdAllocators
import NextIdFS

/// The simulated kernel in this process, driven through the same parsers as the filesystem:
/// ctl lines through `CtlLanguage`, sysctl values through `KernelInteger`.
struct SimulatedTarget: Target {
    let kernel: Kernel

    init(pidMax: Int) {
        kernel = Kernel(pidMax: pidMax)
    }

    func ctl(_ line: String, by task: TaskRef) -> Result<Int64, Errno> {
        let call = CtlLanguage.parse(ArraySlice(line.utf8))
        let handle = kernel.handle(ofPid: task.tid)
        let outcome = kernel.run([call], by: handle)
        if let failure = outcome.failure { return .failure(failure) }
        switch kernel.lastResult(of: handle) {
        case .success(let value): return .success(value ?? 0)
        case .failure: return .success(0)  // the thread exited
        }
    }

    func newestChild(of task: TaskRef) -> Int32? {
        kernel.children(of: kernel.handle(ofPid: task.tid))?.last
    }

    func thread(ofGroup tgid: Int32, innermostPid: Int64) -> Int32? {
        kernel.threads(ofGroup: kernel.handle(ofPid: tgid))?.first { kernel.status(of: $0.handle)?.nsPid.last.map(Int64.init) == innermostPid }?.tid
    }

    func serial(of tid: Int32) -> UInt64? {
        kernel.identity(ofPid: tid)?.serial
    }

    func nsList(_ list: NsList, of task: TaskRef) -> [Int32]? {
        guard let s = kernel.status(of: kernel.handle(ofPid: task.tid)) else { return nil }
        switch list {
        case .pid: return s.nsPid
        case .pgid: return s.nsPgid
        case .sid: return s.nsSid
        }
    }

    func stat(of task: TaskRef) -> StatFields? {
        kernel.status(of: kernel.handle(ofPid: task.tid)).map { s in
            StatFields(state: s.state == .zombie ? "Z" : "S", ppid: s.ppid, pgrp: s.pgid, session: s.sid,
                       flags: s.flags, exitCode: s.exitCode)
        }
    }

    func ppid(of task: TaskRef) -> Int32? {
        kernel.status(of: kernel.handle(ofPid: task.tid))?.ppid
    }

    func readSysctl(_ name: SysctlName, by task: TaskRef) -> Result<Int64, Errno> {
        kernel.readSysctl(name, as: .task(kernel.handle(ofPid: task.tid)))
    }

    func writeSysctl(_ name: SysctlName, text: String, by task: TaskRef) -> Result<Int64, Errno> {
        kernel.writeSysctl(name, KernelInteger.sysctlInput(Array((text + "\n").utf8)), as: .task(kernel.handle(ofPid: task.tid)))
    }

    func ipcTable(_ kind: IpcKind, by task: TaskRef) -> Result<[IpcRow], Errno> {
        guard let views = kernel.ipcTable(kind, as: .task(kernel.handle(ofPid: task.tid))) else { return .failure(.ESRCH) }
        return .success(views.map { v in
            IpcRow(kind: kind, id: v.id, key: v.key, mode: v.mode, uid: v.uid, gid: v.gid, cuid: v.cuid, cgid: v.cgid,
                   extra: kind == .sem ? UInt64(v.nsems) : v.size)
        })
    }
}
