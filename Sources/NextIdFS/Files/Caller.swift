/// The real thread behind a request (fuse_req_ctx): its credentials and its tid in the daemon's
/// pid namespace (0 when the daemon cannot see it).
public struct Caller: Sendable {
    public var uid: UInt32
    public var gid: UInt32
    public var pid: Int32

    public init(uid: UInt32, gid: UInt32, pid: Int32 = 0) {
        self.uid = uid
        self.gid = gid
        self.pid = pid
    }
}
