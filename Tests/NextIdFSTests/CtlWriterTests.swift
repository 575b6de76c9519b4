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

    mutating func write(_ text: String) -> Result<Int, Errno> { write(Array(text.utf8)) }

    mutating func write(_ bytes: [UInt8]) -> Result<Int, Errno> {
        let runner = runner
        return writer.write(bytes[...], operation: { runner.operation }, run: runner.run)
    }

    mutating func close(exiting: Bool = false) -> Errno? {
        writer.close(exiting: { exiting }, run: runner.run)
    }

    /// A batch cut into requests at every pair of positions (page cuts, writev segments, stdio
    /// blocks): the same lines run, each once, whole, and every request is taken whole.
    @Test func anyCutRunsTheSameWholeLines() async {
        let batch = Array("next_id LONG 5\nfork\ncomm a b\nsetgid 2001\n".utf8)
        await propertyCheck(count: 400, input: Gen.int(in: 0...batch.count), Gen.int(in: 0...batch.count)) { a, b in
            var test = CtlWriterTests()
            let cuts = [0, min(a, b), max(a, b), batch.count]
            for (from, to) in zip(cuts, cuts.dropFirst()) where from < to {
                #expect(test.write(Array(batch[from..<to])) == .success(to - from))
            }
            #expect(test.runner.ran == ["next_id LONG 5", "fork", "comm a b", "setgid 2001"])
            #expect(test.close() == nil)
            #expect(test.runner.ran.count == 4)
        }
    }

    @Test mutating func theIssuesWritevOf300Segments() {
        // writev([b'setgid 2', b'00', b'1\n'] * 100) arrives cut after 256 segments.
        let segments = Array(repeating: ["setgid 2", "00", "1\n"], count: 100).flatMap { $0 }
        #expect(write(segments.prefix(256).joined()) == .success(1028))
        #expect(write(segments.dropFirst(256).joined()) == .success(172))
        #expect(runner.ran == Array(repeating: "setgid 2001", count: 100))
    }

    @Test mutating func aLastLineWithoutNewlineWaitsForTheClose() {
        #expect(write("fork") == .success(4))
        #expect(runner.ran.isEmpty)
        #expect(close() == nil)
        #expect(runner.ran == ["fork"])
        #expect(write("bad one") == .success(7))
        #expect(close() == .EEXIST, "close(2) returns the waiting line's errno")
        #expect(close() == nil, "once")
    }

    @Test mutating func aWriterThatExitsDropsItsWaitingLine() {
        // printf killed between two 4096-byte blocks: "... msgrm 3" of "msgrm 32770".
        let block = String(repeating: "fork\n", count: 817) + "msg" + "rm 3"
        #expect(write(block) == .success(block.utf8.count))
        #expect(close(exiting: true) == .EINVAL)
        #expect(runner.ran.count == 817, "msgrm 3 never ran")
        #expect(writer.isIdle)
    }

    @Test mutating func aShortWriteAndTheRetryOfTheFailedLine() {
        #expect(write("fork\nbad\nfork\n") == .success(5))
        #expect(write("bad\nfork\n") == .failure(.EEXIST), "the retry answers the errno")
        #expect(runner.ran == ["fork"], "without running anything")
        #expect(write("bad\nfork\n") == .failure(.EEXIST), "a new write runs")
        #expect(runner.operation == 3)
    }

    @Test mutating func aRetryAfterSomethingElseRanRunsTheLine() {
        #expect(write("fork\nbad\n") == .success(5))
        runner.operation += 1                                       // another writer ran a line
        #expect(write("bad\n") == .failure(.EEXIST))
        #expect(runner.operation == 4, "the line ran again")
        #expect(write("fork\n") == .success(5))
        #expect(runner.ran == ["fork", "fork"])
    }

    @Test mutating func aFailingLineContinuedFromAnEarlierRequest() {
        // write(2) returns the first request's bytes; the writer resends from "d\n".
        #expect(write("fork\nba") == .success(7))
        #expect(write("d\nfork\n") == .failure(.EEXIST))
        #expect(writer.failed?.bytes == Array("d\n".utf8))
        #expect(write("d\nfork\n") == .failure(.EEXIST))
        #expect(runner.ran == ["fork"])
    }

    @Test mutating func anOverlongLineNeverRuns() {
        let long = String(repeating: "x", count: CtlWriter.maxLine + 1)
        #expect(write("comm " + long + "\n") == .failure(.EINVAL))
        #expect(write("fork\ncomm " + long + "\n") == .success(5), "the good line before it runs")
        // Cut: the line is too long before its end arrives; its rest never runs as a line.
        #expect(write(String(repeating: "y", count: 3000)) == .success(3000))
        #expect(write(String(repeating: "y", count: 3000)) == .failure(.EINVAL))
        #expect(write("fork\n") == .failure(.EINVAL), "the rest of the long line")
        #expect(write("fork\n") == .failure(.EINVAL), "the writer's retry of it")
        #expect(write("fork\n") == .success(5))
        #expect(write(String(repeating: "z", count: CtlWriter.maxLine)) == .success(CtlWriter.maxLine), "at most maxLine waits")
        #expect(write("z") == .failure(.EINVAL))
        #expect(close() == .EINVAL)
        #expect(runner.ran == ["fork", "fork"])
    }
}
