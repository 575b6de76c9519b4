import CFuse
import Glibc
import IdAllocators

/// The libfuse low-level operations, one named function each (as libfuse's example/hello_ll.c
/// has them): a `Filesystem` call and one reply. What a request means is the tree's business;
/// the glue only translates.
func makeOperations() -> fuse_lowlevel_ops {
    var ops = fuse_lowlevel_ops()
    ops.`init` = initialize
    ops.lookup = lookup
    ops.forget = forget
    ops.forget_multi = forgetMulti
    ops.getattr = getattr
    ops.setattr = setattr
    ops.readlink = readlink
    ops.opendir = opendir
    ops.readdir = readdir
    ops.readdirplus = readdirplus
    ops.releasedir = releasedir
    ops.open = open
    ops.read = read
    ops.write = write
    ops.flush = flush
    ops.release = release
    ops.mkdir = mkdir
    ops.mknod = mknod
    ops.create = create
    ops.symlink = symlink
    ops.link = link
    ops.unlink = unlink
    ops.rmdir = rmdir
    ops.rename = rename
    return ops
}

/// INIT: whether the kernel can do without OPEN (FUSE_CAP_NO_OPEN_SUPPORT). Then the first OPEN
/// is answered ENOSYS, and the kernel sends none again on this connection, nor RELEASE: a file is
/// its node, read through the kernel's page cache (exact sizes, versions in the mtime, told by
/// every write that may change it), and a write is one WRITE request. Directories are still
/// opened: an OPENDIR reply without cache_readdir keeps listings out of the kernel's cache, so
/// that a fork or an exit needs no notice about its directories. Every listing is a READDIRPLUS
/// (libfuse asks for it when `readdirplus` is there; not only the first one of a directory, as
/// readdirplus_auto would have it), which hands the kernel the directories it lists.
private func initialize(_ userdata: UnsafeMutableRawPointer?, _ conn: UnsafeMutablePointer<fuse_conn_info>?) {
    let context = Unmanaged<FuseContext>.fromOpaque(userdata!).takeUnretainedValue()
    let capable = conn!.pointee.capable
    context.opens.store(capable & UInt32(FUSE_CAP_NO_OPEN_SUPPORT) == 0, ordering: .releasing)
    conn!.pointee.want &= ~UInt32(FUSE_CAP_READDIRPLUS_AUTO)
}

/// ENOSYS, the answer that turns an optional request off for the connection.
private let notImplemented = Errno(rawValue: ENOSYS)

private func lookup(_ req: fuse_req_t?, _ parent: fuse_ino_t, _ name: UnsafePointer<CChar>?) {
    let r = Request(req)
    r.reply(r.filesystem.lookup(parent: parent, name: CChars.bytes(name), as: r.caller).map(Reply.entry))
}

private func forget(_ req: fuse_req_t?, _ ino: fuse_ino_t, _ lookups: UInt64) {
    let r = Request(req)
    r.context.lookups.forget(ino, lookups)
    r.reply(.success(.nothing))
}

private func forgetMulti(_ req: fuse_req_t?, _ count: Int, _ forgets: UnsafeMutablePointer<fuse_forget_data>?) {
    let r = Request(req)
    for f in UnsafeBufferPointer(start: forgets, count: count) { r.context.lookups.forget(f.ino, f.nlookup) }
    r.reply(.success(.nothing))
}

private func getattr(_ req: fuse_req_t?, _ ino: fuse_ino_t, _ fi: UnsafeMutablePointer<fuse_file_info>?) {
    // A GETATTR through an open file (fstat, read) comes with its fuse_file_info.
    let r = Request(req)
    r.reply(r.filesystem.getattr(ino, as: r.caller, throughFile: fi != nil).map(Reply.attributes))
}

private func setattr(_ req: fuse_req_t?, _ ino: fuse_ino_t, _ attr: UnsafeMutablePointer<stat>?, _ toSet: Int32,
                     _ fi: UnsafeMutablePointer<fuse_file_info>?) {
    let r = Request(req)
    var changes: Filesystem.AttributeChanges = []
    if toSet & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID) != 0 { changes.insert(.modeOrOwner) }
    if toSet & FUSE_SET_ATTR_SIZE != 0 { changes.insert(.size) }
    r.reply(r.filesystem.setattr(ino, changes).map(Reply.attributes))
}

private func readlink(_ req: fuse_req_t?, _ ino: fuse_ino_t) {
    let r = Request(req)
    r.reply(r.filesystem.readlink(ino, as: r.caller).map(Reply.link))
}

private func opendir(_ req: fuse_req_t?, _ ino: fuse_ino_t, _ fi: UnsafeMutablePointer<fuse_file_info>?) {
    let r = Request(req, fi)
    r.reply(r.filesystem.openDirectory(ino).map { .opened(file: false) })
}

private func readdir(_ req: fuse_req_t?, _ ino: fuse_ino_t, _ size: Int, _ offset: off_t, _ fi: UnsafeMutablePointer<fuse_file_info>?) {
    list(req, ino, size, offset, plus: false)
}

/// READDIRPLUS: the listing, and with each directory in it its node and attributes, kept by the
/// kernel as a LOOKUP's are (`cat */status` after the glob's listing looks up only `status`).
/// Files and links go without: their LOOKUP renders the size.
private func readdirplus(_ req: fuse_req_t?, _ ino: fuse_ino_t, _ size: Int, _ offset: off_t, _ fi: UnsafeMutablePointer<fuse_file_info>?) {
    list(req, ino, size, offset, plus: true)
}

