import IdAllocators

/// The ctl batch rule, for one writer (a thread, by its tid, on one ctl file): a line runs only
/// when it is known to be whole. The daemon gets no open and no close of the file (the kernel
/// sends neither), only write requests with their file offsets, so the rule is in those terms.
///
/// A line ending in a newline is whole. The bytes after a request's last newline are the last
/// line of the write and run with it, unless the request ends at a file offset that is a
/// multiple of `page`: the kernel cuts a large write(2) only there (at max_write, a multiple of
/// the page size, or at the end of the first page when the write starts inside a page), and
/// stdio writes `page`-sized blocks from offset 0. Such a line waits; the same writer's next
/// request at exactly that offset continues it. Any other request drops it unrun (a writer
/// killed between two blocks never runs its cut line), and so does a writer that never writes
/// again: without a close there is no errno to report. A request at offset 0 starts a new batch.
/// A line is at most `maxLine` bytes; a longer one fails with EINVAL, whole or waiting, and
/// nothing of it runs.
///
/// Whole lines run in order as one batch and stop at the first failure. If lines before it ran,
/// the request is short: it takes the bytes through the last good line, and the writer sends the
/// rest again at the offset after them. That retry must not run the failed line a second time
/// without what it consumed (a pending id), so the writer remembers it: a request at that offset
/// (never 0) that starts with the same bytes, with nothing run on the machine since, answers its
/// errno and runs nothing. Anything else runs.
struct CtlWriter {
    static let maxLine = 4096
    static let page: Int64 = 4096

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
        /// Where the retry writes them.
        var offset: Int64
        var errno: Errno
        var operation: UInt64
    }

    /// The start of a line not known to be whole yet, and the offset that continues it.
    private(set) var held: [UInt8] = []
    private(set) var heldAt: Int64 = 0
    /// The waiting line passed `maxLine`: its bytes are dropped and it fails when it ends.
    private(set) var overlong = false
    private(set) var failed: Failure?

    var isIdle: Bool { held.isEmpty && !overlong && failed == nil }

    /// One write request of `data` at file offset `offset`: the bytes it takes, or its errno.
    /// `operation` is the machine's current operation count (asked only when a failed line is
    /// remembered); `run` runs whole lines.
    mutating func write(_ data: ArraySlice<UInt8>, at offset: Int64, operation: () -> UInt64, run: ([Line]) -> LinesRun) -> Result<Int, Errno> {
        if let failure = failed {
            failed = nil
            if offset == failure.offset, data.starts(with: failure.bytes), operation() == failure.operation {
                return .failure(failure.errno)
            }
        }
        let continues = offset != 0 && offset == heldAt && (!held.isEmpty || overlong)
        let heldCount = continues ? held.count : 0
        let bytes = heldCount == 0 ? data : ArraySlice(held + data)
        let continuesOverlong = continues && overlong
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
        let end = offset + Int64(data.count)
        let mayBeCut = !tail.isEmpty && end % CtlWriter.page == 0
        if !tail.isEmpty && !mayBeCut {
            // The last line of the write: it runs with the others.
            lines.append(tailTooLong ? .failure(.EINVAL) : .success(tail))
            starts.append(start - bytes.startIndex)
            ends.append(bytes.count)
        }

        if !lines.isEmpty {
            let outcome = run(lines)
            if let errno = outcome.failure {
                let k = outcome.completed
                let retried = bytes.startIndex + max(starts[k], heldCount)..<bytes.startIndex + ends[k]
                let taken = k == 0 ? 0 : ends[k - 1] - heldCount
                // A write(2) that failed whole is not retried; a retry is at the offset after
                // what was taken, never at 0 (which starts a new batch).
                if offset + Int64(taken) > 0 {
                    failed = Failure(bytes: Array(bytes[retried]), offset: offset + Int64(taken), errno: errno, operation: outcome.operation)
                }
                return k == 0 ? .failure(errno) : .success(taken)
            }
        }
        guard mayBeCut else { return .success(data.count) }
        if tailTooLong {
            guard let lastEnd = ends.last else {
                overlong = true
                heldAt = end
                return .failure(.EINVAL)
            }
            return .success(lastEnd - heldCount)  // the writer sends the long line again, alone
        }
        held = Array(tail)
        heldAt = end
        return .success(data.count)
    }
}

/// The batch state of every writer of every ctl file, by file and by the writing thread's tid
/// (which FUSE gives with each request): threads and processes that share an open file write
/// their own lines, and one writer's request never continues another's waiting line.
final class CtlWriters: Sendable {
    struct Key: Hashable {
        var inode: UInt64
        var tid: Int32
    }

    private let writers = Lock<[Key: CtlWriter]>([:])

    /// `body` on the state of `key`'s writer, alone: one writer's requests go one at a time.
    func with<R>(_ key: Key, _ body: (inout CtlWriter) -> R) -> R {
        writers.withLock { table in
            var writer = table.removeValue(forKey: key) ?? CtlWriter()
            defer { if !writer.isIdle { table[key] = writer } }
            return body(&writer)
        }
    }
}
