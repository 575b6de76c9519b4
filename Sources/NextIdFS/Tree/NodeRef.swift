public import IdAllocators

/// A node: its kind and, below the top, the task it belongs to (pid in the root namespace and
/// the task's serial, so that a reused pid never revives an old node).
///
/// Inode numbers encode all three: `serial (33 bits) << 31 | tid (23 bits) << 8 | kind`, stable
/// for the life of a task and never given to another one. The root directory is inode 1.
public struct NodeRef: Hashable, Sendable {
    public var kind: NodeKind
    public var tid: Int32
    public var serial: UInt64

    public init(kind: NodeKind, tid: Int32 = 0, serial: UInt64 = 0) {
        self.kind = kind
        self.tid = tid
        self.serial = serial & TaskHandle.serialMask
    }

    init(kind: NodeKind, task: TaskHandle) {
        self.init(kind: kind, tid: task.tid, serial: task.serial)
    }

    public init?(inode: UInt64) {
        guard let kind = NodeKind(rawValue: UInt8(truncatingIfNeeded: inode)) else { return nil }
        self.kind = kind
        tid = Int32((inode >> 8) & 0x7F_FFFF)
        serial = inode >> 31
        if kind.spec.scope == .machine && (tid != 0 || serial != 0) { return nil }
    }

    public var inode: UInt64 {
        UInt64(kind.rawValue) | UInt64(tid) << 8 | serial << 31
    }

    /// The task the node belongs to (below the top): every file of it reads and writes that
    /// task, or answers ESRCH once it has ended.
    public var task: TaskHandle { TaskHandle(tid: tid, serial: serial) }

    /// The same task's node of another kind.
    func sibling(_ kind: NodeKind) -> NodeRef { NodeRef(kind: kind, task: task) }

    /// Who acts through this node's files: its task, or at the top of the mount the root
    /// namespaces with the rights of the real caller's `uid`.
    func actor(uid: UInt32) -> Actor {
        kind.spec.scope == .machine ? .host(uid: uid) : .task(task)
    }
}
