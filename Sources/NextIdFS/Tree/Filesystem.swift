public import IdAllocators
import Synchronization

/// A node's attributes, as getattr and lookup report them.
public struct NodeAttributes: Sendable, Equatable {
    public var inode: UInt64
    public var type: NodeKind.FileType
    public var permissions: UInt32
    public var uid: UInt32
    public var gid: UInt32
    /// What the kernel may keep of it.
    public var caching: NodeKind.Caching = .machine
    /// A regular file's exact content size (the kernel reads through its page cache up to it).
    public var size: Int64 = 0
    /// A regular file's content version: the kernel keeps its cached pages while it is the same
    /// (shown in the mtime's nanoseconds).
    public var version: UInt64 = 0
}

/// A node whose task, if it has one, is still the one the node was made for, with that task's
/// uid and gid.
struct LiveNode {
    var node: NodeRef
    var spec: NodeSpec
    var uid: UInt32 = 0
    var gid: UInt32 = 0

    /// The same task's node of kind `spec`.
    func sibling(_ spec: NodeSpec) -> LiveNode {
        LiveNode(node: node.sibling(spec.kind), spec: spec, uid: uid, gid: gid)
    }

    var attributes: NodeAttributes {
        let owned = spec.owner == .task
        return NodeAttributes(inode: node.inode, type: spec.type, permissions: spec.mode, uid: owned ? uid : 0, gid: owned ? gid : 0,
                              caching: spec.caching)
    }
}

/// The tree of docs/interface.md §2 in terms of inode numbers, names and bytes: what the FUSE glue
/// calls. Nodes are not stored: an inode number names its kind and task, and every request
/// checks the task is still the same one. What a kind is and which file type serves it is its
/// row in `NodeKind.rows`.
public final class Filesystem: Sendable {
    public let kernel: Kernel
    /// The real processes that read the tree (self, the reader's own entry, attachments).
    public let readers: Readers

    /// The size of a file that reads as an errno (see `described`).
    static let errorSize: Int64 = 4096
    /// Content rendered for a size, kept for the reads that follow.
    let contents = ContentCache()
    /// The ctl batch state of every writer.
    let writers = CtlWriters()
    /// Write requests so far: part of a writable file's version, because a write leaves the
    /// writer's own bytes in the kernel's page cache, which must not be shown as the content.
    let writes = Atomic<UInt64>(0)

    public init(kernel: Kernel, readers: Readers = Readers()) {
        self.kernel = kernel
        self.readers = readers
    }

    /// Who asks, for the files that depend on it.
    func requester(_ caller: Caller) -> Requester { Requester(caller: caller, readers: readers) }

    /// Entries in a directory listing; pids follow the fixed entries at offset `dynamicBase + pid`.
    static let dynamicBase: Int64 = 64

    // MARK: nodes

    /// The node an inode names, if its task is still the one it was made for. A stale inode
    /// gives ESTALE, so that the kernel looks the path up again (the pid may have a new task).
    func resolve(_ inode: UInt64) -> Result<LiveNode, Errno> {
        guard let node = NodeRef(inode: inode) else { return .failure(.ENOENT) }
        let spec = node.kind.spec
        switch spec.scope {
        case .machine:
            return .success(LiveNode(node: node, spec: spec))
        case .process, .thread:
            guard let id = kernel.identity(of: node.task), spec.scope == .thread || id.tgid == node.tid else {
                return .failure(.ESTALE)
            }
            return .success(LiveNode(node: node, spec: spec, uid: id.uid, gid: id.gid))
        case .readerProcess, .readerThread:
            guard let reader = ReaderTextFile.reader(of: node, readers.directory, thread: spec.scope == .readerThread) else {
                return .failure(.ESTALE)
            }
            return .success(LiveNode(node: node, spec: spec, uid: reader.uid, gid: reader.gid))
        }
    }

    /// `caller`: who asks (for the files that depend on it); `throughFile`: asked through an open
    /// file (fstat, read), where an ended task is ESRCH as for its reads, not ESTALE as for a path.
    public func getattr(_ inode: UInt64, as caller: Caller = Caller(uid: 0, gid: 0), throughFile: Bool = false) -> Result<NodeAttributes, Errno> {
        switch resolve(inode) {
        case .failure(.ESTALE) where throughFile: .failure(.ESRCH)
        case .failure(let e): .failure(e)
        case .success(let live): .success(described(live, for: caller))
        }
    }

