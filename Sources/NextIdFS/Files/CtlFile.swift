import IdAllocators

/// task/<tid>/ctl (SPEC.md section 4): calls made by this thread, a batch of lines per write.
///
/// The lines run in order as one step and stop at the first failure. If some succeeded, the
/// write is short: it takes the bytes through the last good line, and the writer (a shell's
/// echo, printf) writes the rest again. That retry must report the failure, not run the failed
/// line a second time without the state it already consumed (a pending id), so the open file
/// remembers the failed line and answers a retry of it with the same errno.
struct CtlFile: TreeFile {
    func content(of node: NodeRef, in kernel: Kernel) -> Result<[UInt8], Errno> {
        kernel.lastResult(of: node.tid).map(CtlLanguage.renderResult)
    }

    func write(_ data: ArraySlice<UInt8>, offset: Int64, to node: NodeRef, by caller: Caller, in kernel: Kernel, memory: WriteMemory) -> WriteOutcome {
        let lines = CtlLanguage.lines(data)
        if let remembered = memory.failedLine.withLock({ state in defer { state = nil }; return state }),
           let first = lines.first, first.line.elementsEqual(remembered.line) {
            return WriteOutcome(result: .failure(remembered.errno))
        }
        let batch = lines.map { CtlLanguage.parse($0.line) }
        let outcome = kernel.run(batch, by: node.tid)
        let ownersChanged = batch.prefix(outcome.completed + 1).contains { call in
            switch call {
            case .success(.setuid), .success(.setgid): true
            default: false
            }
        }
        guard let failure = outcome.failure else {
            return WriteOutcome(result: .success(data.count), ownersChanged: ownersChanged, ended: outcome.ended)
        }
        if outcome.completed == 0 {
            return WriteOutcome(result: .failure(failure), ownersChanged: ownersChanged, ended: outcome.ended)
        }
        memory.failedLine.withLock { $0 = (Array(lines[outcome.completed].line), failure) }
        return WriteOutcome(result: .success(lines[outcome.completed - 1].end), ownersChanged: ownersChanged, ended: outcome.ended)
    }
}
