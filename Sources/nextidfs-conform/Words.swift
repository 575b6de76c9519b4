/// Blank-separated words and the decimal numbers of the script format.
enum Words {
    static func split(_ text: Substring) -> [String] {
        text.split(whereSeparator: { (c: Character) in c == " " || c == "\t" }).map(String.init)
    }

    /// Digits only, value at most `max` (kernelrun's parse_udec).
    static func unsignedDecimal(_ text: String, max: UInt64) -> UInt64? {
        guard !text.isEmpty, text.utf8.count <= 20, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        guard let v = UInt64(text), v <= max else { return nil }
        return v
    }
}
