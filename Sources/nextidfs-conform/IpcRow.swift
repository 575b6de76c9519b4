import IdAllocators

/// One row of /proc/sysvipc/*, as the output format shows it:
/// `id:key:mode:uid:gid:cuid:cgid[:nsems|:size]` (key decimal, mode octal).
struct IpcRow: Equatable {
    var kind: IpcKind
    var id: Int32
    var key: Int32
    var mode: UInt32
    var uid: UInt32
    var gid: UInt32
    var cuid: UInt32
    var cgid: UInt32
    /// nsems for sem, size for shm; unused for msg.
    var extra: UInt64

    var token: String {
        let base = "\(id):\(key):\(String(mode, radix: 8)):\(uid):\(gid):\(cuid):\(cgid)"
        return kind == .msg ? base : base + ":\(extra)"
    }
}
