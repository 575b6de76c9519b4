import IdAllocators

/// status, stat, comm and cmdline: a task's procfs text, rendered from what the kernel says of it.
struct TaskTextFile: TreeFile {
    let render: @Sendable (TaskStatus) -> [UInt8]

    func content(of node: NodeRef, in kernel: Kernel) -> Result<[UInt8], Errno> {
        guard let s = kernel.status(of: node.task) else { return .failure(.ESRCH) }
        return .success(render(s))
    }

    static let status = TaskTextFile(render: ProcFormats.status)
    static let stat = TaskTextFile { ProcFormats.stat($0, isThread: $0.pid != $0.tgid) }
    static let comm = TaskTextFile(render: ProcFormats.comm)
    static let cmdline = TaskTextFile(render: ProcFormats.cmdline)
}

/// task/<tid>/children: the processes this thread forked or adopted.
struct ChildrenFile: TreeFile {
    func content(of node: NodeRef, in kernel: Kernel) -> Result<[UInt8], Errno> {
        guard let pids = kernel.children(of: node.task) else { return .failure(.ESRCH) }
        return .success(ProcFormats.children(pids))
    }
}

/// ns/pid, ns/pid_for_children, ns/ipc: `pid:[N]`, `ipc:[N]`. A process that has exited keeps
/// only ns/pid (its struct pid's namespace); the others have no target, as in procfs.
enum NamespaceLink: TreeLink {
    case pid, pidForChildren, ipc

    func target(of node: NodeRef, in kernel: Kernel) -> Result<[UInt8], Errno> {
        guard let ns = kernel.namespaceInodes(of: node.task) else { return .failure(.ESRCH) }
        if ns.hasExited && self != .pid { return .failure(.ENOENT) }
        switch self {
        case .pid: return .success(ProcFormats.namespaceLink("pid", ns.pid))
        case .pidForChildren:
            guard ns.pidForChildrenHadInit else { return .failure(.ENOENT) }
            return .success(ProcFormats.namespaceLink("pid", ns.pidForChildren))
        case .ipc: return .success(ProcFormats.namespaceLink("ipc", ns.ipc))
        }
    }
}

/// task/<tid> at the top: `../<tgid>/task/<tid>`.
struct TaskLink: TreeLink {
    func target(of node: NodeRef, in kernel: Kernel) -> Result<[UInt8], Errno> {
        guard let id = kernel.identity(of: node.task) else { return .failure(.ESRCH) }
        return .success(Array("../\(id.tgid)/task/\(node.tid)".utf8))
    }
}
