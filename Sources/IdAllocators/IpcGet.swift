/// The arguments of msgget, semget and shmget.
public struct IpcGetRequest: Sendable, Equatable {
    /// IPC_PRIVATE: a key no other get finds.
    public static let privateKey: Int32 = 0

    public var kind: IpcKind
    public var key: Int32
    public var flags: IpcFlags
    /// semget only.
    public var nsems: Int32
    /// shmget only.
    public var size: UInt64

    public init(kind: IpcKind, key: Int32, flags: IpcFlags, nsems: Int32 = 0, size: UInt64 = 0) {
        self.kind = kind
        self.key = key
        self.flags = flags
        self.nsems = nsems
        self.size = size
    }
}

/// ipcget (ipc/util.c) with msgget/semget/shmget's own checks: key semantics, then creation.
extension Machine {
    func ipcGet(actor: TaskIndex, _ request: IpcGetRequest) -> Result<Int64, Errno> {
        let process = groupLeader(actor)
        let ns = tasks[Int(process)].ipcNamespace
        let ids = ipcNamespaces[Int(ns)].ids[request.kind.rawValue]

        // ksys_semget checks nsems before looking at the key.
        if request.kind == .sem && (request.nsems < 0 || Int(request.nsems) > Limits.semmsl) {
            return .failure(.EINVAL)
        }
        if request.key != IpcGetRequest.privateKey {
            if let idx = ids.byKey[request.key], let existing = ids.objects[idx] {
                return ipcGetExisting(existing, request, process: process)
            }
            guard request.flags.contains(.create) else { return .failure(.ENOENT) }
        }
        return ipcCreate(actor: actor, request, namespace: ns)
    }

    /// ipcget_public on a key in use: EEXIST with IPC_CREAT|IPC_EXCL, the type's more_checks,
    /// then ipcperms.
    func ipcGetExisting(_ object: IpcObject, _ request: IpcGetRequest, process: TaskIndex) -> Result<Int64, Errno> {
        if request.flags.isSuperset(of: [.create, .exclusive]) { return .failure(.EEXIST) }
        switch request.kind {
        case .msg: break
        case .sem: if Int(request.nsems) > object.nsems { return .failure(.EINVAL) }
        case .shm: if request.size > object.size { return .failure(.EINVAL) }
        }
        guard ipcPermits(object, requested: request.flags.rawValue, uid: tasks[Int(process)].uid, gid: tasks[Int(process)].gid) else {
            return .failure(.EACCES)
        }
        return .success(Int64(object.id))
    }

    /// newque / newary / newseg: the type's argument and resource checks, then ipc_addid.
    /// The thread's pending id is consumed once the arguments are valid, whatever happens next.
    func ipcCreate(actor: TaskIndex, _ request: IpcGetRequest, namespace ns: Int32) -> Result<Int64, Errno> {
        let process = groupLeader(actor)
        let kind = request.kind
        switch kind {
        case .msg: break
        case .sem: if request.nsems == 0 { return .failure(.EINVAL) }
        case .shm:
            if request.size < Limits.shmmin || request.size > Limits.shmmax { return .failure(.EINVAL) }
        }

        let pending = takePendingIds(of: actor)
        if let pending {
            guard pending.count == 1 else { return .failure(.EINVAL) }
            guard tasks[Int(process)].uid == 0 else { return .failure(.EPERM) }
        }

        let pages = shmPages(request.size)
        switch kind {
        case .msg: break
        case .sem:
            if ipcNamespaces[Int(ns)].usedSems + Int(request.nsems) > Limits.semmns { return .failure(.ENOSPC) }
        case .shm:
            let total = ipcNamespaces[Int(ns)].shmPages
            let (sum, overflow) = total.addingReportingOverflow(pages)
            if overflow || sum > Limits.shmall { return .failure(.ENOSPC) }
        }

        let ids = ipcNamespaces[Int(ns)].ids[kind.rawValue]
        let slot: (idx: Int, seq: Int)
        switch ipcAddId(ids, kind: kind, exactId: pending?.first) {
        case .failure(let e): return .failure(e)
        case .success(let s): slot = s
        }

        let leader = tasks[Int(process)]
        let object = IpcObject(
            key: request.key, idx: slot.idx, seq: slot.seq, mode: request.flags.mode,
            uid: leader.uid, gid: leader.gid, cuid: leader.uid, cgid: leader.gid,
            creatorPid: numbers(of: process).root, ctime: now(),
            nsems: kind == .sem ? Int(request.nsems) : 0, size: kind == .shm ? request.size : 0)
        ids.objects[slot.idx] = object
        if request.key != IpcGetRequest.privateKey { ids.byKey[request.key] = slot.idx }
        switch kind {
        case .msg: break
        case .sem: ipcNamespaces[Int(ns)].usedSems += object.nsems
        case .shm: ipcNamespaces[Int(ns)].shmPages &+= pages
        }
        return .success(Int64(object.id))
    }

    /// ipcperms: the permission bits asked for in `requested` against the object's mode for the
    /// caller's class (owner or creator, then group, then others); uid 0 passes
    /// (CAP_IPC_OWNER).
    func ipcPermits(_ object: IpcObject, requested: Int32, uid: UInt32, gid: UInt32) -> Bool {
        let flag = Int32(Int16(truncatingIfNeeded: requested))
        let wanted = UInt32(bitPattern: (flag >> 6) | (flag >> 3) | flag) & 0o7
        var granted = object.mode
        if uid == object.cuid || uid == object.uid {
            granted >>= 6
        } else if gid == object.cgid || gid == object.gid {
            granted >>= 3
        }
        return wanted & ~granted & 0o7 == 0 || uid == 0
    }
}
