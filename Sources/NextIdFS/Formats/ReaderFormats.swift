/// The reader's own entry (docs/interface.md §2.5): its real procfs text with the pids the
/// host's pid namespace shows replaced by what the reader's own namespace shows.
enum ReaderFormats {
    /// stat with field 1 = `pid`, and ppid (4), pgrp (5), session (6), tpgid (8) through
    /// `number` (host pid -> the reader's namespace's, 0 when it has none).
    static func stat(_ text: [UInt8], pid: Int32, number: (Int32) -> Int32) -> [UInt8] {
        guard let open = text.firstIndex(of: UInt8(ascii: " ")), let close = text.lastIndex(of: UInt8(ascii: ")")) else { return text }
        var fields = text[(close + 1)...].split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false).map(Array.init)
        // fields[0] is empty (the space after ')'); field N (N >= 3) is fields[N - 2].
        for n in [4, 5, 6, 8] where n - 2 < fields.count {
            guard let host = Int32(String(decoding: fields[n - 2], as: UTF8.self)), host > 0 else { continue }
            fields[n - 2] = Array(String(number(host)).utf8)
        }
        return Array(String(pid).utf8) + text[open...close] + Array(fields.joined(separator: [UInt8(ascii: " ")]))
    }

    /// status with Tgid, Pid, PPid, TracerPid and the NS* lines as the reader's namespace sees them.
    static func status(_ text: [UInt8], reader: Reader, pid: Int32, number: (Int32) -> Int32) -> [UInt8] {
        let lines = text.split(separator: Tokens.newline, omittingEmptySubsequences: false)
        let hostLines = StatusLines(text)
        var out: [UInt8] = []
        for (i, line) in lines.enumerated() {
            let key = line.prefix { $0 != UInt8(ascii: ":") }
            let replaced: String? = switch String(decoding: key, as: UTF8.self) {
            case "Tgid", "NStgid": "\(reader.pid)"
            case "Pid", "NSpid": "\(pid)"
            case "PPid", "TracerPid", "NSpgid", "NSsid":
                // The first number is the host's (the daemon's /proc is the host's).
                hostLines.first(String(decoding: key, as: UTF8.self)).map { $0 == 0 ? "0" : "\(number(Int32($0)))" }
            default: nil
            }
            if let replaced { out += key + Array(":\t\(replaced)".utf8) } else { out += line }
            if i < lines.count - 1 { out.append(Tokens.newline) }
        }
        return out
    }
}
