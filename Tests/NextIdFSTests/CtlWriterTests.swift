import IdAllocators
@testable import NextIdFS
import PropertyBased
import Testing

/// The ctl batch rule without a kernel: a runner that records the lines it is given and fails
/// the ones that say `bad`.
@Suite struct CtlWriterTests {
    final class Runner {
        var ran: [String] = []
        var operation: UInt64 = 0

        func run(_ lines: [CtlWriter.Line]) -> CtlWriter.LinesRun {
            for (i, line) in lines.enumerated() {
                operation += 1
                guard case .success(let bytes) = line else { return .init(completed: i, failure: .EINVAL, operation: operation) }
                let text = String(decoding: bytes, as: UTF8.self)
                if text.hasPrefix("bad") { return .init(completed: i, failure: .EEXIST, operation: operation) }
                ran.append(text)
            }
            return .init(completed: lines.count, failure: nil, operation: operation)
        }
    }

    var writer = CtlWriter()
    let runner = Runner()
    /// Where the writer's next request goes: after the bytes taken, as a file position.
    var position: Int64 = 0

    mutating func write(_ text: String, at offset: Int64? = nil) -> Result<Int, Errno> { write(Array(text.utf8), at: offset) }

    mutating func write(_ bytes: [UInt8], at offset: Int64? = nil) -> Result<Int, Errno> {
        let runner = runner
        let at = offset ?? position
        let result = writer.write(bytes[...], at: at, operation: { runner.operation }, run: runner.run)
        if case .success(let n) = result { position = at + Int64(n) }
        return result
    }

    static let page = Int(CtlWriter.page)

    /// A batch of three pages cut by the kernel or stdio where they cut (at page multiples of the
    /// file offset): the same lines run, each once, whole, and every request is taken whole.
    @Test func cutsAtPagesRunTheSameWholeLines() async {
        let lines = (0..<1500).map { "comm \($0)" }
        let batch = Array(lines.map { $0 + "\n" }.joined().utf8)
        await propertyCheck(count: 100, input: Gen.int(in: 0...3), Gen.int(in: 0...3)) { a, b in
            var test = CtlWriterTests()
            let cuts = [0, min(a, b) * Self.page, max(a, b) * Self.page, batch.count].map { min($0, batch.count) }
            for (from, to) in zip(cuts, cuts.dropFirst()) where from < to {
                #expect(test.write(Array(batch[from..<to])) == .success(to - from))
            }
            #expect(test.runner.ran == lines)
        }
    }

    @Test mutating func theIssuesWritevOf300SegmentsArrivesWhole() {
        let segments = Array(repeating: ["setgid 2", "00", "1\n"], count: 100).flatMap { $0 }
        #expect(write(segments.joined()) == .success(1200))
        #expect(runner.ran == Array(repeating: "setgid 2001", count: 100))
    }

    @Test mutating func aLastLineWithoutNewlineRunsWithItsWrite() {
        #expect(write("fork") == .success(4))
        #expect(runner.ran == ["fork"])
        #expect(write("bad one", at: 0) == .failure(.EEXIST), "the write returns its errno")
        #expect(write("comm a", at: 0) == .success(6))
        #expect(write("comm b") == .success(6), "a later write on the fd: a line of its own")
        #expect(runner.ran == ["fork", "comm a", "comm b"])
    }

    @Test mutating func aLineCutAtAPageWaitsForItsContinuation() {
        let block = String(repeating: "fork\n", count: 818) + "comm" + " x\n"
        #expect(block.utf8.count > Self.page)
        let first = String(block.prefix(Self.page))
        #expect(write(first) == .success(Self.page))
        #expect(runner.ran.count == 818, "the cut line waits")
        #expect(write(String(block.dropFirst(Self.page))) == .success(block.utf8.count - Self.page))
        #expect(runner.ran.last == "comm x")
    }

    @Test mutating func aCutLineNotContinuedNeverRuns() {
        // printf killed between two 4096-byte blocks: "... msgrm 3" of "msgrm 32770".
        let block = String(repeating: "fork\n", count: 818) + "msgrm "
        #expect(block.utf8.count == Self.page)
        #expect(write(block) == .success(Self.page))
        #expect(write("comm y\n", at: 0) == .success(7), "a new batch")
        #expect(runner.ran.count == 819 && runner.ran.last == "comm y", "msgrm never ran")
        #expect(write(block, at: 0) == .success(Self.page))
        #expect(write("70\n", at: Int64(Self.page) + 1) == .success(3), "not at the offset that continues it")
        #expect(runner.ran.count == 819 + 818 + 1 && runner.ran.last == "70", "a line of its own")
        #expect(writer.isIdle)
    }

    @Test mutating func aShortWriteAndTheRetryOfTheFailedLine() {
        #expect(write("fork\nbad\nfork\n") == .success(5))
        #expect(write("bad\nfork\n") == .failure(.EEXIST), "the retry answers the errno")
        #expect(runner.ran == ["fork"], "without running anything")
        #expect(write("bad\nfork\n") == .failure(.EEXIST), "a new write runs")
        #expect(runner.operation == 3)
    }

    @Test mutating func aRetryElsewhereRuns() {
        #expect(write("fork\nbad\n") == .success(5))
        #expect(write("bad\n", at: 0) == .failure(.EEXIST))
        #expect(runner.operation == 3, "the line ran again")
        #expect(write("bad\n", at: 0) == .failure(.EEXIST))
        #expect(runner.operation == 4, "a write at 0 that failed whole is no retry: the same write again runs")
    }

    @Test mutating func aRetryAfterSomethingElseRanRunsTheLine() {
        #expect(write("fork\nbad\n") == .success(5))
        runner.operation += 1                                       // another writer ran a line
        #expect(write("bad\n") == .failure(.EEXIST))
        #expect(runner.operation == 4, "the line ran again")
        #expect(write("fork\n", at: 0) == .success(5))
        #expect(runner.ran == ["fork", "fork"])
    }

    @Test mutating func aFailingLineContinuedFromAnEarlierRequest() {
        // write(2) returns the first request's bytes (cut at the page); the writer resends
        // from "d\n".
        let first = String(repeating: "fork\n", count: 818) + "bad ba"
        #expect(first.utf8.count == Self.page)
        #expect(write(first) == .success(Self.page))
        #expect(write("d\nfork\n") == .failure(.EEXIST))
        #expect(writer.failed?.bytes == Array("d\n".utf8))
        #expect(write("d\nfork\n") == .failure(.EEXIST))
        #expect(runner.ran.count == 818)
    }

    @Test mutating func anOverlongLineNeverRuns() {
        let long = String(repeating: "x", count: CtlWriter.maxLine + 1)
        #expect(write("comm " + long + "\n") == .failure(.EINVAL))
        #expect(write("fork\ncomm " + long + "\n", at: 0) == .success(5), "the good line before it runs")
        #expect(write("comm " + long) == .failure(.EINVAL), "a last line too long")
        // Cut at pages: the line is too long before its end arrives; its rest never runs.
        let y = String(repeating: "y", count: Self.page)
        #expect(write(y, at: 0) == .success(Self.page), "at most maxLine waits")
        #expect(write(y) == .failure(.EINVAL))
        #expect(write("fork\n", at: 2 * CtlWriter.page) == .failure(.EINVAL), "the rest of the long line")
        #expect(write("fork\n", at: 0) == .success(5))
        #expect(runner.ran == ["fork", "fork"])
    }
}
