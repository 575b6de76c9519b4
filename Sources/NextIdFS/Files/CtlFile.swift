import IdAllocators

/// task/<tid>/ctl (docs/interface.md §4): calls made by this thread, a batch of lines per write,
/// under the rule of `CtlWriter` (a line runs only when it is known to be whole).
struct CtlFile: TreeFile {
    func content(of node: NodeRef, in kernel: Kernel) -> Result<[UInt8], Errno> {
        kernel.lastResult(of: node.task).map(CtlLanguage.renderResult)
    }

    func write(_ request: WriteRequest, to node: NodeRef, in kernel: Kernel, writers: CtlWriters) -> WriteOutcome {
        var changes = Changes()
        var ran = false
        let result = writers.with(CtlWriters.Key(inode: node.inode, tid: request.caller.pid)) { writer in
            writer.write(request.data, at: request.offset, operation: { kernel.operations }) { lines in
                ran = true
                return CtlFile.run(lines, by: node, kernel, &changes)
            }
        }
        return WriteOutcome(result: result, changes: changes, ran: ran)
    }

    /// Lines run on the kernel as the thread's batch (a writer runs at most one per request);
    /// `changes`: what they changed.
    static func run(_ lines: [CtlWriter.Line], by node: NodeRef, _ kernel: Kernel, _ changes: inout Changes) -> CtlWriter.LinesRun {
        let outcome = kernel.run(lines.map { $0.flatMap(CtlLanguage.parse) }, by: node.task)
        changes = outcome.changes
        return CtlWriter.LinesRun(completed: outcome.completed, failure: outcome.failure, operation: outcome.operation)
    }
}
