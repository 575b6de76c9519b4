import IdAllocators

/// The restore program: plain shell text (bash) of `echo` and `printf` lines into the tree,
/// run as `bash PROGRAM MOUNTPOINT`. A reader can follow, diff and edit it; the in-process
/// runner reads the same lines back.
///
///     set -e
///     cd "$1"
///     # pid_max for the restore: helpers take pids below 4194304
///     echo 4194304 > sys/kernel/pid_max
///     # thread 1 makes processes 2 500
///     printf %s 'next_id LONG 2
///     fork
///     next_id LONG2 1 500
///     clone newpid
///     ' > 1/task/1/ctl
///
/// Every write is one command; a comment above it names what it does. A one-line write is an
/// `echo`; several lines are one `printf %s` of a quoted string with a line per ctl command
/// (bytes a quoted string cannot hold are written `$'\xHH'`).
public enum ProgramText {
    public static let header = """
        #!/bin/bash
        # nextidfs restore program: bash PROGRAM MOUNTPOINT (a freshly mounted nextidfs)
        set -e
        cd "$1"

        """

    public static func render(_ plan: Plan) -> String {
        // (on bytes, turned into a String once: appending to a String, a few times per ctl
        // line, was most of the rendering)
        var out = Array(header.utf8)
        func line(_ text: String) {
            out += text.utf8
            out.append(0x0a)
        }
        if !plan.summary.isEmpty { line("# \(plan.summary)") }
        for step in plan.steps {
            switch step {
            case .note(let text):
                line("# \(text)")
            case .sysctl(let name, let value, let process, let object):
                line("# \(object)")
                line("echo \(value) > \(process.map { "\($0)/" } ?? "")sys/kernel/\(name.rawValue)")
            case .ctl(let batch):
                line("# \(batch.note)")
                var text: [UInt8] = [], count = 0
                for action in batch.actions { count += action.write(into: &text) }
                command(text, lines: count, path: "\(batch.tgid)/task/\(batch.tid)/ctl", into: &out)
                out.append(0x0a)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// One write of `text` (`lines` ctl lines, each with its newline) into `path`.
    static func command(_ text: [UInt8], lines: Int, path: String, into out: inout [UInt8]) {
        let plain = text.allSatisfy { ($0 >= 0x20 && $0 < 0x7f && $0 != UInt8(ascii: "'")) || $0 == 0x0a }
        if !plain {
            out += "printf %s \(ansiQuoted(text)) > \(path)".utf8
        } else if lines == 1 {
            out += "echo \(shellWord(String(decoding: text.dropLast(), as: UTF8.self))) > \(path)".utf8
        } else {
            out += "printf %s '".utf8
            out += text
            out += "' > \(path)".utf8
        }
    }

    /// A word as is when the shell would take it so, else single-quoted.
    static func shellWord(_ s: String) -> String {
        let bare = !s.isEmpty && s.utf8.allSatisfy {
            ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z"))
                || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || "_-.,/".utf8.contains($0)
        }
        return bare ? s : "'\(s)'"
    }

    /// `$'...'`: printable bytes as they are, the rest as `\xHH`.
    static func ansiQuoted(_ bytes: [UInt8]) -> String {
        var out = "$'"
        for b in bytes {
            switch b {
            case UInt8(ascii: "'"), UInt8(ascii: "\\"): out += "\\" + String(UnicodeScalar(b))
            case 0x0a: out += "\\n"
            case 0x20..<0x7f: out.unicodeScalars.append(UnicodeScalar(b))
            default: out += "\\x" + (b < 16 ? "0" : "") + String(b, radix: 16)
            }
        }
        return out + "'"
    }
}

/// A program read back: its writes, with the line each starts on (bash's error messages name
/// that line) and the comment above it.
public struct ProgramWrite: Sendable, Equatable {
    public var line: Int
    public var path: String
    public var data: [UInt8]
    public var comment: String
}

public struct ProgramError: Error, Sendable, CustomStringConvertible {
    public var line: Int
    public var message: String
    public var description: String { "program line \(line): \(message)" }
}

extension ProgramText {
    /// The writes of a program in the forms `render` writes (and only those: `echo WORD > PATH`,
    /// `printf %s WORD > PATH`, comments, `set -e`, `cd "$1"`, blank lines).
    public static func parse(_ text: String) throws(ProgramError) -> [ProgramWrite] {
        var writes: [ProgramWrite] = []
        var comment = ""
        let bytes = Array(text.utf8)
        var i = 0
        var line = 1
        func fail(_ message: String) -> ProgramError { ProgramError(line: line, message: message) }
        while i < bytes.count {
            let end = bytes[i...].firstIndex(of: 0x0a) ?? bytes.count
            let head = String(decoding: bytes[i..<end], as: UTF8.self)
            if head.hasPrefix("#") {
                comment = String(head.dropFirst().drop { $0 == " " })
                i = end + 1; line += 1
                continue
            }
            if head.isEmpty || head == "set -e" || head == "cd \"$1\"" {
                i = end + 1; line += 1
                continue
            }
            let start = line
            var j: Int
            let echo = head.hasPrefix("echo ")
            if echo { j = i + 5 } else if head.hasPrefix("printf %s ") { j = i + 10 } else { throw fail("not a restore command: \(head)") }
            var word: [UInt8] = []
            guard try readWord(bytes, &j, &line, into: &word) else { throw fail("unterminated quote") }
            guard bytes[j...].starts(with: Array(" > ".utf8)) else { throw fail("expected ' > PATH'") }
            j += 3
            let pathEnd = bytes[j...].firstIndex(of: 0x0a) ?? bytes.count
            let path = String(decoding: bytes[j..<pathEnd], as: UTF8.self)
            guard !path.isEmpty, !path.contains(" ") else { throw fail("bad path '\(path)'") }
            writes.append(ProgramWrite(line: start, path: path, data: echo ? word + [0x0a] : word, comment: comment))
            i = pathEnd + 1; line += 1
        }
        return writes
    }

    /// A bare, '...' or $'...' word from `j`; false on an unterminated quote.
    static func readWord(_ bytes: [UInt8], _ j: inout Int, _ line: inout Int, into word: inout [UInt8]) throws(ProgramError) -> Bool {
        if bytes[j...].starts(with: Array("$'".utf8)) {
            j += 2
            while j < bytes.count, bytes[j] != UInt8(ascii: "'") {
                if bytes[j] == UInt8(ascii: "\\"), j + 1 < bytes.count {
                    switch bytes[j + 1] {
                    case UInt8(ascii: "n"): word.append(0x0a); j += 2
                    case UInt8(ascii: "x"):
                        guard j + 3 < bytes.count, let v = UInt8(String(decoding: bytes[(j + 2)...(j + 3)], as: UTF8.self), radix: 16) else {
                            throw ProgramError(line: line, message: "bad \\x escape")
                        }
                        word.append(v); j += 4
                    default: word.append(bytes[j + 1]); j += 2
                    }
                } else {
                    word.append(bytes[j]); j += 1
                }
            }
            guard j < bytes.count else { return false }
            j += 1
        } else if bytes[j] == UInt8(ascii: "'") {
            j += 1
            while j < bytes.count, bytes[j] != UInt8(ascii: "'") {
                if bytes[j] == 0x0a { line += 1 }
                word.append(bytes[j]); j += 1
            }
            guard j < bytes.count else { return false }
            j += 1
        } else {
            while j < bytes.count, bytes[j] != UInt8(ascii: " "), bytes[j] != 0x0a { word.append(bytes[j]); j += 1 }
        }
        return true
    }
}
