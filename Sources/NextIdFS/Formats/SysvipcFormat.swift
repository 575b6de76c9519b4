public import IdAllocators

/// /proc/sysvipc/{msg,sem,shm} as Linux prints them on 64-bit (ipc/msg.c, sem.c, shm.c
/// sysvipc_*_proc_show), objects in idx order.
public enum SysvipcFormat {
    public static func table(_ kind: IpcKind, _ rows: [IpcObjectView]) -> [UInt8] {
        var w = ByteWriter(capacity: 200 + rows.count * 120)
        switch kind {
        case .msg:
            w.append("       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime\n")
            for r in rows {
                // %10d %10d  %4o  %10lu %10lu %5u %5u %5u %5u %5u %5u %10llu %10llu %10llu
                prefix(&w, r)
                w.append("  ")
                w.append(0, width: 10)
                w.append(" ")
                w.append(0, width: 10)
                w.append(" ")
                w.append(0, width: 5)
                w.append(" ")
                w.append(0, width: 5)
                owners(&w, r)
                w.append(" ")
                w.append(0, width: 10)
                w.append(" ")
                w.append(0, width: 10)
                w.append(" ")
                w.append(r.ctime, width: 10)
                w.append("\n")
            }
        case .sem:
            w.append("       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n")
            for r in rows {
                // %10d %10d  %4o %10u %5u %5u %5u %5u %10llu %10llu
                prefix(&w, r)
                w.append(" ")
                w.append(r.nsems, width: 10)
                owners(&w, r)
                w.append(" ")
                w.append(0, width: 10)
                w.append(" ")
                w.append(r.ctime, width: 10)
                w.append("\n")
            }
        case .shm:
            w.append("       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap\n")
            for r in rows {
                // %10d %10d  %4o %21lu %5u %5u  %5lu %5u %5u %5u %5u %10llu %10llu %10llu %21lu %21lu
                prefix(&w, r)
                w.append(" ")
                w.append(r.size, width: 21)
                w.append(" ")
                w.append(r.creatorPid, width: 5)
                w.append(" ")
                w.append(0, width: 5)
                w.append("  ")
                w.append(0, width: 5)
                owners(&w, r)
                for value in [Int64(0), 0, r.ctime] {
                    w.append(" ")
                    w.append(value, width: 10)
                }
                w.append(" ")
                w.append(0, width: 21)
                w.append(" ")
                w.append(0, width: 21)
                w.append("\n")
            }
        }
        return w.bytes
    }

    /// `%10d %10d  %4o`: key, id, permission bits in octal.
    private static func prefix(_ w: inout ByteWriter, _ r: IpcObjectView) {
        w.append(r.key, width: 10)
        w.append(" ")
        w.append(r.id, width: 10)
        w.append("  ")
        w.append(r.mode, width: 4, radix: 8)
    }

    /// ` %5u %5u %5u %5u`: uid gid cuid cgid.
    private static func owners(_ w: inout ByteWriter, _ r: IpcObjectView) {
        for id in [r.uid, r.gid, r.cuid, r.cgid] {
            w.append(" ")
            w.append(id, width: 5)
        }
    }
}
