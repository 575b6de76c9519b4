/// The three System V IPC id types.
public enum IpcKind: Int, Sendable, CaseIterable {
    case msg = 0, sem = 1, shm = 2

    public var name: String {
        switch self {
        case .msg: "msg"
        case .sem: "sem"
        case .shm: "shm"
        }
    }

    /// msgmni / semmni / shmmni.
    var limit: Int {
        switch self {
        case .msg: Limits.msgmni
        case .sem: Limits.semmni
        case .shm: Limits.shmmni
        }
    }
}

/// One System V IPC object (struct kern_ipc_perm and the fields nextidfs shows of the rest).
struct IpcObject {
    var key: Int32
    var idx: Int
    var seq: Int
    /// Permission bits (0777).
    var mode: UInt32
    var uid: UInt32
    var gid: UInt32
    var cuid: UInt32
    var cgid: UInt32
    /// The creating process, as its pid in the root namespace (shm cpid).
    var creatorPid: Int32
    var ctime: Int64
    var nsems: Int
    var size: UInt64

    var id: Int32 { Int32(truncatingIfNeeded: (seq << Limits.ipcIdxShift) + idx) }
}

/// struct ipc_ids: the id space of one IPC type in one namespace.
final class IpcIds {
    let idr = Idr(capacity: Limits.ipcMni)
    var seq = 0
    var lastIdx = -1
    /// {msg,sem,shm}_next_id: -1 when unset.
    var nextId = -1
    var byKey: [Int32: Int] = [:]
    var objects: [Int: IpcObject] = [:]

    var inUse: Int { idr.count }
}

/// An IPC namespace (struct ipc_namespace).
struct IpcNamespace {
    var ids: [IpcIds] = IpcKind.allCases.map { _ in IpcIds() }
    /// used_sems: semaphores in all sets, against semmns.
    var usedSems = 0
    /// shm_tot: pages of all segments, against shmall.
    var shmPages: UInt64 = 0
    var inode: UInt32
    /// Processes in the namespace; at zero it goes away with its objects.
    var references = 0
    var live = true

    init(inode: UInt32) { self.inode = inode }
}

extension Machine {
    /// copy_ipcs: a new, empty IPC namespace (no holder yet).
    func createIpcNamespace() -> Int32 {
        let ns = IpcNamespace(inode: allocateNamespaceInode())
        if let free = freeIpcNamespaces.popLast() {
            ipcNamespaces[Int(free)] = ns
            return free
        }
        ipcNamespaces.append(ns)
        return Int32(ipcNamespaces.count - 1)
    }

    /// A process leaves: the last one out takes the namespace and its objects with it.
    func leaveIpcNamespace(_ ns: Int32) {
        ipcNamespaces[Int(ns)].references -= 1
        guard ipcNamespaces[Int(ns)].references == 0, ns != rootIpcNamespace else { return }
        ipcNamespaces[Int(ns)] = IpcNamespace(inode: 0)
        ipcNamespaces[Int(ns)].live = false
        ipcNamespaces[Int(ns)].ids = []
        freeIpcNamespaces.append(ns)
    }
}
