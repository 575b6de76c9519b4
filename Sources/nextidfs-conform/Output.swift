import Glibc

/// Buffered standard output without Foundation or the C `stdout` global (not concurrency-safe
/// in Swift 6): whole lines into a buffer, written to fd 1 in large chunks.
struct Output {
    private var buffer: [UInt8] = []

    init() { buffer.reserveCapacity(1 << 16) }

    mutating func line(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        buffer.append(10)
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        Output.writeAll(1, buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// A message on standard error (flush standard output first to keep the order).
    static func error(_ message: String) {
        writeAll(2, Array((message + "\n").utf8))
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        var done = 0
        while done < bytes.count {
            let n = bytes[done...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            done += n
        }
    }
}
