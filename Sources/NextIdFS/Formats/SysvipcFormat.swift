public import IdAllocators

/// /proc/sysvipc/{msg,sem,shm} as Linux prints them on 64-bit (ipc/msg.c, sem.c, shm.c
/// sysvipc_*_proc_show), objects in idx order. Each table is its kernel format string written
/// as columns: the blanks before a field, its width, and where its value comes from.
public enum SysvipcFormat {
    public static func table(_ kind: IpcKind, _ rows: [IpcObjectView]) -> [UInt8] {
        var w = ByteWriter(capacity: 200 + rows.count * 160)
        let (header, columns) = layout(kind)
        w.append(header)
        for row in rows {
            for column in columns {
                w.append(bytes: repeatElement(UInt8(ascii: " "), count: column.gap))
                w.append(column.value(row), width: column.width, radix: column.octal ? 8 : 10)
            }
            w.append("\n")
        }
        return w.bytes
    }

    /// sysvipc/ids: one line per type, `kind seq last_idx idr_next` (ipc_ids' seq and last_idx,
    /// the idr's cyclic cursor).
    public static func allocators(_ states: [IpcAllocatorState]) -> [UInt8] {
        var w = ByteWriter(capacity: 120)
        w.append("kind seq last_idx idr_next\n")
        for s in states {
            w.append(s.kind.name)
            w.append(" ")
            w.appendLine([s.seq, s.lastIdx, s.cursor])
        }
        return w.bytes
    }

    struct Column: Sendable {
        var gap = 1
        var width: Int
        var octal = false
        var value: @Sendable (IpcObjectView) -> Int128
    }

    static func zero(_ width: Int) -> Column { Column(width: width) { _ in 0 } }

    /// `%10d %10d  %4o`: key, id, permission bits.
    static let identity = [
        Column(gap: 0, width: 10) { Int128($0.key) },
        Column(width: 10) { Int128($0.id) },
        Column(gap: 2, width: 4, octal: true) { Int128($0.mode) },
    ]

    /// ` %5u %5u %5u %5u`: uid gid cuid cgid.
    static let owners = [
        Column(width: 5) { Int128($0.uid) }, Column(width: 5) { Int128($0.gid) },
        Column(width: 5) { Int128($0.cuid) }, Column(width: 5) { Int128($0.cgid) },
    ]

    static let ctime = Column(width: 10) { Int128($0.ctime) }

    // key msqid perms cbytes qnum lspid lrpid uid gid cuid cgid stime rtime ctime:
    // %10d %10d  %4o  %10lu %10lu %5u %5u %5u %5u %5u %5u %10llu %10llu %10llu
    static let msg: (StaticString, [Column]) = (
        "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime\n",
        identity + [Column(gap: 2, width: 10) { _ in 0 }, zero(10), zero(5), zero(5)] + owners + [zero(10), zero(10), ctime])
    // key semid perms nsems uid gid cuid cgid otime ctime:
    // %10d %10d  %4o %10u %5u %5u %5u %5u %10llu %10llu
    static let sem: (StaticString, [Column]) = (
        "       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n",
        identity + [Column(width: 10) { Int128($0.nsems) }] + owners + [zero(10), ctime])
    // key shmid perms size cpid lpid nattch uid gid cuid cgid atime dtime ctime rss swap:
    // %10d %10d  %4o %21lu %5u %5u  %5lu %5u %5u %5u %5u %10llu %10llu %10llu %21lu %21lu
    static let shm: (StaticString, [Column]) = (
        "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap\n",
        identity + [Column(width: 21) { Int128($0.size) }, Column(width: 5) { Int128($0.creatorPid) }, zero(5),
                    Column(gap: 2, width: 5) { _ in 0 }] + owners + [zero(10), zero(10), ctime, zero(21), zero(21)])

    /// Built once: a table read takes its columns as they are.
    static func layout(_ kind: IpcKind) -> (StaticString, [Column]) {
        switch kind {
        case .msg: msg
        case .sem: sem
        case .shm: shm
        }
    }
}
