import IdAllocators

/// Reading procfs-style text back into values: status fields and /proc/sysvipc tables, parsed
/// as tools/kernelrun parses the kernel's own files.
enum ProcText {
    /// The numbers of a status line such as `NSpid:\t1\t5`.
    static func statusField(_ text: String, _ name: String) -> [Int64]? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            return line.dropFirst(name.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { Int64($0) }
        }
        return nil
    }

    /// state ppid pgrp session flags (fields 3 to 6 and 9) and exit_code (52) of a stat line;
    /// the name in parentheses may hold anything, so the fields count from its last `)`.
    static func stat(_ line: String) -> StatFields? {
        guard let close = line.lastIndex(of: ")") else { return nil }
        let f = line[line.index(after: close)...].split(separator: " ").map { String($0.trimmingNewline) }
        // f[0] is field 3; field n is f[n - 3].
        guard f.count == 50, let state = f[0].first, let ppid = Int32(f[1]), let pgrp = Int32(f[2]),
              let session = Int32(f[3]), let flags = UInt32(f[6]), let exitCode = Int32(f[49]) else { return nil }
        return StatFields(state: state, ppid: ppid, pgrp: pgrp, session: session, flags: flags, exitCode: exitCode)
    }

    /// One row per line after the header:
    /// msg `key msqid perms cbytes qnum lspid lrpid uid gid cuid cgid ...`,
    /// sem `key semid perms nsems uid gid cuid cgid ...`,
    /// shm `key shmid perms size cpid lpid nattch uid gid cuid cgid ...`.
    static func sysvipc(_ kind: IpcKind, _ text: String) -> [IpcRow]? {
        var rows: [IpcRow] = []
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: " ").map(String.init)
            let owners = kind == .sem ? 4 : 7
            guard f.count >= owners + 4, let key = Int32(f[0]), let id = Int32(f[1]), let mode = UInt32(f[2], radix: 8),
                  let uid = UInt32(f[owners]), let gid = UInt32(f[owners + 1]),
                  let cuid = UInt32(f[owners + 2]), let cgid = UInt32(f[owners + 3]) else { return nil }
            let extra = kind == .msg ? 0 : UInt64(f[3])
            guard let extra else { return nil }
            rows.append(IpcRow(kind: kind, id: id, key: key, mode: mode, uid: uid, gid: gid, cuid: cuid, cgid: cgid, extra: extra))
        }
        return rows
    }
}

extension StringProtocol {
    var trimmingNewline: String {
        var s = String(self)
        while s.last == "\n" { s.removeLast() }
        return s
    }
}