    /// `live`'s attributes, with a regular file's size and version: its content is rendered (and
    /// kept for the READ that follows).
    func described(_ live: LiveNode, for caller: Caller) -> NodeAttributes {
        var attributes = live.attributes
        switch live.spec.serves {
        case .file(let file):
            // What changes by itself or with the reader is rendered anew for each size asked.
            let fresh = live.spec.caching == .live || live.spec.caching == .reader
            let content = self.content(OpenFile(node: live.node, file: file, caching: live.spec.caching), for: caller, fresh: fresh)
            guard case .success(let bytes) = content else {
                // A file that reads as an errno (a zombie's sys/kernel files: ESRCH) shows a
                // page, so that the kernel asks for it and gets the errno, not an empty file.
                attributes.size = Filesystem.errorSize
                if case .failure(let e) = content { attributes.version = UInt64(e.rawValue) }
                break
            }
            attributes.size = Int64(bytes.count)
            let written = live.spec.mode & 0o200 != 0 ? writes.load(ordering: .relaxed) &* 0x9e37_79b9_7f4a_7c15 : 0
            attributes.version = contentHash(bytes) ^ written
        default:
            break
        }
        return attributes
    }

    /// A file's content as `caller` sees it, rendered or kept from a moment ago.
    func content(_ file: OpenFile, for caller: Caller, fresh: Bool = false) -> Result<[UInt8], Errno> {
        let version = file.caching == .machine ? kernel.version : 0
        return contents.content(file.node.inode, file.caching, version: version, reader: caller.pid, fresh: fresh) {
            file.file.content(of: file.node, in: kernel, for: requester(caller))
        }
    }

    /// `caller`: who looks the name up (the reader's own entry exists only for the reader).
    public func lookup(parent: UInt64, name: [UInt8], as caller: Caller = Caller(uid: 0, gid: 0)) -> Result<NodeAttributes, Errno> {
        resolve(parent).flatMap { dir in
            guard dir.spec.type == .directory else { return .failure(.ENOTDIR) }
            if let entry = dir.spec.entry(named: name) {
                return .success(described(dir.sibling(entry), for: caller))
            }
            guard let pid = Filesystem.pidName(name) else { return .failure(.ENOENT) }
            if let (child, listing) = dir.spec.taskEntries, let id = listing.find(pid, in: dir.node, kernel) {
                let node = NodeRef(kind: child.kind, tid: pid, serial: id.serial)
                return .success(LiveNode(node: node, spec: child, uid: id.uid, gid: id.gid).attributes)
            }
            guard let own = dir.spec.readerEntry, let reader = readers.reader(caller) else { return .failure(.ENOENT) }
            return readerEntry(own, named: pid, in: dir, for: reader).map { described($0, for: caller) }
        }
    }

    /// The reader's own `<pid>/` at the top, or `<tid>/` in its `task/`: only when the name is
    /// its own pid (tid), and no simulated task has it (docs/interface.md §2.5).
    func readerEntry(_ spec: NodeSpec, named pid: Int32, in dir: LiveNode, for reader: Reader) -> Result<LiveNode, Errno> {
        let node: NodeRef
        switch spec.scope {
        case .readerThread:
            guard dir.node.serial == UInt64(reader.hostTgid), pid == reader.tid else { return .failure(.ENOENT) }
            node = NodeRef(kind: spec.kind, tid: pid, serial: UInt64(reader.hostPid))
        default:
            guard pid == reader.pid else { return .failure(.ENOENT) }
            node = NodeRef(kind: spec.kind, tid: pid, serial: UInt64(reader.hostTgid))
        }
        return .success(LiveNode(node: node, spec: spec, uid: reader.uid, gid: reader.gid))
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
        /// A directory's attributes (its task's owner: nothing to render), which a listing can
        /// hand the kernel with the name so that a path through it needs no lookup; nil for `.`,
        /// `..`, files (a size is rendered content), links and what depends on the reader.
        public var attributes: NodeAttributes? = nil
    }

