import IdAllocators

/// The ctl batch rule, for one writer: a line runs only when it is known to be whole.
///
/// A line ending in a newline is whole. The bytes after a request's last newline are the start
/// of a line that waits, however the write was cut (the kernel cuts a large write(2) at page
/// boundaries of the writer's buffer and a writev every 256 segments, stdio writes 4096-byte
/// blocks): the next request continues it. It runs when the writer closes the file (close(2)
/// returns its errno), and never if the writer is exiting by then (a writer killed, or exiting
/// without closing, may have been cut anywhere). A line is at most `maxLine` bytes; a longer one
/// fails with EINVAL, whole or waiting, and nothing of it runs.
///
/// Whole lines run in order as one batch and stop at the first failure. If lines before it ran,
/// the request is short: it takes the bytes through the last good line, and the writer sends the
/// rest again. That retry must not run the failed line a second time without what it consumed
/// (a pending id), so the writer remembers it: a request that starts with the same bytes, with
/// nothing run on the machine since, answers its errno and runs nothing. Anything else runs.
struct CtlWriter {
    static let maxLine = 4096

    /// One line to run: its bytes, or the errno it fails with without running (too long).
    typealias Line = Result<ArraySlice<UInt8>, Errno>

    /// What running lines did: how many succeeded before the first failure, its errno, and the
    /// machine's operation count after them.
    struct LinesRun {
        var completed: Int
        var failure: Errno?
        var operation: UInt64
    }

    struct Failure: Equatable {
        /// The bytes the writer's retry starts with: the failed line, without what an earlier
        /// request sent of it.
        var bytes: [UInt8]
        var errno: Errno
        var operation: UInt64
    }

    /// The start of a line not known to be whole yet.
    private(set) var held: [UInt8] = []
    /// The waiting line passed `maxLine`: its bytes are dropped and it fails when it ends.
    private(set) var overlong = false
    private(set) var failed: Failure?

    var isIdle: Bool { held.isEmpty && !overlong && failed == nil }

    /// One write request: the bytes it takes, or its errno. `operation` is the machine's current
    /// operation count (asked only when a failed line is remembered); `run` runs whole lines.
    mutating func write(_ data: ArraySlice<UInt8>, operation: () -> UInt64, run: ([Line]) -> LinesRun) -> Result<Int, Errno> {
        if let failure = failed {
            failed = nil
            if data.starts(with: failure.bytes), operation() == failure.operation { return .failure(failure.errno) }
        }
        let heldCount = held.count
        let bytes = held.isEmpty ? data : ArraySlice(held + data)
        let continuesOverlong = overlong
        held = []
        overlong = false

        var lines: [Line] = []
        var starts: [Int] = []
        var ends: [Int] = []
        var start = bytes.startIndex
        while let newline = bytes[start...].firstIndex(of: Tokens.newline) {
            let tooLong = (lines.isEmpty && continuesOverlong) || newline - start > CtlWriter.maxLine
            lines.append(tooLong ? .failure(.EINVAL) : .success(bytes[start..<newline]))
            starts.append(start - bytes.startIndex)
            ends.append(newline + 1 - bytes.startIndex)
            start = newline + 1
        }
        let tail = bytes[start...]
        let tailTooLong = (lines.isEmpty && continuesOverlong) || tail.count > CtlWriter.maxLine

        if !lines.isEmpty {
            let outcome = run(lines)
            if let errno = outcome.failure {
                let k = outcome.completed
                let retried = bytes.startIndex + max(starts[k], heldCount)..<bytes.startIndex + ends[k]
                failed = Failure(bytes: Array(bytes[retried]), errno: errno, operation: outcome.operation)
                return k == 0 ? .failure(errno) : .success(ends[k - 1] - heldCount)
            }
        }
        if tailTooLong {
            guard let lastEnd = ends.last else {
                overlong = true
                return .failure(.EINVAL)
            }
            return .success(lastEnd - heldCount)  // the writer sends the long line again, alone
        }
        held = Array(tail)
        return .success(data.count)
    }

    /// The writer closes the file: a waiting line runs now (its errno for close), unless the
    /// closer is exiting: then it is dropped (EINVAL, which an exiting process does not see).
    /// The remembered failure goes either way.
    mutating func close(exiting: () -> Bool, run: ([Line]) -> LinesRun) -> Errno? {
        defer { self = CtlWriter() }
        guard !held.isEmpty || overlong else { return nil }
        if overlong || exiting() { return .EINVAL }
        return run([.success(held[...])]).failure
    }
}

/// The batch state of every writer of one ctl file, by the kernel's lock owner (which names the
/// writer's file descriptor table): a process that shares the open file after fork(2) writes its
/// own lines, and one writer's close never runs another's waiting line.
final class CtlWriters: Sendable {
    private let writers = Lock<[UInt64: CtlWriter]>([:])

    /// `body` on `owner`'s state, alone: one writer's requests and close go one at a time.
    func with<R>(_ owner: UInt64, _ body: (inout CtlWriter) -> R) -> R {
        writers.withLock { table in
            var writer = table.removeValue(forKey: owner) ?? CtlWriter()
            defer { if !writer.isIdle { table[owner] = writer } }
            return body(&writer)
        }
    }
}
