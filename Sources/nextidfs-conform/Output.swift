import SystemPackage

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
        _ = try? FileDescriptor.standardOutput.writeAll(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// A message on standard error (flush standard output first to keep the order).
    static func error(_ message: String) {
        _ = try? FileDescriptor.standardError.writeAll((message + "\n").utf8)
    }
}
