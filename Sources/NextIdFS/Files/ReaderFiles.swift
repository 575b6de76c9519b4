import IdAllocators

/// `self` (docs/interface.md §2.5): the reader's own entry, or the simulated process its pid
/// namespace is attached to. Resolved at every path walk (the kernel asks for every readlink).
struct SelfLink: TreeLink {
    let thread: Bool

    func target(of node: NodeRef, in kernel: Kernel) -> Result<[UInt8], Errno> { .failure(.ENOENT) }

    func target(of node: NodeRef, in kernel: Kernel, for requester: Requester) -> Result<[UInt8], Errno> {
        guard let reader = requester.reader else { return .failure(.ENOENT) }
        if let task = requester.readers.attachments.task(of: reader, in: requester.readers.directory) {
            // thread-self of an attached reader: its process's leader thread.
            return .success(Array((thread ? "\(task.tid)/task/\(task.tid)" : "\(task.tid)").utf8))
        }
        return .success(Array((thread ? "\(reader.pid)/task/\(reader.tid)" : "\(reader.pid)").utf8))
    }
}

/// The reader's own entry's files: its real procfs text, with pids as its own pid namespace
/// numbers them (0 for a process that namespace does not have).
struct ReaderTextFile: TreeFile {
    let name: String
    let thread: Bool

    func content(of node: NodeRef, in kernel: Kernel) -> Result<[UInt8], Errno> { .failure(.ENOENT) }

    func content(of node: NodeRef, in kernel: Kernel, for requester: Requester) -> Result<[UInt8], Errno> {
        let directory = requester.readers.directory
        guard let reader = ReaderTextFile.reader(of: node, directory, thread: thread),
              let text = directory.file(name, of: reader, thread: thread) else { return .failure(.ESRCH) }
        let own = thread ? reader.tid : reader.pid
        switch name {
        case "stat": return .success(ReaderFormats.stat(text, pid: own) { directory.number(of: $0, seenBy: reader) })
        case "status": return .success(ReaderFormats.status(text, reader: reader, pid: own) { directory.number(of: $0, seenBy: reader) })
        default: return .success(text)
        }
    }

    /// The reader a node of its entry was made for: `tid` is its pid or tid in its own
    /// namespace, `serial` its host tgid or tid; nil once that thread is gone.
    static func reader(of node: NodeRef, _ directory: any ReaderDirectory, thread: Bool) -> Reader? {
        guard let reader = directory.reader(hostPid: Int32(truncatingIfNeeded: node.serial)),
              (thread ? reader.tid : reader.pid) == node.tid, thread || reader.hostTgid == reader.hostPid else { return nil }
        return reader
    }
}

/// `attach` (docs/interface.md §2.5): root writes a simulated process's pid to attach its own pid
/// namespace to that process; a read shows the pid the reader's namespace is attached to.
struct AttachFile: TreeFile {
    func content(of node: NodeRef, in kernel: Kernel) -> Result<[UInt8], Errno> { .success([]) }

    func content(of node: NodeRef, in kernel: Kernel, for requester: Requester) -> Result<[UInt8], Errno> {
        guard let reader = requester.reader,
              let task = requester.readers.attachments.task(of: reader, in: requester.readers.directory) else { return .success([]) }
        return .success(ProcFormats.number(Int64(task.tid)))
    }

    func write(_ request: WriteRequest, to node: NodeRef, in kernel: Kernel, writers: CtlWriters, for requester: Requester) -> WriteOutcome {
        guard request.caller.uid == 0 else { return WriteOutcome(result: .failure(.EPERM)) }
        guard request.offset == 0, let pid = KernelInteger.parse(request.data), pid > 0, pid <= Int64(Limits.pidMaxLimit),
              let reader = requester.reader, reader.pidNamespace != requester.readers.ownNamespace else {
            return WriteOutcome(result: .failure(.EINVAL))
        }
        guard let id = kernel.identity(ofPid: Int32(pid)), id.tgid == id.tid else { return WriteOutcome(result: .failure(.ESRCH)) }
        requester.readers.attachments.attach(reader, to: id.handle)
        return WriteOutcome(result: .success(request.data.count))
    }
}
