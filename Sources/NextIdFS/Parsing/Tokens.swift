/// Byte-level helpers shared by the parsers (and nextidfs-conform's script parser): blanks,
/// decimal and C-style numbers.
public enum Tokens {
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let newline = UInt8(ascii: "\n")

    static func isBlank(_ b: UInt8) -> Bool { b == space || b == tab }

    /// Splits on runs of spaces and tabs; leading and trailing blanks are fine.
    static func words(_ line: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        line.split(whereSeparator: isBlank)
    }

    static func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

    /// Digits only, at most `max`; nil on anything else (sign, blank, empty, overflow).
    public static func unsignedDecimal(_ word: some Collection<UInt8>, max: UInt64) -> UInt64? {
        guard !word.isEmpty, word.count <= 20 else { return nil }
        var value: UInt64 = 0
        for b in word {
            guard isDigit(b) else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(b - UInt8(ascii: "0")))
            guard !o1, !o2 else { return nil }
            value = s
        }
        return value <= max ? value : nil
    }

    /// An optional minus sign and digits, within `range`.
    static func signedDecimal(_ word: ArraySlice<UInt8>, in range: ClosedRange<Int64>) -> Int64? {
        if word.first == UInt8(ascii: "-") {
            guard let magnitude = unsignedDecimal(word.dropFirst(), max: UInt64(Int64.max) + 1) else { return nil }
            let value = magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
            return range.contains(value) ? value : nil
        }
        guard let value = unsignedDecimal(word, max: UInt64(Int64.max)) else { return nil }
        return range.contains(Int64(value)) ? Int64(value) : nil
    }

    /// A C integer literal without sign: 0x/0X hex, a leading 0 octal, else decimal.
    static func cLiteral(_ word: ArraySlice<UInt8>, max: UInt64) -> UInt64? {
        var digits = word
        var radix: UInt64 = 10
        if word.count > 2, word.first == UInt8(ascii: "0"), word.dropFirst().first.map({ $0 | 0x20 }) == UInt8(ascii: "x") {
            digits = word.dropFirst(2)
            radix = 16
        } else if word.count > 1, word.first == UInt8(ascii: "0") {
            digits = word.dropFirst()
            radix = 8
        }
        guard !digits.isEmpty else { return nil }
        var value: UInt64 = 0
        for b in digits {
            guard let d = digitValue(b), d < radix else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: radix)
            let (s, o2) = m.addingReportingOverflow(d)
            guard !o1, !o2 else { return nil }
            value = s
        }
        return value <= max ? value : nil
    }

    static func digitValue(_ b: UInt8) -> UInt64? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt64(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt64(b - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt64(b - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    static func equals(_ word: ArraySlice<UInt8>, _ text: StaticString) -> Bool {
        word.elementsEqual(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }
}
