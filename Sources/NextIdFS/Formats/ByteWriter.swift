/// Builds file content as bytes, with the fixed-width integer formats procfs uses.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    mutating func append(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    mutating func append(_ text: String) { bytes.append(contentsOf: text.utf8) }

    mutating func append(bytes more: some Sequence<UInt8>) { bytes.append(contentsOf: more) }

    mutating func append(byte: UInt8) { bytes.append(byte) }

    /// Numbers separated by single spaces, then a newline: a line of a table of numbers.
    mutating func appendLine(_ values: [Int]) {
        for (i, v) in values.enumerated() {
            if i > 0 { append(byte: UInt8(ascii: " ")) }
            append(v)
        }
        append(byte: UInt8(ascii: "\n"))
    }

    /// `%d` / `%u` / `%lu`: decimal, right-aligned in `width` columns.
    mutating func append(_ value: some BinaryInteger, width: Int = 0, radix: Int = 10) {
        var digits: [UInt8] = []
        var magnitude = value.magnitude
        let r = type(of: magnitude).init(radix)
        repeat {
            let d = UInt8(truncatingIfNeeded: Int(magnitude % r))
            digits.append(d < 10 ? UInt8(ascii: "0") + d : UInt8(ascii: "a") + d - 10)
            magnitude /= r
        } while magnitude != 0
        if value < 0 { digits.append(UInt8(ascii: "-")) }
        if digits.count < width { bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: width - digits.count)) }
        bytes.append(contentsOf: digits.reversed())
    }
}
