/// Namespaces a process can leave with unshare (docs/interface.md §4.2: `unshare pid|ipc ...`).
public struct UnshareFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let pid = UnshareFlags(rawValue: 1)
    public static let ipc = UnshareFlags(rawValue: 2)
}

/// unshare(2) of pid and IPC namespaces (kernel/fork.c ksys_unshare, kernel/nsproxy.c).
/// docs/interface.md §4.2 makes both per process: pid changes the process's pid_for_children, ipc
/// moves the whole process into a new IPC namespace.
extension Machine {
    func unshare(actor: TaskIndex, flags: UnshareFlags) -> Result<Int64, Errno> {
        let process = groupLeader(actor)
        guard tasks[Int(process)].uid == 0 else { return .failure(.EPERM) }

        var newPidNamespace: Int32? = nil
        if flags.contains(.pid) {
            // copy_pid_ns: a second unshare before any child was made is refused.
            let active = activeNamespace(of: actor)
            guard tasks[Int(process)].pidForChildren == active else { return .failure(.EINVAL) }
            switch createPidNamespace(parent: active) {
            case .failure(let e): return .failure(e)
            case .success(let ns): newPidNamespace = ns
            }
        }
        // Both namespaces or neither: nothing changes before every check has passed.
        if let ns = newPidNamespace {
            putPidNamespace(tasks[Int(process)].pidForChildren)
            tasks[Int(process)].pidForChildren = ns  // takes over the creator's hold
        }
        if flags.contains(.ipc) {
            let old = tasks[Int(process)].ipcNamespace
            let ns = createIpcNamespace()
            ipcNamespaces[Int(ns)].references += 1
            tasks[Int(process)].ipcNamespace = ns
            leaveIpcNamespace(old)
        }
        return .success(0)
    }
}
