public import IdAllocators

/// One write request as the file sees it.
public struct WriteRequest: Sendable {
    public var data: ArraySlice<UInt8>
    public var offset: Int64
    /// The file is open with O_APPEND: the write counts as at the start (see `Filesystem.write`).
    public var append: Bool
    public var caller: Caller

    public init(data: ArraySlice<UInt8>, offset: Int64, append: Bool = false, caller: Caller) {
        self.data = data
        self.offset = offset
        self.append = append
        self.caller = caller
    }
}

/// What a write did: bytes taken or an errno, and what it changed in the machine: `changes`
/// as the kernel reports them, and `ran` whether anything ran there at all (then any file's
/// content may have changed).
public struct WriteOutcome: Sendable {
    public var result: Result<Int, Errno>
    public var changes = Changes()
    public var ran = false
}

/// Who asks (the real caller) and what the tree knows of real readers: for the files whose
/// content or target depends on the reader (docs/interface.md §2.5).
struct Requester {
    var caller: Caller
    var readers: Readers

    /// The real reader behind the request, as the host's /proc describes it.
    var reader: Reader? { readers.reader(caller) }
}

/// One kind of regular file: how it renders and how it takes writes.
protocol TreeFile: Sendable {
    /// What a read at offset 0 shows.
    func content(of node: NodeRef, in kernel: Kernel) -> Result<[UInt8], Errno>
    /// The same, for files that depend on who reads (by default they do not).
    func content(of node: NodeRef, in kernel: Kernel, for requester: Requester) -> Result<[UInt8], Errno>
    /// A write; files without one answer EINVAL, as procfs does.
    func write(_ request: WriteRequest, to node: NodeRef, in kernel: Kernel, writers: CtlWriters) -> WriteOutcome
    /// The same, for files that depend on who writes (by default they do not).
    func write(_ request: WriteRequest, to node: NodeRef, in kernel: Kernel, writers: CtlWriters, for requester: Requester) -> WriteOutcome
}

extension TreeFile {
    func content(of node: NodeRef, in kernel: Kernel, for requester: Requester) -> Result<[UInt8], Errno> {
        content(of: node, in: kernel)
    }

    func write(_ request: WriteRequest, to node: NodeRef, in kernel: Kernel, writers: CtlWriters, for requester: Requester) -> WriteOutcome {
        write(request, to: node, in: kernel, writers: writers)
    }

    func write(_ request: WriteRequest, to node: NodeRef, in kernel: Kernel, writers: CtlWriters) -> WriteOutcome {
        WriteOutcome(result: .failure(.EINVAL))
    }
}

/// A symbolic link: its target.
protocol TreeLink: Sendable {
    func target(of node: NodeRef, in kernel: Kernel) -> Result<[UInt8], Errno>
    /// The same, for links that depend on who follows them (by default they do not).
    func target(of node: NodeRef, in kernel: Kernel, for requester: Requester) -> Result<[UInt8], Errno>
}

extension TreeLink {
    func target(of node: NodeRef, in kernel: Kernel, for requester: Requester) -> Result<[UInt8], Errno> {
        target(of: node, in: kernel)
    }
}
