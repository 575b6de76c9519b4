import CFuse
import Glibc
import IdAllocators

/// The libfuse low-level operations, one named function each (as libfuse's example/hello_ll.c
/// has them): a `Filesystem` call and one reply. What a request means is the tree's business;
/// the glue only translates.
func makeOperations() -> fuse_lowlevel_ops {
    var ops = fuse_lowlevel_ops()
    ops.lookup = lookup
    ops.forget = forget
    ops.forget_multi = forgetMulti
    ops.getattr = getattr
    ops.setattr = setattr
    ops.readlink = readlink
    ops.opendir = opendir
    ops.readdir = readdir
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
    let r = Request(req)
    r.reply(r.filesystem.getattr(ino).map(Reply.attributes))
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
    r.reply(r.filesystem.openDirectory(ino).map { .opened(nil) })
}

private func readdir(_ req: fuse_req_t?, _ ino: fuse_ino_t, _ size: Int, _ offset: off_t, _ fi: UnsafeMutablePointer<fuse_file_info>?) {
    let r = Request(req)
    var buffer = DirectoryBuffer(req, size: size)
    let error = r.filesystem.readdir(ino, from: Int64(offset)) { entry in
        buffer.add(entry, r.context.stat(NodeAttributes(inode: entry.inode, type: entry.type, permissions: 0, uid: 0, gid: 0)))
    }
    if let error, buffer.used == 0 {
        r.reply(error)
    } else {
        r.reply(.success(.bytes(buffer.finish())))
    }
}

private func releasedir(_ req: fuse_req_t?, _ ino: fuse_ino_t, _ fi: UnsafeMutablePointer<fuse_file_info>?) {
    Request(req).reply(.success(.done))
}

private func open(_ req: fuse_req_t?, _ ino: fuse_ino_t, _ fi: UnsafeMutablePointer<fuse_file_info>?) {
    let r = Request(req, fi)
    r.reply(r.filesystem.open(ino).map(Reply.opened))
}

private func read(_ req: fuse_req_t?, _ ino: fuse_ino_t, _ size: Int, _ offset: off_t, _ fi: UnsafeMutablePointer<fuse_file_info>?) {
    let r = Request(req, fi)
    r.reply(r.filesystem.read(r.file, offset: Int64(offset), size: size, as: r.caller).map(Reply.bytes))
}

/// WRITE. Before the writer sees the result, the kernel forgets what the write changed (the next
/// permission check uses the new owner, the next lookup of an ended task misses) and the memory
/// of tasks that ended goes back to the system.
private func write(_ req: fuse_req_t?, _ ino: fuse_ino_t, _ buf: UnsafePointer<CChar>?, _ size: Int, _ offset: off_t,
                   _ fi: UnsafeMutablePointer<fuse_file_info>?) {
    let r = Request(req, fi)
    let request = WriteRequest(data: ArraySlice(UnsafeRawBufferPointer(start: buf, count: size)), offset: Int64(offset),
                               append: r.flags & O_APPEND != 0, caller: r.caller)
    r.reply(r.context.settle { r.filesystem.write(r.file, request) }.map(Reply.written))
}

/// FLUSH (close(2) of a descriptor): the file may still have work to do (a ctl line without
/// newline); settled as a write is.
private func flush(_ req: fuse_req_t?, _ ino: fuse_ino_t, _ fi: UnsafeMutablePointer<fuse_file_info>?) {
    let r = Request(req, fi)
    let error = r.context.settle { r.filesystem.flush(r.file, by: r.caller) }
    r.reply(error.map { .failure($0) } ?? .success(.done))
}

/// RELEASE: the last close; every close(2) sent a FLUSH first, where each writer's waiting ctl
/// line ran or was dropped.
private func release(_ req: fuse_req_t?, _ ino: fuse_ino_t, _ fi: UnsafeMutablePointer<fuse_file_info>?) {
    let r = Request(req, fi)
    r.handle.release()
    r.reply(.success(.done))
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
