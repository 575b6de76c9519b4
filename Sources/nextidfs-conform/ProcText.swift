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
