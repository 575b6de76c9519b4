import IdAllocators

extension Filesystem {
    /// What the kernel's caches must forget after a write: attributes of nodes whose owner
    /// changed, and names of tasks that ended.
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
        public var isEmpty: Bool { inodes.isEmpty && names.isEmpty }

        init(inodes: [UInt64] = [], names: [Name] = []) {
            self.inodes = inodes
            self.names = names
        }

        /// From what the kernel said changed: every node of a process whose owner changed, and
        /// the name of a released task in every directory that listed it.
        init(_ changes: Changes) {
            for owner in changes.newOwners {
                inodes += NodeSpec.processKinds.map { NodeRef(kind: $0, task: owner.process).inode }
                for thread in owner.threads {
                    inodes += NodeSpec.threadKinds.map { NodeRef(kind: $0, task: thread).inode }
                }
            }
            for released in changes.released {
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
