import Glibc
import IdAllocators
import NextIdFS

/// One operation script (docs/ops-format.md): an optional `pid_max N` header and lines
/// `T COMMAND`. Parsed exactly as tools/kernelrun parses it, so that both sides run the same
/// operations on the same line numbers.
struct Script {
    struct Operation {
        /// 1-based line number in the file (comments and blank lines count).
        var line: Int
        var handle: Int
        /// Everything after the handle's digits, blanks included (the ctl line as written).
        var command: String
    }

    var path: String
    var pidMax: Int
    var operations: [Operation]

    enum ParseError: Error, CustomStringConvertible {
        case unreadable(path: String, errno: Errno)
        case badHeader(path: String, line: Int)
        case notAnOperation(path: String, line: Int, text: String)

        var description: String {
            switch self {
            case .unreadable(let path, let e): "\(path): \(FileIO.errorMessage(e))"
            case .badHeader(let path, let line): "\(path):\(line): bad pid_max header"
            case .notAnOperation(let path, let line, let text): "\(path):\(line): not an operation (\"T COMMAND\"): \(text)"
            }
        }
    }

    static func load(_ path: String) throws(ParseError) -> Script {
        switch FileIO.read(path) {
        case .failure(let e): throw .unreadable(path: path, errno: e)
        case .success(let bytes): return try parse(String(decoding: bytes, as: UTF8.self), path: path)
        }
    }

    static func parse(_ text: String, path: String) throws(ParseError) -> Script {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // kernelrun splits at newlines: a final newline does not start another line.
        if lines.last == "" { lines.removeLast() }
        var pidMax = Limits.defaultPidMax
        var headerIndex: Int? = nil
        if let first = lines.firstIndex(where: { !isBlankOrComment($0) }) {
            let words = Words.split(Substring(lines[first]))
            if words.first == "pid_max" {
                guard words.count == 2, let v = Tokens.unsignedDecimal(words[1].utf8, max: UInt64(Limits.pidMaxLimit)),
                      v >= Limits.pidMaxMin else {
                    throw .badHeader(path: path, line: first + 1)
                }
                pidMax = Int(v)
                headerIndex = first
            }
        }
        var operations: [Operation] = []
        for (index, line) in lines.enumerated() where index != headerIndex && !isBlankOrComment(line) {
            guard let op = operation(line, number: index + 1) else {
                throw .notAnOperation(path: path, line: index + 1, text: line)
            }
            operations.append(op)
        }
        return Script(path: path, pidMax: pidMax, operations: operations)
    }

    static func isBlankOrComment(_ line: String) -> Bool {
        let rest = line.drop { $0 == " " || $0 == "\t" }
        return rest.isEmpty || rest.first == "#"
    }

    /// `T COMMAND`: digits (at most 2^31-1), then a blank or the end of the line.
    static func operation(_ line: String, number: Int) -> Operation? {
        let rest = Substring(line).drop { $0 == " " || $0 == "\t" }
        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        let command = rest.dropFirst(digits.count)
        guard let handle = Tokens.unsignedDecimal(digits.utf8, max: UInt64(Int32.max)) else { return nil }
        if let next = command.first, next != " " && next != "\t" { return nil }
        return Operation(line: number, handle: Int(handle), command: String(command))
    }
}
