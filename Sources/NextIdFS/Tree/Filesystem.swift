public import IdAllocators

/// A node's attributes, as getattr and lookup report them.
public struct NodeAttributes: Sendable, Equatable {
    public var inode: UInt64
    public var type: NodeKind.FileType
    public var permissions: UInt32
    public var uid: UInt32
    public var gid: UInt32
}

/// One open(2) of a regular file: the content built at its last read at offset 0, and the ctl
/// lines its writers have not finished.
public final class OpenFile: Sendable {
    let node: NodeRef
    let file: any TreeFile
    let writers = CtlWriters()
    private let snapshot = Lock<[UInt8]?>(nil)
    /// Where the last write through this open file ended: the file position procfs would have.
    let position = Lock<Int64>(0)

    init(node: NodeRef, file: any TreeFile) {
        self.node = node
        self.file = file
    }

    /// Content is built afresh by a read at offset 0 and served from there for later offsets,
    /// while the file's task lives.
    func read(offset: Int64, size: Int, kernel: Kernel) -> Result<[UInt8], Errno> {
        snapshot.withLock { cached in
            if offset == 0 || cached == nil {
                switch file.content(of: node, in: kernel) {
                case .success(let bytes): cached = bytes
                case .failure(let e): return .failure(e)
                }
            } else if node.kind.scope != .machine, kernel.identity(of: node.task) == nil {
                return .failure(.ESRCH)
            }
            let bytes = cached!
            let start = Int(min(max(offset, 0), Int64(bytes.count)))
            return .success(Array(bytes[start...].prefix(max(size, 0))))
        }
    }
}

/// The tree of docs/interface.md §2 in terms of inode numbers, names and bytes: what the FUSE glue
/// calls. Nodes are not stored: an inode number names its kind and task, and every request
/// checks the task is still the same one.
public final class Filesystem: Sendable {
    public let kernel: Kernel

    public init(kernel: Kernel) { self.kernel = kernel }

    /// Entries in a directory listing; pids follow the fixed entries at offset `dynamicBase + pid`.
    static let dynamicBase: Int64 = 64
    static let listingBatch = 256

    // MARK: nodes

    /// The node an inode names, if its task is still the one it was made for. A stale inode
    /// gives ESTALE, so that the kernel looks the path up again (the pid may have a new task).
    func resolve(_ inode: UInt64) -> Result<(NodeRef, uid: UInt32, gid: UInt32), Errno> {
        guard let node = NodeRef(inode: inode) else { return .failure(.ENOENT) }
        switch node.kind.scope {
        case .machine:
            return .success((node, 0, 0))
        case .process, .thread:
            guard let id = kernel.identity(of: node.task), node.kind.scope == .thread || id.tgid == node.tid else {
                return .failure(.ESTALE)
            }
            return .success((node, id.uid, id.gid))
        }
    }

    func attributes(_ node: NodeRef, uid: UInt32, gid: UInt32) -> NodeAttributes {
        NodeAttributes(inode: node.inode, type: node.kind.type, permissions: node.kind.permissions, uid: uid, gid: gid)
    }

    public func getattr(_ inode: UInt64) -> Result<NodeAttributes, Errno> {
        resolve(inode).map { attributes($0.0, uid: $0.uid, gid: $0.gid) }
    }

    public func lookup(parent: UInt64, name: [UInt8]) -> Result<NodeAttributes, Errno> {
        resolve(parent).flatMap { dir, uid, gid in
            guard dir.kind.type == .directory else { return .failure(.ENOTDIR) }
            if let fixed = dir.kind.fixedEntries.first(where: { $0.name.utf8.elementsEqual(name) }) {
                return .success(attributes(dir.sibling(fixed.kind), uid: uid, gid: gid))
            }
            guard let pid = Filesystem.pidName(name) else { return .failure(.ENOENT) }
            switch dir.kind {
            case .root:
                guard let id = kernel.identity(ofPid: pid), id.tgid == pid else { return .failure(.ENOENT) }
                return .success(attributes(NodeRef(kind: .processDir, tid: pid, serial: id.serial), uid: id.uid, gid: id.gid))
            case .taskLinksDir:
                guard let id = kernel.identity(ofPid: pid) else { return .failure(.ENOENT) }
                return .success(attributes(NodeRef(kind: .taskLink, tid: pid, serial: id.serial), uid: id.uid, gid: id.gid))
            case .threadsDir:
                guard let id = kernel.identity(ofPid: pid), id.tgid == dir.tid else { return .failure(.ENOENT) }
                return .success(attributes(NodeRef(kind: .threadDir, tid: pid, serial: id.serial), uid: id.uid, gid: id.gid))
            default:
                return .failure(.ENOENT)
            }
        }
    }

