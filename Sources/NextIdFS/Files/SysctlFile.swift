import IdAllocators

/// sys/kernel/{ns_last_pid,pid_max,msg_next_id,sem_next_id,shm_next_id} (docs/interface.md §5.2).
/// Under <pid>/ they act as that process, with its namespaces and uid; at the top of the mount
/// they act on the root namespaces with the real caller's uid.
struct SysctlFile: TreeFile {
    let name: SysctlName

    func content(of node: NodeRef, in kernel: Kernel) -> Result<[UInt8], Errno> {
        kernel.readSysctl(name, as: node.actor(uid: 0)).map(ProcFormats.number)
    }

    func write(_ request: WriteRequest, to node: NodeRef, in kernel: Kernel, writers: CtlWriters) -> WriteOutcome {
        // Like the kernel's sysctl_writes_strict: a write past the start is ignored.
        guard request.offset == 0 else { return WriteOutcome(result: .success(request.data.count)) }
        let result = kernel.writeSysctl(name, KernelInteger.sysctlInput(request.data), as: node.actor(uid: request.caller.uid))
        return WriteOutcome(result: result.map { _ in request.data.count }, ran: true)
    }
}

/// sysvipc/{msg,sem,shm}: the IPC namespace's table.
struct SysvipcFile: TreeFile {
    let kind: IpcKind

    func content(of node: NodeRef, in kernel: Kernel) -> Result<[UInt8], Errno> {
        guard let rows = kernel.ipcTable(kind, as: node.actor(uid: 0)) else { return .failure(.ESRCH) }
        return .success(SysvipcFormat.table(kind, rows))
    }
}

/// sysvipc/ids: the namespace's IPC allocator state, read-only (a nextidfs extension: Linux keeps
/// it hidden).
struct SysvipcIdsFile: TreeFile {
    func content(of node: NodeRef, in kernel: Kernel) -> Result<[UInt8], Errno> {
        guard let states = kernel.ipcAllocators(as: node.actor(uid: 0)) else { return .failure(.ESRCH) }
        return .success(SysvipcFormat.allocators(states))
    }
}
