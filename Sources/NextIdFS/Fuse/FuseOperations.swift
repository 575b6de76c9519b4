import CFuse
import Dispatch
import Glibc
import IdAllocators
import Synchronization

/// The libfuse low-level callbacks: each turns a request into a `Filesystem` call and the
/// answer into a reply. Nothing here knows what a pid is.
final class FuseContext: Sendable {
    let filesystem: Filesystem
    /// The session, once created (for cache invalidation notices).
    let session = Atomic<Int>(0)
    /// Attribute and entry cache time. Stale nodes answer ESTALE, so the kernel looks again.
    static let cacheSeconds = 1.0


    /// Cache invalidations run here, off the worker threads: a notice about a directory
    /// entry takes that directory's lock, which a lookup waiting for a worker may hold.
    let notifier = DispatchQueue(label: "nextidfs.invalidate")
    /// What the kernel holds: notices go only to that.
    let lookups = LookupCounts()
    /// Name notices queued and not yet sent. Past `maxPendingNames` more are dropped: a name the
    /// kernel keeps for a task that ended answers ESTALE, so it looks the name up again anyway.
    let pendingNames = Atomic<Int>(0)
    static let maxPendingNames = 65_536

    init(filesystem: Filesystem) { self.filesystem = filesystem }

    /// Before the unmount: no more notices, and every queued one sent (the unmount closes the
    /// device they are written to, and the session goes after it).
    func detachSession() {
        session.store(0, ordering: .releasing)
        notifier.sync {}
    }

    /// Tells the kernel to forget what it holds of `invalidation`, waiting a little for it so
    /// that the writer's next path lookup sees the change; never long enough to block a lookup
    /// that this very worker would have to answer (-s, or every worker busy).
    func invalidate(_ invalidation: Filesystem.Invalidation) {
        let bits = session.load(ordering: .acquiring)
        guard bits != 0 else { return }
        var notices = lookups.held(invalidation)
        if !notices.names.isEmpty,
           pendingNames.wrappingAdd(notices.names.count, ordering: .relaxed).newValue > FuseContext.maxPendingNames {
            pendingNames.wrappingSubtract(notices.names.count, ordering: .relaxed)
            notices.names = []
        }
        guard !notices.isEmpty else { return }
        let done = DispatchSemaphore(value: 0)
        notifier.async { [notices] in
            let se = OpaquePointer(bitPattern: bits)
            for inode in notices.inodes { fuse_lowlevel_notify_inval_inode(se, inode, -1, 0) }
            for entry in notices.names {
                _ = entry.name.withUnsafeBufferPointer { name in
                    fuse_lowlevel_notify_inval_entry(se, entry.parent, UnsafeRawPointer(name.baseAddress!).assumingMemoryBound(to: CChar.self), name.count)
                }
            }
            self.pendingNames.wrappingSubtract(notices.names.count, ordering: .relaxed)
            done.signal()
        }
        _ = done.wait(timeout: .now() + .milliseconds(50))
    }

    /// The result of a write or flush, once the kernel was told what to forget and, after many
    /// tasks ended at once (a pid namespace's init took its namespace with it), once their memory
    /// went back to the system: glibc keeps freed memory in the arena of the thread that freed
    /// it (each worker has its own) until malloc_trim.
    func settle<R>(_ body: () -> (R, invalidate: Filesystem.Invalidation, ended: Int)) -> R {
        let (result, ended) = { () -> (R, Int) in
            let (result, invalidation, ended) = body()
            invalidate(invalidation)
            return (result, ended)
        }()
        if ended >= FuseContext.trimAfterEnded { malloc_trim(0) }
        return result
    }
    static let trimAfterEnded = 10_000

    func stat(_ a: NodeAttributes) -> stat {
        var st = Glibc.stat()
        st.st_ino = UInt(a.inode)
        let type: UInt32
        switch a.type {
        case .directory: type = 0o040000
        case .regular: type = 0o100000
        case .symlink: type = 0o120000
        }
        st.st_mode = type | a.permissions
        st.st_nlink = a.type == .directory ? 2 : 1
        st.st_uid = a.uid
        st.st_gid = a.gid
        st.st_size = 0
        st.st_blksize = 4096
        // Timestamps of every node: when the simulated machine started (as its uptime counts).
        st.st_atim.tv_sec = Int(filesystem.kernel.bootTime)
        st.st_mtim.tv_sec = Int(filesystem.kernel.bootTime)
        st.st_ctim.tv_sec = Int(filesystem.kernel.bootTime)
        return st
    }
}

private func context(_ req: fuse_req_t?) -> FuseContext {
    Unmanaged<FuseContext>.fromOpaque(fuse_req_userdata(req)!).takeUnretainedValue()
}

private func openFile(_ fi: UnsafeMutablePointer<fuse_file_info>?) -> OpenFile {
    Unmanaged<OpenFile>.fromOpaque(UnsafeRawPointer(bitPattern: UInt(fi!.pointee.fh))!).takeUnretainedValue()
}

