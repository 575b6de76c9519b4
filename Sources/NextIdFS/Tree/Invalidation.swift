import IdAllocators

extension Filesystem {
    /// What the kernel's caches must forget after a write: the attributes of every file that
    /// follows the machine (when anything ran: a batch may change any task's files, a sysctl
    /// every namespace sharer's), of nodes whose owner changed, and names of tasks that ended.
    /// A file whose attributes are forgotten is asked again (GETATTR) before its next read, and
    /// the kernel drops its pages if its size or version changed.
    public struct Invalidation: Sendable, Equatable {
        /// The name `pid` in directory `parent`, which led to `child`.
        public struct Name: Sendable, Equatable {
            public var parent: UInt64
            public var child: UInt64
            public var pid: Int32
            public var name: [UInt8] { Array(String(pid).utf8) }
        }

        public var inodes: [UInt64] = []
        public var names: [Name] = []
        /// Every regular file the kernel holds whose kind follows the machine (`.machine`) and
        /// that any task can change (not a thread's own ctl and next_id: only its own writes
        /// change them), but `written` (when not 0): after a write that took bytes the kernel
        /// forgot the written file's size and version itself, and keeps its mode and owner for
        /// the next open's permission check.
        public var machineNodes = false
        public var written: UInt64 = 0
        /// The writer's own ctl and next_id when its lines changed them (a fork consumes pending
        /// ids; a failed line's errno is the ctl's new content): told with `machineNodes`, and
        /// only if the kernel was given their attributes since it last forgot them.
        public var own: [UInt64] = []
        public var isEmpty: Bool { inodes.isEmpty && names.isEmpty && !machineNodes }

        init(inodes: [UInt64] = [], names: [Name] = [], machineNodes: Bool = false) {
            self.inodes = inodes
            self.names = names
            self.machineNodes = machineNodes
        }

        /// From the outcome of a write of `node`: if anything ran on the machine, every file any
        /// task can change, and the writer's own ctl and next_id (a fork consumes pending ids).
        init(_ outcome: WriteOutcome, written node: NodeRef) {
            self.init(outcome.changes)
            let took = if case .success(let n) = outcome.result { n > 0 } else { false }
            if took { written = node.inode }
            guard outcome.ran else { return }
            machineNodes = true
            if node.kind == .ctl {
                own.append(node.sibling(.nextId).inode)
                if !took { own.append(node.inode) }
            }
        }

        /// The files only their own thread's writes change (and its end).
        static let threadPrivate: Set<NodeKind> = [.ctl, .nextId]

        /// From what the kernel said changed: every node of a process whose owner changed, and of
        /// a released task its ctl and next_id and its name in every directory that listed it.
        init(_ changes: Changes) {
            for owner in changes.newOwners {
                inodes += NodeSpec.processKinds.map { NodeRef(kind: $0, task: owner.process).inode }
                for thread in owner.threads {
                    inodes += NodeSpec.threadKinds.map { NodeRef(kind: $0, task: thread).inode }
                }
            }
            for released in changes.released {
                // Its own files (which `machineNodes` leaves out): a read through a kept fd is ESRCH.
                inodes += Invalidation.threadPrivate.map { NodeRef(kind: $0, task: released.task).inode }
                for directory in NodeSpec.taskDirectories {
                    guard let (child, listing) = directory.taskEntries,
                          let parent = listing.directory(directory.kind, showing: released) else { continue }
                    let node = NodeRef(kind: child.kind, task: released.task)
                    names.append(Name(parent: parent.inode, child: node.inode, pid: released.task.tid))
                }
            }
        }
    }
}
