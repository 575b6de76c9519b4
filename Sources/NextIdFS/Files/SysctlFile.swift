import IdAllocators

/// sys/kernel/{ns_last_pid,pid_max,msg_next_id,sem_next_id,shm_next_id} (docs/interface.md §5.2).
/// Under <pid>/ they act as that process, with its namespaces and uid; at the top of the mount
/// they act on the root namespaces with the real caller's uid.
struct SysctlFile: TreeFile {
    let name: SysctlName
    let top: Bool

    func actor(_ node: NodeRef, _ caller: Caller?) -> Actor {
        top ? .host(uid: caller?.uid ?? 0) : .task(node.task)
    }

    func content(of node: NodeRef, in kernel: Kernel) -> Result<[UInt8], Errno> {
        kernel.readSysctl(name, as: actor(node, nil)).map(ProcFormats.number)
    }

    func write(_ request: WriteRequest, to node: NodeRef, in kernel: Kernel, writers: CtlWriters) -> WriteOutcome {
        // Like the kernel's sysctl_writes_strict: a write past the start is ignored.
        guard request.offset == 0 else { return WriteOutcome(result: .success(request.data.count)) }
        let result = kernel.writeSysctl(name, value: KernelInteger.parse(request.data), as: actor(node, request.caller))
        return WriteOutcome(result: result.map { _ in request.data.count })
    }
}

/// sysvipc/{msg,sem,shm}: the IPC namespace's table.
struct SysvipcFile: TreeFile {
    let kind: IpcKind
    let top: Bool

    func content(of node: NodeRef, in kernel: Kernel) -> Result<[UInt8], Errno> {
        guard let rows = kernel.ipcTable(kind, as: top ? .host(uid: 0) : .task(node.task)) else { return .failure(.ESRCH) }
        return .success(SysvipcFormat.table(kind, rows))
    }
}
