public import IdAllocators

/// Integers written to the sysctl files, parsed as the kernel's proc_dointvec does: leading
/// white space skipped, an optional minus, then a C literal (0x hex, leading-0 octal, decimal;
/// strtoul with base 0). After the number only blanks and newlines may follow: the kernel would
/// accept `5 abc` through a short write, docs/interface.md §5.3 makes it EINVAL.
public enum KernelInteger {
    /// What a write to a sysctl file holds, for the kernel.
    public static func sysctlInput(_ text: some Collection<UInt8>) -> SysctlInput {
        parse(text).map(SysctlInput.number) ?? .notANumber
    }


    /// nil: not a number (the caller answers EINVAL after its permission check).
    public static func parse(_ text: some Collection<UInt8>) -> Int64? {
        var bytes = ArraySlice(text)
        while let b = bytes.first, isSpace(b) { bytes = bytes.dropFirst() }
        var negative = false
        if bytes.first == UInt8(ascii: "-"), bytes.count > 1 {
            negative = true
            bytes = bytes.dropFirst()
        }
        guard let first = bytes.first, Tokens.isDigit(first) else { return nil }
        let end = numberEnd(bytes)
        let literal = bytes[bytes.startIndex..<end]
        // TMPBUFLEN: the kernel refuses numbers of 21 or more characters.
        guard literal.count + (negative ? 1 : 0) < 21 else { return nil }
        guard let magnitude = Tokens.cLiteral(literal, max: UInt64(Int64.max)) else { return nil }
        let rest = bytes[end...]
        if let separator = rest.first {
            guard separator == Tokens.space || separator == Tokens.tab || separator == Tokens.newline else { return nil }
            guard rest.allSatisfy(isSpace) else { return nil }
        }
        return negative ? -Int64(magnitude) : Int64(magnitude)
    }

    /// Where strtoul(base 0) stops reading.
    static func numberEnd(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8>.Index {
        var i = bytes.startIndex
        let hex = bytes.count > 2 && bytes.first == UInt8(ascii: "0") && (bytes[bytes.startIndex + 1] | 0x20) == UInt8(ascii: "x")
            && Tokens.digitValue(bytes[bytes.startIndex + 2]) != nil
        if hex {
            i += 2
            while i < bytes.endIndex, Tokens.digitValue(bytes[i]) != nil { i += 1 }
            return i
        }
        let octal = bytes.first == UInt8(ascii: "0")
        while i < bytes.endIndex, let d = Tokens.digitValue(bytes[i]), d < (octal ? 8 : 10) { i += 1 }
        return i
    }

    /// isspace() in the kernel's sense.
    static func isSpace(_ b: UInt8) -> Bool {
        b == 0x20 || (0x09...0x0D).contains(b)
    }
}
