public import IdAllocators
public import NextIdFS

/// Runs a restore program against a `Filesystem` in this process, as bash would through a
/// mount: each write opens the file, writes the data in the 4096-byte blocks of bash's stdio
/// (taking a short write's rest again, as stdio does), and closes it.
public struct ProgramRunner {
    public let tree: InProcessTree

    public init(_ filesystem: Filesystem) { tree = InProcessTree(filesystem) }

    public struct Failure: Error, Sendable, Equatable {
        public var write: ProgramWrite
        public var errno: Errno
    }

    static let root = Caller(uid: 0, gid: 0)

    public func run(_ writes: [ProgramWrite]) -> Failure? {
        for w in writes {
            if let e = perform(w) { return Failure(write: w, errno: e) }
        }
        return nil
    }

    func perform(_ w: ProgramWrite) -> Errno? {
        let fs = tree.filesystem
        guard let inode = tree.inode(w.path) else { return .ENOENT }
        let file: OpenFile
        switch fs.open(inode) {
        case .failure(let e): return e
        case .success(let f): file = f
        }
        // Blocks as stdio writes them: a line cut at a block's end waits for the next block,
        // the last block's last line runs with it.
        var offset = 0
        while offset < w.data.count {
            let block = w.data[offset..<min(w.data.count, (offset / 4096 + 1) * 4096)]
            switch fs.write(file, WriteRequest(data: block, offset: Int64(offset), caller: Self.root)).result {
            case .failure(let e): return e
            case .success(let n): offset += n
            }
        }
        return nil
    }
}