/// Who sent a request, with the lock owner the kernel names its file descriptor table by.
private func caller(_ req: fuse_req_t?, _ fi: UnsafeMutablePointer<fuse_file_info>?) -> Caller {
    let fctx = fuse_req_ctx(req)!.pointee
    return Caller(uid: fctx.uid, gid: fctx.gid, lockOwner: fi!.pointee.lock_owner)
}

/// Whether the process behind a request is exiting: PF_EXITING (0x4) in the flags field of
/// /proc/PID/stat, which do_exit sets before it closes the process's files. A process this
/// daemon cannot see (pid 0: another pid namespace) counts as exiting.
func isExiting(pid: pid_t) -> Bool {
    guard pid > 0 else { return true }
    let fd = open("/proc/\(pid)/stat", O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return true }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 1024)
    let n = read(fd, &buffer, buffer.count)
    guard n > 0 else { return true }
    // After "pid (comm) ": state ppid pgrp session tty_nr tpgid flags.
    guard let commEnd = buffer[..<n].lastIndex(of: UInt8(ascii: ")")) else { return true }
    let fields = buffer[(commEnd + 1)..<n].split(separator: UInt8(ascii: " "))
    guard fields.count > 6, let flags = UInt64(String(decoding: fields[6], as: UTF8.self)) else { return true }
    return flags & 0x4 != 0
}

@discardableResult
private func replyError(_ req: fuse_req_t?, _ e: Errno) -> Int32 { fuse_reply_err(req, e.rawValue) }

private func replyEntry(_ req: fuse_req_t?, _ ctx: FuseContext, _ a: NodeAttributes) {
    var e = fuse_entry_param()
    e.ino = a.inode
    e.attr = ctx.stat(a)
    e.attr_timeout = FuseContext.cacheSeconds
    e.entry_timeout = FuseContext.cacheSeconds
    if fuse_reply_entry(req, &e) == 0 { ctx.lookups.lookedUp(a.inode) }
}

private func replyAttr(_ req: fuse_req_t?, _ ctx: FuseContext, _ a: NodeAttributes) {
    var st = ctx.stat(a)
    fuse_reply_attr(req, &st, FuseContext.cacheSeconds)
}

private func bytes(_ name: UnsafePointer<CChar>?) -> [UInt8] {
    Array(UnsafeBufferPointer(start: UnsafeRawPointer(name!).assumingMemoryBound(to: UInt8.self), count: strlen(name!)))
}

/// WRITE. Before the writer sees the result, the kernel forgets what the write changed (the next
/// permission check uses the new owner, the next lookup of an ended task misses) and the memory
/// of tasks that ended goes back to the system.
private func write(_ ctx: FuseContext, _ req: fuse_req_t?, _ data: UnsafeRawBufferPointer, _ offset: Int64,
                   _ fi: UnsafeMutablePointer<fuse_file_info>?) {
    let append = nextidfs_fi_flags(fi) & O_APPEND != 0
    let request = WriteRequest(data: ArraySlice(data), offset: offset, append: append, caller: caller(req, fi))
    let result = ctx.settle { ctx.filesystem.write(openFile(fi), request) }
    switch result {
    case .success(let n): fuse_reply_write(req, n)
    case .failure(let e): replyError(req, e)
    }
}

/// FLUSH (close(2) of a descriptor): the file may still have work to do (a ctl line without
/// newline); settled as a write is.
private func flush(_ ctx: FuseContext, _ req: fuse_req_t?, _ fi: UnsafeMutablePointer<fuse_file_info>?) {
    let pid = fuse_req_ctx(req)!.pointee.pid
    let error = ctx.settle { ctx.filesystem.flush(openFile(fi), by: caller(req, fi)) { isExiting(pid: pid) } }
    fuse_reply_err(req, error?.rawValue ?? 0)
}

