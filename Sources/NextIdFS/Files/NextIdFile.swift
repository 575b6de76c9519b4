import IdAllocators

/// task/<tid>/next_id (docs/interface.md §3): the thread's pending ids. A write is one line of the
/// grammar at offset 0; anything else is EINVAL and leaves the pending ids as they were.
struct NextIdFile: TreeFile {
    func content(of node: NodeRef, in kernel: Kernel) -> Result<[UInt8], Errno> {
        kernel.pendingIds(of: node.task).map(NextIdGrammar.render)
    }

    func write(_ request: WriteRequest, to node: NodeRef, in kernel: Kernel, writers: CtlWriters) -> WriteOutcome {
        guard request.offset == 0 else { return WriteOutcome(result: .failure(.EINVAL)) }
        let result = NextIdGrammar.parse(request.data).flatMap { kernel.setPendingIds(of: node.task, $0) }
        return WriteOutcome(result: result.map { _ in request.data.count })
    }
}
