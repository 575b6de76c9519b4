import IdAllocators

/// The entries a directory lists after its fixed ones, each named by the pid of its task in
/// the root namespace, in ascending order (a listing resumes at the offset of a pid).
enum TaskListing: Sendable {
    /// The top directory: a <pid>/ per thread group.
    case threadGroups
    /// task/ at the top: a task/<tid> link per thread.
    case allThreads
    /// <pid>/task/: a <tid>/ per thread of that process.
    case groupThreads

    static let batch = 256

    /// The task named `pid` in `directory`, if this listing has it.
    func find(_ pid: Int32, in directory: NodeRef, _ kernel: Kernel) -> TaskIdentity? {
        guard let id = kernel.identity(ofPid: pid) else { return nil }
        switch self {
        case .threadGroups: return id.tgid == pid ? id : nil
        case .allThreads: return id
        case .groupThreads: return id.tgid == directory.tid ? id : nil
        }
    }

    /// The tasks of `directory` from pid `from` on, ascending; empty at the end.
    func list(from: Int32, in directory: NodeRef, _ kernel: Kernel) -> [TaskEntry] {
        switch self {
        case .threadGroups: kernel.threadGroups(from: from, limit: TaskListing.batch)
        case .allThreads: kernel.allThreads(from: from, limit: TaskListing.batch)
        case .groupThreads: kernel.threads(ofGroup: directory.task, from: from, limit: TaskListing.batch) ?? []
        }
    }

    /// The directory of this listing, of kind `kind`, that showed the released task: a process's
    /// task/ does not need to forget its leader, which goes with the whole <pid>/.
    func directory(_ kind: NodeKind, showing released: Changes.Released) -> NodeRef? {
        let isLeader = released.task == released.leader
        return switch self {
        case .threadGroups: isLeader ? NodeRef(kind: kind) : nil
        case .allThreads: NodeRef(kind: kind)
        case .groupThreads: isLeader ? nil : NodeRef(kind: kind, task: released.leader)
        }
    }
}