private func list(_ req: fuse_req_t?, _ ino: fuse_ino_t, _ size: Int, _ offset: off_t, plus: Bool) {
    let r = Request(req)
    var buffer = DirectoryBuffer(req, size: size)
    let error = r.filesystem.readdir(ino, from: Int64(offset)) { entry in
        let st = r.context.stat(NodeAttributes(inode: entry.inode, type: entry.type, permissions: 0, uid: 0, gid: 0))
        guard plus else { return buffer.add(entry, st) }
        var e = fuse_entry_param()
        e.attr = st
        return buffer.add(entry, plus: entry.attributes.map(r.entry) ?? e)
    }
    if let error, buffer.used == 0 {
        r.reply(error)
    } else {
        r.reply(.success(buffer.finish()))
    }
}

private func releasedir(_ req: fuse_req_t?, _ ino: fuse_ino_t, _ fi: UnsafeMutablePointer<fuse_file_info>?) {
    Request(req).reply(.success(.done))
}

/// OPEN: ENOSYS where the kernel can do without (see `initialize`); otherwise a direct_io open
/// with nothing kept.
private func open(_ req: fuse_req_t?, _ ino: fuse_ino_t, _ fi: UnsafeMutablePointer<fuse_file_info>?) {
    let r = Request(req, fi)
    guard r.context.opens.load(ordering: .acquiring) else { return r.reply(notImplemented) }
    r.reply(r.filesystem.open(ino).map { _ in .opened(file: true) })
}

private func read(_ req: fuse_req_t?, _ ino: fuse_ino_t, _ size: Int, _ offset: off_t, _ fi: UnsafeMutablePointer<fuse_file_info>?) {
    let r = Request(req, fi)
    r.reply(r.filesystem.open(ino).flatMap { r.filesystem.read($0, offset: Int64(offset), size: size, as: r.caller) }.map(Reply.bytes))
}

/// WRITE. Before the writer sees the result, the kernel forgets what the write changed (the next
/// read of a changed file asks again, the next permission check uses the new owner, the next
/// lookup of an ended task misses) and the memory of tasks that ended goes back to the system.
private func write(_ req: fuse_req_t?, _ ino: fuse_ino_t, _ buf: UnsafePointer<CChar>?, _ size: Int, _ offset: off_t,
                   _ fi: UnsafeMutablePointer<fuse_file_info>?) {
    let r = Request(req, fi)
    let request = WriteRequest(data: ArraySlice(UnsafeRawBufferPointer(start: buf, count: size)), offset: Int64(offset),
                               append: r.flags & O_APPEND != 0, caller: r.caller)
    let result = r.context.settle { () -> Filesystem.Settled<Result<Int, Errno>> in
        switch r.filesystem.open(ino) {
        case .failure(let e): (.failure(e), Filesystem.Invalidation(), 0)
        case .success(let file): r.filesystem.write(file, request)
        }
    }
    r.reply(result.map(Reply.written))
}

/// FLUSH (close(2)): nothing to do at a close; ENOSYS makes the kernel send no more.
private func flush(_ req: fuse_req_t?, _ ino: fuse_ino_t, _ fi: UnsafeMutablePointer<fuse_file_info>?) {
    Request(req, fi).reply(notImplemented)
}

private func release(_ req: fuse_req_t?, _ ino: fuse_ino_t, _ fi: UnsafeMutablePointer<fuse_file_info>?) {
    Request(req, fi).reply(.success(.done))
}

// Names: none can be made, removed or moved (procfs's errnos; never ENOSYS).

private func mkdir(_ req: fuse_req_t?, _ parent: fuse_ino_t, _ name: UnsafePointer<CChar>?, _ mode: mode_t) {
    makeName(req, parent, name)
}

private func mknod(_ req: fuse_req_t?, _ parent: fuse_ino_t, _ name: UnsafePointer<CChar>?, _ mode: mode_t, _ rdev: dev_t) {
    makeName(req, parent, name)
}

private func create(_ req: fuse_req_t?, _ parent: fuse_ino_t, _ name: UnsafePointer<CChar>?, _ mode: mode_t,
                    _ fi: UnsafeMutablePointer<fuse_file_info>?) {
    makeName(req, parent, name)
}

private func symlink(_ req: fuse_req_t?, _ target: UnsafePointer<CChar>?, _ parent: fuse_ino_t, _ name: UnsafePointer<CChar>?) {
    makeName(req, parent, name)
}

private func link(_ req: fuse_req_t?, _ ino: fuse_ino_t, _ parent: fuse_ino_t, _ name: UnsafePointer<CChar>?) {
    makeName(req, parent, name)
}

private func makeName(_ req: fuse_req_t?, _ parent: fuse_ino_t, _ name: UnsafePointer<CChar>?) {
    let r = Request(req)
    r.reply(r.filesystem.makeName(in: parent, CChars.bytes(name)))
}

private func unlink(_ req: fuse_req_t?, _ parent: fuse_ino_t, _ name: UnsafePointer<CChar>?) {
    let r = Request(req)
    r.reply(r.filesystem.removeName(in: parent, CChars.bytes(name)))
}

private func rmdir(_ req: fuse_req_t?, _ parent: fuse_ino_t, _ name: UnsafePointer<CChar>?) {
    unlink(req, parent, name)
}

private func rename(_ req: fuse_req_t?, _ parent: fuse_ino_t, _ name: UnsafePointer<CChar>?, _ newParent: fuse_ino_t,
                    _ newName: UnsafePointer<CChar>?, _ flags: UInt32) {
    let r = Request(req)
    r.reply(r.filesystem.rename(in: parent, CChars.bytes(name), to: newParent, CChars.bytes(newName)))
}