    /// A pid as procfs spells it: decimal, no sign, no leading zero.
    static func pidName(_ name: [UInt8]) -> Int32? {
        guard name.first != UInt8(ascii: "0"), let n = Tokens.unsignedDecimal(name, max: UInt64(Limits.pidMaxLimit)) else {
            return nil
        }
        return Int32(n)
    }

    // MARK: names

    // Names are made and removed only by the simulation, as in procfs. The kernel answers for
    // existing and missing names where it can (EEXIST, ENOENT, EISDIR, ENOTDIR); what reaches
    // the filesystem gets procfs's answer: a new name cannot be looked up, an existing one
    // cannot be removed or replaced.

    /// mkdir, mknod, creat, symlink, link: a new name is ENOENT (procfs finds no such entry).
    public func makeName(in parent: UInt64, _ name: [UInt8]) -> Errno {
        switch lookup(parent: parent, name: name) {
        case .success: .EEXIST
        case .failure(let e): e
        }
    }

    /// unlink, rmdir: EPERM for a name that exists.
    public func removeName(in parent: UInt64, _ name: [UInt8]) -> Errno {
        switch lookup(parent: parent, name: name) {
        case .success: .EPERM
        case .failure(let e): e
        }
    }

    /// rename: onto an existing name EPERM, onto a new one ENOENT.
    public func rename(in parent: UInt64, _ name: [UInt8], to newParent: UInt64, _ newName: [UInt8]) -> Errno {
        if case .failure(let e) = lookup(parent: parent, name: name) { return e }
        return removeName(in: newParent, newName)
    }

    // MARK: directories

    public struct DirectoryEntry: Sendable {
        public var name: [UInt8]
        public var inode: UInt64
        public var type: NodeKind.FileType
        /// The offset that resumes the listing after this entry.
        public var next: Int64
    }

    /// Lists `inode` from `offset`; `emit` returns false when the reply buffer is full. The
    /// offset is whatever a user gave seekdir: one that this listing never handed out (negative,
    /// or past the highest pid) lists nothing.
    public func readdir(_ inode: UInt64, from offset: Int64, _ emit: (DirectoryEntry) -> Bool) -> Errno? {
        let dir: NodeRef
        switch resolve(inode) {
        case .failure(let e): return e
        case .success(let r): dir = r.0
        }
        guard dir.kind.type == .directory else { return .ENOTDIR }
        guard offset >= 0, offset < Filesystem.dynamicBase + Int64(Limits.pidMaxLimit) else { return nil }
        let fixed: [(name: String, kind: NodeKind)] = [(".", dir.kind), ("..", dir.kind)] + dir.kind.fixedEntries
        var position = offset
        while position < Int64(fixed.count) {
            let entry = fixed[Int(position)]
            let node = position < 2 ? dir : dir.sibling(entry.kind)
            position += 1
            if !emit(DirectoryEntry(name: Array(entry.name.utf8), inode: node.inode, type: node.kind.type, next: position)) {
                return nil
            }
        }
        let childKind: NodeKind
        let list: (Int32) -> [TaskEntry]
        switch dir.kind {
        case .root:
            childKind = .processDir
            list = { self.kernel.threadGroups(from: $0, limit: Filesystem.listingBatch) }
        case .taskLinksDir:
            childKind = .taskLink
            list = { self.kernel.allThreads(from: $0, limit: Filesystem.listingBatch) }
        case .threadsDir:
            childKind = .threadDir
            let group = (kernel.threads(ofGroup: dir.task) ?? []).sorted { $0.tid < $1.tid }
            list = { from in group.filter { $0.tid >= from } }
        default:
            return nil
        }
        var from = Int32(max(position - Filesystem.dynamicBase + 1, 0))  // at most pidMaxLimit (checked above)
        while true {
            let batch = list(from)
            guard !batch.isEmpty else { return nil }
            for task in batch {
                let node = NodeRef(kind: childKind, tid: task.tid, serial: task.serial)
                let entry = DirectoryEntry(name: Array(String(task.tid).utf8), inode: node.inode, type: childKind.type,
                                           next: Filesystem.dynamicBase + Int64(task.tid))
                if !emit(entry) { return nil }
            }
            if dir.kind == .threadsDir { return nil }
            from = batch.last!.tid + 1
        }
    }

