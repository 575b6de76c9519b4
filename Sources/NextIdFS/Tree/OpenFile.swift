import IdAllocators

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
    func read(offset: Int64, size: Int, kernel: Kernel, for requester: Requester) -> Result<[UInt8], Errno> {
        snapshot.withLock { snapshot in
            let content: [UInt8]
            if offset != 0, let snapshot {
                let scope = node.kind.spec.scope
                guard scope != .process && scope != .thread || kernel.identity(of: node.task) != nil else { return .failure(.ESRCH) }
                content = snapshot
            } else {
                switch file.content(of: node, in: kernel, for: requester) {
                case .success(let bytes): content = bytes
                case .failure(let e): return .failure(e)
                }
                snapshot = content
            }
            let start = Int(min(max(offset, 0), Int64(content.count)))
            return .success(Array(content[start...].prefix(max(size, 0))))
        }
    }
}
