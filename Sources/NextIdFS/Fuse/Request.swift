import CFuse
import Glibc
import IdAllocators

/// What a request answers. `Request.reply` is the one place that turns it into fuse_reply_*.
enum Reply {
    /// fuse_reply_err(0).
    case done
    /// FORGET: no reply at all.
    case nothing
    case entry(NodeAttributes)
    case attributes(NodeAttributes)
    case bytes([UInt8])
    /// A READDIR(PLUS) reply, and the inodes it hands the kernel with their entries (each one
    /// counts as a lookup, as an entry reply does).
    case listing([UInt8], handedOut: [UInt64])
    case link([UInt8])
    case written(Int)
    /// OPENDIR, or OPEN where the kernel cannot do without it (`file`): then reads bypass its
    /// page cache (direct_io). Nothing is kept per open.
    case opened(file: Bool)
}

/// One FUSE request: the context the session's userdata holds, the file it names (if any),
/// and its single reply.
struct Request {
    let req: fuse_req_t?
    let fi: UnsafeMutablePointer<fuse_file_info>?
    let context: FuseContext
    /// The attribute epoch when the request started, before anything was rendered for it.
    let epoch: UInt64

    init(_ req: fuse_req_t?, _ fi: UnsafeMutablePointer<fuse_file_info>? = nil) {
        self.req = req
        self.fi = fi
        context = Unmanaged<FuseContext>.fromOpaque(fuse_req_userdata(req)!).takeUnretainedValue()
        epoch = context.given.epoch
    }

    /// How long the kernel may keep `a`: its kind's time, or none when a write may have changed
    /// it while it was rendered.
    func attributeSeconds(_ a: NodeAttributes) -> Double {
        context.given.give(a.inode, since: epoch) ? FuseContext.attributeSeconds(a.caching) : 0
    }

    var filesystem: Filesystem { context.filesystem }

    /// `a` as an entry the kernel keeps (LOOKUP, and READDIRPLUS for what a listing hands out).
    func entry(_ a: NodeAttributes) -> fuse_entry_param {
        var e = fuse_entry_param()
        e.ino = a.inode
        e.attr = context.stat(a)
        e.attr_timeout = attributeSeconds(a)
        e.entry_timeout = FuseContext.entrySeconds(a.caching)
        return e
    }

    /// open(2)'s flags.
    var flags: Int32 { nextidfs_fi_flags(fi) }

    /// Who sent the request.
    var caller: Caller {
        let ctx = fuse_req_ctx(req)!.pointee
        return Caller(uid: ctx.uid, gid: ctx.gid, pid: ctx.pid)
    }

    func reply(_ errno: Errno) { reply(.failure(errno)) }

    func reply(_ result: Result<Reply, Errno>) {
        let reply: Reply
        switch result {
        case .failure(let e):
            fuse_reply_err(req, e.rawValue)
            return
        case .success(let r): reply = r
        }
        switch reply {
        case .done:
            fuse_reply_err(req, 0)
        case .nothing:
            fuse_reply_none(req)
        case .entry(let a):
            var e = entry(a)
            // Counted before the kernel can use it: a write handled by another worker right
            // after this reply must see the node as held, or its notice would miss it.
            context.lookups.lookedUp(CollectionOfOne(a.inode))  // every LOOKUP: no array to allocate
            if fuse_reply_entry(req, &e) != 0 { context.lookups.forget(a.inode, 1) }
        case .attributes(let a):
            var st = context.stat(a)
            fuse_reply_attr(req, &st, attributeSeconds(a))
        case .bytes(let bytes):
            fuse_reply_buf(req, bytes, bytes.count)
        case .listing(let bytes, let handedOut):
            context.lookups.lookedUp(handedOut)
            if fuse_reply_buf(req, bytes, bytes.count) != 0 { context.lookups.forget(handedOut) }
        case .link(let target):
            _ = CChars.with(target) { name, _ in fuse_reply_readlink(req, name) }
        case .written(let count):
            fuse_reply_write(req, count)
        case .opened(let file):
            if file { nextidfs_fi_set_direct_io(fi, 1) }
            fuse_reply_open(req, fi)
        }
    }
}

/// Names between Swift's bytes and C's chars: every cast between the two is here.
enum CChars {
    /// A NUL-terminated name from libfuse.
    static func bytes(_ name: UnsafePointer<CChar>?) -> [UInt8] {
        Array(UnsafeBufferPointer(start: UnsafeRawPointer(name!).assumingMemoryBound(to: UInt8.self), count: strlen(name!)))
    }

    /// `bytes` as a NUL-terminated C string, and its length without the NUL, during `body`.
    static func with<R>(_ bytes: [UInt8], _ body: (UnsafePointer<CChar>, Int) -> R) -> R {
        (bytes + [0]).withUnsafeBytes { body($0.assumingMemoryBound(to: CChar.self).baseAddress!, bytes.count) }
    }

    /// A byte buffer as the char buffer libfuse fills.
    static func chars(_ buffer: UnsafeMutableRawPointer) -> UnsafeMutablePointer<CChar> {
        buffer.assumingMemoryBound(to: CChar.self)
    }
}

/// A READDIR or READDIRPLUS reply being filled: entries packed by fuse_add_direntry(_plus)
/// until `size` is reached.
struct DirectoryBuffer {
    let req: fuse_req_t?
    private(set) var bytes: [UInt8]
    private(set) var used = 0
    /// The inodes handed out with their entries (READDIRPLUS entries with a nonzero ino).
    private(set) var handedOut: [UInt64] = []

    init(_ req: fuse_req_t?, size: Int) {
        self.req = req
        bytes = [UInt8](repeating: 0, count: size)
    }

    /// Adds `entry` (READDIR) if it fits; false when the buffer is full.
    mutating func add(_ entry: Filesystem.DirectoryEntry, _ st: stat) -> Bool {
        var st = st
        return pack(entry.name) { req, buffer, size, name in fuse_add_direntry(req, buffer, size, name, &st, off_t(entry.next)) }
    }

    /// Adds `entry` (READDIRPLUS) with `e`, its node when `e.ino` is not 0, if it fits.
    mutating func add(_ entry: Filesystem.DirectoryEntry, plus e: fuse_entry_param) -> Bool {
        var e = e
        guard pack(entry.name, { req, buffer, size, name in fuse_add_direntry_plus(req, buffer, size, name, &e, off_t(entry.next)) })
        else { return false }
        if e.ino != 0 { handedOut.append(e.ino) }
        return true
    }

    /// Packs one entry with `add`, which libfuse's fuse_add_direntry(_plus) is: without a
    /// buffer it gives the size the entry needs.
    private mutating func pack(_ name: [UInt8],
                               _ add: (fuse_req_t?, UnsafeMutablePointer<CChar>?, Int, UnsafePointer<CChar>) -> Int) -> Bool {
        let req = req, used = used, size = bytes.count
        let added = CChars.with(name) { name, _ -> Int? in
            guard used + add(req, nil, 0, name) <= size else { return nil }
            return bytes.withUnsafeMutableBytes { add(req, CChars.chars($0.baseAddress! + used), size - used, name) }
        }
        guard let added else { return false }
        self.used += added
        return true
    }

    /// The entries added, for the reply.
    mutating func finish() -> Reply {
        bytes.removeSubrange(used...)
        return .listing(bytes, handedOut: handedOut)
    }
}
