import IdAllocators

/// task/<tid>/ctl (docs/interface.md §4): calls made by this thread, a batch of lines per write,
/// under the rule of `CtlWriter` (a line runs only when it is known to be whole).
struct CtlFile: TreeFile {
    func content(of node: NodeRef, in kernel: Kernel) -> Result<[UInt8], Errno> {
        kernel.lastResult(of: node.task).map(CtlLanguage.renderResult)
    }

    func write(_ request: WriteRequest, to node: NodeRef, in kernel: Kernel, writers: CtlWriters) -> WriteOutcome {
        var ran = Ran()
        let result = writers.with(request.caller.lockOwner) { writer in
            writer.write(request.data, operation: { kernel.operations }) { ran.run($0, node: node, kernel: kernel) }
        }
        return WriteOutcome(result: result, ownersChanged: ran.ownersChanged, ended: ran.ended)
    }

    /// close(2): a waiting last line runs now, unless its writer is exiting.
    func flush(_ node: NodeRef, in kernel: Kernel, writers: CtlWriters, owner: UInt64, exiting: () -> Bool) -> WriteOutcome? {
        var ran = Ran()
        let error = writers.with(owner) { writer in
            writer.close(exiting: exiting) { ran.run($0, node: node, kernel: kernel) }
        }
        guard error != nil || ran.ran else { return nil }
        return WriteOutcome(result: error.map { .failure($0) } ?? .success(0), ownersChanged: ran.ownersChanged, ended: ran.ended)
    }

    /// Lines run on the kernel as the thread's batch, and what they changed that the kernel's
    /// caches hold.
    struct Ran {
        var ran = false
        var ownersChanged = false
        var ended: [TaskEntry] = []

        mutating func run(_ lines: [CtlWriter.Line], node: NodeRef, kernel: Kernel) -> CtlWriter.LinesRun {
            let batch = lines.map { $0.flatMap(CtlLanguage.parse) }
            let outcome = kernel.run(batch, by: node.task)
            ran = true
            ended += outcome.ended
            ownersChanged = ownersChanged || batch.prefix(outcome.completed + 1).contains { call in
                switch call {
                case .success(.setuid), .success(.setgid): true
                default: false
                }
            }
            return CtlWriter.LinesRun(completed: outcome.completed, failure: outcome.failure, operation: outcome.operation)
        }
    }
}
