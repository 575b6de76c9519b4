public import IdAllocators

/// The next_id write grammar (docs/interface.md §3.1):
///
///     LONG X                 one id
///     LONG<n> X0 ... X<n-1>  n in 1...32, X0 for the innermost namespace
///     clear                  drop the pending ids
///
/// One line, optional trailing newline, blanks are spaces or tabs, each X decimal in
/// 0...2147483647. Anything else is EINVAL.
public enum NextIdGrammar {
    public static let maxWrite = 4096

    /// nil result: `clear`.
    public static func parse(_ text: some Collection<UInt8>) -> Result<PendingIds?, Errno> {
        var line = ArraySlice(text)
        guard line.count <= maxWrite else { return .failure(.EINVAL) }
        if line.last == Tokens.newline { line = line.dropLast() }
        guard !line.contains(Tokens.newline) else { return .failure(.EINVAL) }
        return parseLine(line)
    }

    /// One line without its newline (also the rest of a ctl `next_id` command).
    public static func parseLine(_ line: ArraySlice<UInt8>) -> Result<PendingIds?, Errno> {
        let words = Tokens.words(line)
        guard let first = words.first else { return .failure(.EINVAL) }
        if Tokens.equals(first, "clear") {
            return words.count == 1 ? .success(nil) : .failure(.EINVAL)
        }
        guard let count = idCount(first), words.count == count + 1 else { return .failure(.EINVAL) }
        var ids: [Int32] = []
        ids.reserveCapacity(count)
        for word in words.dropFirst() {
            guard let x = Tokens.unsignedDecimal(word, max: UInt64(Int32.max)) else { return .failure(.EINVAL) }
            ids.append(Int32(x))
        }
        guard let pending = PendingIds(ids) else { return .failure(.EINVAL) }
        return .success(pending)
    }

    /// `LONG` is one id; `LONG<n>` is n, written without sign or leading zero.
    static func idCount(_ word: ArraySlice<UInt8>) -> Int? {
        let prefix: StaticString = "LONG"
        guard word.count >= 4, Tokens.equals(word.prefix(4), prefix) else { return nil }
        let digits = word.dropFirst(4)
        if digits.isEmpty { return 1 }
        guard digits.first != UInt8(ascii: "0"), let n = Tokens.unsignedDecimal(digits, max: UInt64(Limits.maxPendingIds)) else {
            return nil
        }
        return Int(n)
    }

    /// What reading next_id shows: empty, or the canonical line.
    public static func render(_ ids: PendingIds?) -> [UInt8] {
        guard let ids else { return [] }
        return Array((ids.description + "\n").utf8)
    }
}