func makeOperations() -> fuse_lowlevel_ops {
    var ops = fuse_lowlevel_ops()

    ops.lookup = { req, parent, name in
        let ctx = context(req)
        switch ctx.filesystem.lookup(parent: parent, name: bytes(name)) {
        case .success(let a): replyEntry(req, ctx, a)
        case .failure(let e): replyError(req, e)
        }
    }

    // Names: none can be made, removed or moved (procfs's errnos; never ENOSYS).
    ops.mkdir = { req, parent, name, _ in replyError(req, context(req).filesystem.makeName(in: parent, bytes(name))) }
    ops.mknod = { req, parent, name, _, _ in replyError(req, context(req).filesystem.makeName(in: parent, bytes(name))) }
    ops.create = { req, parent, name, _, _ in replyError(req, context(req).filesystem.makeName(in: parent, bytes(name))) }
    ops.symlink = { req, _, parent, name in replyError(req, context(req).filesystem.makeName(in: parent, bytes(name))) }
    ops.link = { req, _, parent, name in replyError(req, context(req).filesystem.makeName(in: parent, bytes(name))) }
    ops.unlink = { req, parent, name in replyError(req, context(req).filesystem.removeName(in: parent, bytes(name))) }
    ops.rmdir = { req, parent, name in replyError(req, context(req).filesystem.removeName(in: parent, bytes(name))) }
    ops.rename = { req, parent, name, newParent, newName, _ in
        replyError(req, context(req).filesystem.rename(in: parent, bytes(name), to: newParent, bytes(newName)))
    }

    ops.forget = { req, ino, lookups in
        context(req).lookups.forget(ino, lookups)
        fuse_reply_none(req)
    }
    ops.forget_multi = { req, count, forgets in
        let ctx = context(req)
        for f in UnsafeBufferPointer(start: forgets, count: count) { ctx.lookups.forget(f.ino, f.nlookup) }
        fuse_reply_none(req)
    }

    ops.getattr = { req, ino, _ in
        let ctx = context(req)
        switch ctx.filesystem.getattr(ino) {
        case .success(let a): replyAttr(req, ctx, a)
        case .failure(let e): replyError(req, e)
        }
    }

    // Size changes (O_TRUNC without atomic_o_trunc, truncate(2)) and times are accepted and
    // change nothing; mode and owner changes are refused as procfs refuses them.
    ops.setattr = { req, ino, _, toSet, _ in
        let ctx = context(req)
        if toSet & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID) != 0 {
            replyError(req, .EPERM)
            return
        }
        let result = toSet & FUSE_SET_ATTR_SIZE != 0 ? ctx.filesystem.truncate(ino) : ctx.filesystem.getattr(ino)
        switch result {
        case .success(let a): replyAttr(req, ctx, a)
        case .failure(let e): replyError(req, e)
        }
    }

    ops.readlink = { req, ino in
        switch context(req).filesystem.readlink(ino) {
        case .success(let target): _ = (target + [0]).withUnsafeBufferPointer { fuse_reply_readlink(req, UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self)) }
        case .failure(let e): replyError(req, e)
        }
    }

    ops.opendir = { req, ino, fi in
        switch context(req).filesystem.getattr(ino) {
        case .success(let a) where a.type == .directory: fuse_reply_open(req, fi)
        case .success: replyError(req, .ENOTDIR)
        case .failure(let e): replyError(req, e)
        }
    }

    ops.readdir = { req, ino, size, offset, _ in
        let ctx = context(req)
        var buffer = [CChar](repeating: 0, count: size)
        var used = 0
        let error = buffer.withUnsafeMutableBufferPointer { buf in
            ctx.filesystem.readdir(ino, from: Int64(offset)) { entry in
                var st = ctx.stat(NodeAttributes(inode: entry.inode, type: entry.type, permissions: 0, uid: 0, gid: 0))
                return (entry.name + [0]).withUnsafeBufferPointer { name in
                    let cname = UnsafeRawPointer(name.baseAddress!).assumingMemoryBound(to: CChar.self)
                    let needed = fuse_add_direntry(req, nil, 0, cname, nil, 0)
                    guard used + needed <= size else { return false }
                    fuse_add_direntry(req, buf.baseAddress! + used, size - used, cname, &st, off_t(entry.next))
                    used += needed
                    return true
                }
            }
        }
        if let error, used == 0 {
            replyError(req, error)
        } else {
            fuse_reply_buf(req, buffer, used)
        }
    }

    ops.releasedir = { req, _, _ in fuse_reply_err(req, 0) }

    // Every file: st_size 0 and direct_io, so reads always reach the daemon; read-only opens
    // skip the flush round trip.
    ops.open = { req, ino, fi in
        switch context(req).filesystem.open(ino) {
        case .failure(let e): replyError(req, e)
        case .success(let file):
            let readOnly = nextidfs_fi_flags(fi) & O_ACCMODE == O_RDONLY
            nextidfs_fi_set_direct_io(fi, readOnly ? 1 : 0)
            let handle = Unmanaged.passRetained(file)
            fi!.pointee.fh = UInt64(UInt(bitPattern: handle.toOpaque()))
            if fuse_reply_open(req, fi) != 0 { handle.release() }
        }
    }

    ops.read = { req, _, size, offset, fi in
        let ctx = context(req)
        switch ctx.filesystem.read(openFile(fi), offset: Int64(offset), size: size) {
        case .success(let bytes): fuse_reply_buf(req, bytes, bytes.count)
        case .failure(let e): replyError(req, e)
        }
    }

    ops.write = { req, _, buf, size, offset, fi in
        write(context(req), req, UnsafeRawBufferPointer(start: buf, count: size), Int64(offset), fi)
    }

    ops.flush = { req, _, fi in flush(context(req), req, fi) }

    ops.release = { req, _, fi in
        // (every close(2) sent a FLUSH first, where each writer's waiting ctl line ran or was dropped)
        Unmanaged<OpenFile>.fromOpaque(UnsafeRawPointer(bitPattern: UInt(fi!.pointee.fh))!).release()
        fuse_reply_err(req, 0)
    }

    return ops
}
