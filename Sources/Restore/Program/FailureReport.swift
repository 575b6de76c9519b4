#if canImport(Glibc)
import Glibc
#endif
import IdAllocators

/// What failed when a restore program stopped: bash names the line of the failing write and
/// the error; the tree says which of the write's actions did not happen (a write of many ctl
/// lines stops at the first failure).
///
///     restore: failed: process 4194304 (by thread 1): command "next_id LONG 4194304; fork": EINVAL
public enum FailureReport {
    /// `line`: where bash says the failing command starts; `error`: bash's message.
    public static func explain(program: String, line: Int, error: String, tree: any TreeReader) -> String {
        guard let writes = try? ProgramText.parse(program),
              let w = writes.last(where: { $0.line <= line }) else {
            return "restore: failed at program line \(line): \(error)"
        }
        let lines = String(decoding: w.data, as: UTF8.self).split(separator: "\n").map(String.init)
        let parts = w.path.split(separator: "/")
        guard parts.count == 4, parts[1] == "task", parts[3] == "ctl", let tgid = Int32(parts[0]), let tid = Int32(parts[2]) else {
            return "restore: failed: \(w.comment): command \"echo \(lines.joined(separator: "; ")) > \(w.path)\": \(errnoName(error))"
        }
        var errno = errnoName(error)
        if let readBack = tree.firstLine("task/\(tid)/ctl"), readBack.hasPrefix("-"), let name = readBack.split(separator: " ").last {
            errno = String(name)
        }
        let (object, command) = failedAction(lines, tgid: tgid, tree: tree) ?? (w.comment, lines)
        return "restore: failed: \(object) (by thread \(tid)): command \"\(shorten(command).joined(separator: "; "))\": \(errno)"
    }

    /// The first action of the write whose object is not there (a task or IPC object with the
    /// ids it forces), with its lines.
    static func failedAction(_ lines: [String], tgid: Int32, tree: any TreeReader) -> (String, [String])? {
        var pending: [String] = []
        for l in lines {
            if l.hasPrefix("next_id ") { pending.append(l); continue }
            let action = pending + [l]
            let ids = pending.last.map { $0.split(separator: " ").dropFirst(2).compactMap { Int32($0) } } ?? []
            pending = []
            guard let id = ids.last else { continue }
            let words = l.split(separator: " ")
            switch words.first {
            case "fork", "clone":
                let what = l.contains("thread") ? "thread \(id)" : "process \(id)"
                if tree.readLink("task/\(id)") == nil { return (what, action) }
            case let w? where w.hasSuffix("get"):
                let kind = String(w.dropLast(3))
                let table = tree.text("\(tgid)/sysvipc/\(kind)") ?? ""
                let present = table.split(separator: "\n").dropFirst().contains { $0.split(separator: " ").dropFirst().first == "\(id)" }
                if !present { return ("\(kind) \(id)", action) }
            default: break
            }
        }
        return nil
    }

    static func shorten(_ lines: [String]) -> [String] {
        lines.count <= 6 ? lines : Array(lines.prefix(6)) + ["... (\(lines.count - 6) more lines)"]
    }

    /// The errno name for bash's message ("write error: Invalid argument").
    static func errnoName(_ message: String) -> String {
        for e in Errno.known {
            if let text = strerror(e.rawValue), message.contains(String(cString: text)) { return e.name }
        }
        return message
    }
}