    /// Lists `inode` from `offset`; `emit` returns false when the reply buffer is full. The
    /// offset is whatever a user gave seekdir: one that this listing never handed out (negative,
    /// or past the highest pid) lists nothing.
    public func readdir(_ inode: UInt64, from offset: Int64, _ emit: (DirectoryEntry) -> Bool) -> Errno? {
        let dir: LiveNode
        switch resolve(inode) {
        case .failure(let e): return e
        case .success(let live): dir = live
        }
        guard dir.spec.type == .directory else { return .ENOTDIR }
        guard offset >= 0, offset < Filesystem.dynamicBase + Int64(Limits.pidMaxLimit) else { return nil }
        // ".", "..", then the fixed entries.
        var position = offset
        while position < Int64(2 + dir.spec.entries.count) {
            let spec = position < 2 ? dir.spec : dir.spec.entries[Int(position) - 2]
            let name = position < 2 ? Filesystem.dots[Int(position)] : spec.name
            let node = position < 2 ? dir.node : dir.node.sibling(spec.kind)
            let attributes = position >= 2 && spec.type == .directory && spec.caching != .reader ? dir.sibling(spec).attributes : nil
            position += 1
            if !emit(DirectoryEntry(name: name, inode: node.inode, type: spec.type, next: position, attributes: attributes)) { return nil }
        }
        guard let (child, listing) = dir.spec.taskEntries else { return nil }
        var from = Int32(max(position - Filesystem.dynamicBase + 1, 0))  // at most pidMaxLimit (checked above)
        while true {
            let batch = listing.list(from: from, in: dir.node, kernel)
            guard let last = batch.last else { return nil }
            for task in batch {
                let node = NodeRef(kind: child.kind, tid: task.tid, serial: task.serial)
                let live = LiveNode(node: node, spec: child, uid: task.uid, gid: task.gid)
                let entry = DirectoryEntry(name: Array(String(task.tid).utf8), inode: node.inode, type: child.type,
                                           next: Filesystem.dynamicBase + Int64(task.tid),
                                           attributes: child.type == .directory ? live.attributes : nil)
                if !emit(entry) { return nil }
            }
            from = last.tid + 1
        }
    }

    static let dots = [Array(".".utf8), Array("..".utf8)]

    /// opendir(3): directories only.
    public func openDirectory(_ inode: UInt64) -> Result<Void, Errno> {
        resolve(inode).flatMap { $0.spec.type == .directory ? .success(()) : .failure(.ENOTDIR) }
    }

    public func readlink(_ inode: UInt64, as caller: Caller = Caller(uid: 0, gid: 0)) -> Result<[UInt8], Errno> {
        resolve(inode).flatMap { live in
            guard let link = live.spec.link else { return .failure(.EINVAL) }
            return link.target(of: live.node, in: kernel, for: requester(caller))
        }
    }

    // MARK: files

    /// The regular file `inode` names; ESRCH once its task has ended (a read or write through a
    /// kept file descriptor).
    public func open(_ inode: UInt64) -> Result<OpenFile, Errno> {
        switch resolve(inode) {
        case .failure(.ESTALE): .failure(.ESRCH)
        case .failure(let e): .failure(e)
        case .success(let live):
            switch live.spec.serves {
            case .directory: .failure(.EISDIR)
            case .link: .failure(.ELOOP)
            case .file(let file): .success(OpenFile(node: live.node, file: file, caching: live.spec.caching))
            }
        }
    }

    public func read(_ file: OpenFile, offset: Int64, size: Int, as caller: Caller = Caller(uid: 0, gid: 0)) -> Result<[UInt8], Errno> {
        content(file, for: caller).map { content in
            let start = Int(min(max(offset, 0), Int64(content.count)))
            return Array(content[start...].prefix(max(size, 0)))
        }
    }

    /// A write and what the kernel must forget after it: the result, the invalidation, and how
    /// many tasks were released (the daemon returns their memory to the system after many).
    public typealias Settled<R> = (result: R, invalidate: Invalidation, released: Int)

    /// A write at the request's offset. An O_APPEND write counts as at the start: procfs files
    /// have size 0, so an O_APPEND fd writes at its position, which only the first write on it
    /// finds at 0; FUSE puts it at the size the kernel caches, and without an open nothing here
    /// knows the fd's position (docs/interface.md §8).
    public func write(_ file: OpenFile, _ request: WriteRequest) -> Settled<Result<Int, Errno>> {
        var request = request
        if request.append { request.offset = 0 }
        writes.add(1, ordering: .relaxed)
        let outcome = file.file.write(request, to: file.node, in: kernel, writers: writers, for: requester(request.caller))
        return (outcome.result, Filesystem.Invalidation(outcome, written: file.node), outcome.changes.released.count)
    }

    /// What a SETATTR asks to change.
    public struct AttributeChanges: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let modeOrOwner = AttributeChanges(rawValue: 1)
        public static let size = AttributeChanges(rawValue: 2)
    }

    /// chmod and chown are refused as procfs refuses them; size changes (O_TRUNC, truncate(2))
    /// and times are accepted and change nothing.
    public func setattr(_ inode: UInt64, _ changes: AttributeChanges) -> Result<NodeAttributes, Errno> {
        if changes.contains(.modeOrOwner) { return .failure(.EPERM) }
        return changes.contains(.size) ? truncate(inode) : getattr(inode)
    }

    /// O_TRUNC and truncate(2) are accepted and change nothing (docs/interface.md §3.1).
    public func truncate(_ inode: UInt64) -> Result<NodeAttributes, Errno> {
        getattr(inode).flatMap { attributes in
            attributes.type == .regular ? .success(attributes) : .failure(.EISDIR)
        }
    }
}
