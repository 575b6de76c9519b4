import SystemPackage

/// The real process behind a request (fuse_req_ctx): its credentials, its pid in the daemon's
/// pid namespace (0 when the daemon cannot see it), and the file descriptor table it uses (the
/// kernel's lock owner: one per process, shared by its threads, copied by fork).
public struct Caller: Sendable {
    public var uid: UInt32
    public var gid: UInt32
    public var lockOwner: UInt64
    public var pid: Int32

    public init(uid: UInt32, gid: UInt32, lockOwner: UInt64 = 0, pid: Int32 = 0) {
        self.uid = uid
        self.gid = gid
        self.lockOwner = lockOwner
        self.pid = pid
    }

    /// Whether the process is exiting (see `isExiting(pid:)`).
    var isExiting: Bool { NextIdFS.isExiting(pid: pid) }
}

/// Whether the process `pid` is exiting: PF_EXITING (0x4) in the flags field of /proc/PID/stat,
/// which do_exit sets before it closes the process's files. A process the daemon cannot see
/// (pid 0: another pid namespace) counts as exiting.
func isExiting(pid: Int32) -> Bool {
    guard pid > 0, let stat = try? SystemIO.read("/proc/\(pid)/stat", limit: 1024) else { return true }
    // After "pid (comm) ": state ppid pgrp session tty_nr tpgid flags.
    guard let commEnd = stat.lastIndex(of: UInt8(ascii: ")")) else { return true }
    let fields = stat[(commEnd + 1)...].split(separator: UInt8(ascii: " "))
    guard fields.count > 6, let flags = UInt64(String(decoding: fields[6], as: UTF8.self)) else { return true }
    return flags & 0x4 != 0
}