    public func readlink(_ inode: UInt64) -> Result<[UInt8], Errno> {
        resolve(inode).flatMap { node, _, _ in
            guard let link = node.kind.link else { return .failure(.EINVAL) }
            return link.target(of: node, in: kernel)
        }
    }

    // MARK: files

    public func open(_ inode: UInt64) -> Result<OpenFile, Errno> {
        resolve(inode).flatMap { node, _, _ in
            switch node.kind.type {
            case .directory: return .failure(.EISDIR)
            case .symlink: return .failure(.ELOOP)
            case .regular: return .success(OpenFile(node: node, file: node.kind.file!))
            }
        }
    }

    public func read(_ file: OpenFile, offset: Int64, size: Int) -> Result<[UInt8], Errno> {
        file.read(offset: offset, size: size, kernel: kernel)
    }

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
    }

    /// A write at the request's offset, or for O_APPEND at this open file's position. procfs
    /// files have size 0, so appending there writes at the file position; the kernel's FUSE
    /// client instead puts an O_APPEND write at the size it caches for the inode, which every
    /// direct_io write raises to the end of that write (fuse_write_update_attr) and only a
    /// lookup, getattr or O_TRUNC open brings back to 0.
    public func write(_ file: OpenFile, _ request: WriteRequest) -> (result: Result<Int, Errno>, invalidate: Invalidation, ended: Int) {
        let outcome = file.position.withLock { position in
            var request = request
            if request.append { request.offset = position }
            let outcome = file.file.write(request, to: file.node, in: kernel, writers: file.writers)
            if case .success(let n) = outcome.result { position = request.offset + Int64(n) }
            return outcome
        }
        return (outcome.result, invalidation(after: outcome, on: file), outcome.ended.count)
    }

    /// close(2) of an fd (FLUSH) by `closer`: what the file still had to do, and its errno for
    /// close. `exiting`: whether the closing process is exiting (asked only when it matters).
    public func flush(_ file: OpenFile, by closer: Caller, exiting: () -> Bool) -> (error: Errno?, invalidate: Invalidation, ended: Int) {
        guard let outcome = file.file.flush(file.node, in: kernel, writers: file.writers, owner: closer.lockOwner, exiting: exiting) else {
            return (nil, Invalidation(), 0)
        }
        let error: Errno? = if case .failure(let e) = outcome.result { e } else { nil }
        return (error, invalidation(after: outcome, on: file), outcome.ended.count)
    }

    func invalidation(after outcome: WriteOutcome, on file: OpenFile) -> Invalidation {
        var invalidation = Invalidation()
        if outcome.ownersChanged, let id = kernel.identity(of: file.node.task), let leader = kernel.identity(ofPid: id.tgid) {
            invalidation.inodes = inodes(ofProcess: leader.handle)
        }
        for task in outcome.ended {
            func name(_ kind: NodeKind, in parent: NodeRef) -> Invalidation.Name {
                Invalidation.Name(parent: parent.inode, child: NodeRef(kind: kind, tid: task.tid, serial: task.serial).inode, pid: task.tid)
            }
            if task.tid == task.tgid { invalidation.names.append(name(.processDir, in: NodeRef(kind: .root))) }
            invalidation.names.append(name(.taskLink, in: NodeRef(kind: .taskLinksDir)))
            if task.tid != task.tgid, let leader = kernel.identity(ofPid: task.tgid) {
                invalidation.names.append(name(.threadDir, in: NodeRef(kind: .threadsDir, tid: task.tgid, serial: leader.serial)))
            }
        }
        return invalidation
    }

    /// O_TRUNC and truncate(2) are accepted and change nothing (docs/interface.md §3.1).
    public func truncate(_ inode: UInt64) -> Result<NodeAttributes, Errno> {
        getattr(inode).flatMap { attributes in
            attributes.type == .regular ? .success(attributes) : .failure(.EISDIR)
        }
    }

    /// Every inode of a process and its threads.
    public func inodes(ofProcess leader: TaskHandle) -> [UInt64] {
        guard let threads = kernel.threads(ofGroup: leader) else { return [] }
        var out = NodeKind.allCases.filter { $0.scope == .process }.map {
            NodeRef(kind: $0, tid: leader.tid, serial: leader.serial).inode
        }
        for thread in threads {
            out += NodeKind.allCases.filter { $0.scope == .thread }.map {
                NodeRef(kind: $0, tid: thread.tid, serial: thread.serial).inode
            }
        }
        return out
    }
}
