public import IdAllocators

/// One write request as the file sees it.
public struct WriteRequest: Sendable {
    public var data: ArraySlice<UInt8>
    public var offset: Int64
    /// The file is open with O_APPEND: `offset` is not the file position (see `Filesystem.write`).
    public var append: Bool
    public var caller: Caller

    public init(data: ArraySlice<UInt8>, offset: Int64, append: Bool = false, caller: Caller) {
        self.data = data
        self.offset = offset
        self.append = append
        self.caller = caller
    }
}

/// What a write did: bytes taken or an errno, and what it changed in the machine.
public struct WriteOutcome: Sendable {
    public var result: Result<Int, Errno>
    public var changes = Changes()
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
    /// Whether closing the file can have work to do (`flush`): when not, the kernel is told to
    /// send no FLUSH at close(2), a round trip saved.
    var worksAtClose: Bool { get }
    /// A writer (`owner`) closes the file (FLUSH); nil when there is nothing left to do.
    /// `exiting`: whether the closing process is exiting (asked only when it matters).
    func flush(_ node: NodeRef, in kernel: Kernel, writers: CtlWriters, owner: UInt64, exiting: () -> Bool) -> WriteOutcome?
}

extension TreeFile {
    func content(of node: NodeRef, in kernel: Kernel, for requester: Requester) -> Result<[UInt8], Errno> {
        content(of: node, in: kernel)
    }

    func write(_ request: WriteRequest, to node: NodeRef, in kernel: Kernel, writers: CtlWriters, for requester: Requester) -> WriteOutcome {
        write(request, to: node, in: kernel, writers: writers)
    }

    var worksAtClose: Bool { false }

    func write(_ request: WriteRequest, to node: NodeRef, in kernel: Kernel, writers: CtlWriters) -> WriteOutcome {
        WriteOutcome(result: .failure(.EINVAL))
    }

    func flush(_ node: NodeRef, in kernel: Kernel, writers: CtlWriters, owner: UInt64, exiting: () -> Bool) -> WriteOutcome? {
        nil
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
