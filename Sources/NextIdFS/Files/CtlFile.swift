import IdAllocators

/// task/<tid>/ctl (docs/interface.md §4): calls made by this thread, a batch of lines per write.
///
/// The lines run in order as one step and stop at the first failure. If some succeeded, the
/// write is short: it takes the bytes through the last good line, and the writer (a shell's
/// echo, printf) writes the rest again. That retry must report the failure, not run the failed
/// line a second time without the state it already consumed (a pending id), so the open file
/// remembers the failed line and answers a retry of it with the same errno.
///
/// Lines can arrive cut: the kernel cuts a large write(2) into requests at page boundaries of the
/// writer's buffer, and stdio (a shell's printf) flushes its buffer in whole blocks. So a request
/// of 32 KiB or more, or of a multiple of 4096 bytes, that ends inside a line keeps that unfinished
/// line for the next request. Any other last line without a newline counts as whole at once
/// (docs/interface.md §4.1); a kept one counts as whole when the writer closes the file, and its
/// errno is what close(2) returns.
struct CtlFile: TreeFile {
    /// Requests at least this large may have been cut from a larger write anywhere.
    static let cutRequestSize = 32 * 1024
    /// stdio flushes in multiples of the block size (4096 here).
    static let blockSize = 4096
    /// No line is longer than this.
    static let maxLine = 64 * 1024

    func content(of node: NodeRef, in kernel: Kernel) -> Result<[UInt8], Errno> {
        kernel.lastResult(of: node.task).map(CtlLanguage.renderResult)
    }

    func write(_ request: WriteRequest, to node: NodeRef, in kernel: Kernel, memory: WriteMemory) -> WriteOutcome {
        let (held, mayContinue) = memory.state.withLock { state in
            defer { state.unfinishedLine = []; state.mayContinue = false }
            return (state.unfinishedLine, state.mayContinue)
        }
        var data = held.isEmpty ? request.data : ArraySlice(held + request.data)
        var unfinished: ArraySlice<UInt8> = []
        let mayBeCut = request.data.count >= CtlFile.cutRequestSize || request.data.count % CtlFile.blockSize == 0
        if mayBeCut, data.last != Tokens.newline {
            let cut = data.lastIndex(of: Tokens.newline).map { $0 + 1 } ?? data.startIndex
            unfinished = data[cut...]
            data = data[..<cut]
            guard unfinished.count <= CtlFile.maxLine else { return WriteOutcome(result: .failure(.EINVAL)) }
        }
        // When this request may be the rest of a cut write(2), a failing first line fails only
        // this request: write(2) returns what the earlier ones took, and the writer sends this
        // request's bytes again, which the remembered line (without its held start) answers.
        var outcome = run(data, node: node, kernel: kernel, memory: memory, retriedWithout: mayContinue ? held.count : nil)
        switch outcome.result {
        case .success(let taken) where taken == data.count:
            memory.state.withLock { state in
                state.unfinishedLine = Array(unfinished)
                state.mayContinue = mayBeCut
            }
            outcome.result = .success(request.data.count)
        case .success(let taken):
            // Short: the writer sends the rest again, the kept line with it.
            outcome.result = .success(taken - held.count)
        case .failure:
            break
        }
        return outcome
    }

    /// close(2): a last line without a newline runs now.
    func flush(_ node: NodeRef, in kernel: Kernel, memory: WriteMemory) -> WriteOutcome? {
        let held = memory.state.withLock { state in
            defer { state.unfinishedLine = []; state.mayContinue = false }
            return state.unfinishedLine
        }
        guard !held.isEmpty else { return nil }
        return run(ArraySlice(held), node: node, kernel: kernel, memory: memory, retriedWithout: nil)
    }

    /// Runs whole lines; the bytes taken, or the first line's errno. `retriedWithout`: when the
    /// writer may send this data again should the first line fail, the bytes of it (held from
    /// an earlier request) that it will not send.
    private func run(_ data: ArraySlice<UInt8>, node: NodeRef, kernel: Kernel, memory: WriteMemory,
                     retriedWithout: Int?) -> WriteOutcome {
        let lines = CtlLanguage.lines(data)
        guard !lines.isEmpty else { return WriteOutcome(result: .success(0)) }
        if let remembered = memory.state.withLock({ state in defer { state.failedLine = nil }; return state.failedLine }),
           lines[0].line.elementsEqual(remembered.line) {
            return WriteOutcome(result: .failure(remembered.errno))
        }
        let batch = lines.map { CtlLanguage.parse($0.line) }
        let outcome = kernel.run(batch, by: node.task)
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
            if let dropped = retriedWithout {
                memory.state.withLock { $0.failedLine = (Array(lines[0].line.dropFirst(dropped)), failure) }
            }
            return WriteOutcome(result: .failure(failure), ownersChanged: ownersChanged, ended: outcome.ended)
        }
        memory.state.withLock { $0.failedLine = (Array(lines[outcome.completed].line), failure) }
        return WriteOutcome(result: .success(lines[outcome.completed - 1].end), ownersChanged: ownersChanged, ended: outcome.ended)
    }
}
