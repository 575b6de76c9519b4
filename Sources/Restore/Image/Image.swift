public import IdAllocators

/// What an image says about a world: immutable facts, read from a dump. The planner decides
/// from these; nothing here says how the world came to be.
public struct Image: Sendable, Equatable {
    public var pidNamespaces: [PidNamespaceRecord]
    public var ipcNamespaces: [IpcNamespaceRecord]
    /// By tgid.
    public var processes: [ProcessRecord]
    /// msg, then sem, then shm; each by namespace, then id.
    public var objects: [IpcObjectRecord]

    public init(pidNamespaces: [PidNamespaceRecord], ipcNamespaces: [IpcNamespaceRecord], processes: [ProcessRecord],
                objects: [IpcObjectRecord]) {
        self.pidNamespaces = pidNamespaces
        self.ipcNamespaces = ipcNamespaces
        self.processes = processes
        self.objects = objects
    }
}

/// A pid namespace's canonical name (inode numbers differ between mounts).
public enum PidNamespaceName: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// `p<pid>`: it has tasks; named after the root pid of its init.
    case live(initPid: Int32)
    /// `e<tgid>`: never had a task; the pid_for_children of process tgid after `unshare pid`.
    case empty(unsharer: Int32)
    /// `d<tgid>`: its init died; the pid_for_children of process tgid (a fork gives ENOMEM).
    case dead(unsharer: Int32)

    public static let root = PidNamespaceName.live(initPid: 1)

    public var description: String {
        switch self {
        case .live(let p): "p\(p)"
        case .empty(let g): "e\(g)"
        case .dead(let g): "d\(g)"
        }
    }

    public init?(_ text: Substring) {
        guard let kind = text.first, let n = Int32(text.dropFirst()), n > 0 else { return nil }
        switch kind {
        case "p": self = .live(initPid: n)
        case "e": self = .empty(unsharer: n)
        case "d": self = .dead(unsharer: n)
        default: return nil
        }
    }

    public var hasTasks: Bool {
        if case .live = self { return true }
        return false
    }
}

/// An IPC namespace's canonical name.
public enum IpcNamespaceName: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// `i<tgid>`: named after its smallest member.
    case member(Int32)
    /// `root`: the root IPC namespace when no task is left in it.
    case root

    public var description: String {
        switch self {
        case .member(let g): "i\(g)"
        case .root: "root"
        }
    }

    public init?(_ text: Substring) {
        if text == "root" { self = .root; return }
        guard text.first == "i", let n = Int32(text.dropFirst()), n > 0 else { return nil }
        self = .member(n)
    }
}

public struct PidNamespaceRecord: Sendable, Equatable {
    public var name: PidNamespaceName
    public var parent: PidNamespaceName?
    public var level: Int
    /// nil for a namespace that never had a task (its defaults), and in images written before
    /// `pid_namespaces` for every namespace without tasks (restored then with the defaults).
    public var pidMax: Int?
    /// ns_last_pid as read (the cursor minus one; -1 before any automatic pid).
    public var lastPid: Int?

    public init(name: PidNamespaceName, parent: PidNamespaceName?, level: Int, pidMax: Int?, lastPid: Int?) {
        self.name = name
        self.parent = parent
        self.level = level
        self.pidMax = pidMax
        self.lastPid = lastPid
    }
}

public struct IpcNamespaceRecord: Sendable, Equatable {
    public var name: IpcNamespaceName
    /// msg_next_id, sem_next_id, shm_next_id (-1: unset).
    public var nextIds: [Int]
    /// Whether it is the machine's root IPC namespace.
    public var isRoot: Bool
    /// msg, sem, shm (version 1 images: pristine).
    public var allocators: [IpcAllocatorState]

    public init(name: IpcNamespaceName, nextIds: [Int], isRoot: Bool, allocators: [IpcAllocatorState]) {
        self.name = name
        self.nextIds = nextIds
        self.isRoot = isRoot
        self.allocators = allocators
    }
}

public struct ProcessRecord: Sendable, Equatable {
    public var tgid: Int32
    /// The thread that is its parent (0 for process 1).
    public var parentTid: Int32
    public var pidNamespace: PidNamespaceName
    /// A zombie has no namespaces left (its ns links are gone): its own pid namespace and its
    /// parent's IPC namespace stand in, where the restore makes it.
    public var pidForChildren: PidNamespaceName
    public var ipcNamespace: IpcNamespaceName
    public var uid: UInt32
    public var gid: UInt32
    /// Its process group's and session's ids at each level of its pid namespace, root first,
    /// 0 where they have none (NSpgid, NSsid): the leaders may be gone, and a helper that
    /// stands in for one takes these pids.
    public var pgids: [Int32]
    public var sids: [Int32]
    public var pgid: Int32 { pgids[0] }
    public var sid: Int32 { sids[0] }
    /// A zombie: exited, not reaped yet.
    public var isZombie: Bool
    /// A dying init: it exited and waits for a pid of its namespace that is held from
    /// outside it (zap_pid_ns_processes); like a zombie, it has no namespaces left.
    public var isDying: Bool
    /// It has exited (a zombie or a dying init): its ns links are gone.
    public var hasExited: Bool { isZombie || isDying }
    /// An exited process's exit_code as stat shows it (the status << 8, or 9 when it was
    /// killed by its namespace's init's exit); 0 for a live process.
    public var exitCode: Int32
    /// It ignores SIGCHLD (SigIgn in status).
    public var ignoresSigchld: Bool
    /// Leader first, then in creation order.
    public var threads: [ThreadRecord]

    public init(tgid: Int32, parentTid: Int32, pidNamespace: PidNamespaceName, pidForChildren: PidNamespaceName,
                ipcNamespace: IpcNamespaceName, uid: UInt32, gid: UInt32, pgids: [Int32] = [1], sids: [Int32] = [1],
                isZombie: Bool = false, isDying: Bool = false, exitCode: Int32 = 0, ignoresSigchld: Bool = false, threads: [ThreadRecord]) {
        self.tgid = tgid
        self.parentTid = parentTid
        self.pidNamespace = pidNamespace
        self.pidForChildren = pidForChildren
        self.ipcNamespace = ipcNamespace
        self.uid = uid
        self.gid = gid
        self.pgids = pgids
        self.sids = sids
        self.isZombie = isZombie
        self.isDying = isDying
        self.exitCode = exitCode
        self.ignoresSigchld = ignoresSigchld
        self.threads = threads
    }

    public var leader: ThreadRecord { threads[0] }
}

public struct ThreadRecord: Sendable, Equatable {
    public var tid: Int32
    /// Root namespace first (as NSpid).
    public var pids: [Int32]
    /// Its pending next_id (nil: none).
    public var pendingIds: [Int32]?
    public var comm: [UInt8]
    /// Root pids of the processes it is the parent of, in the kernel's order.
    public var children: [Int32]

    public init(tid: Int32, pids: [Int32], pendingIds: [Int32]?, comm: [UInt8], children: [Int32]) {
        self.tid = tid
        self.pids = pids
        self.pendingIds = pendingIds
        self.comm = comm
        self.children = children
    }

    /// Its pid in its own pid namespace.
    public var innermostPid: Int32 { pids.last! }
}

public struct IpcObjectRecord: Sendable, Equatable {
    public var kind: IpcKind
    public var namespace: IpcNamespaceName
    public var id: Int32
    public var key: Int32
    /// Permission bits (octal in the image).
    public var mode: UInt32
    public var uid: UInt32
    public var gid: UInt32
    public var cuid: UInt32
    public var cgid: UInt32
    /// sem: nsems; shm: size; msg: 0.
    public var size: UInt64

    public init(kind: IpcKind, namespace: IpcNamespaceName, id: Int32, key: Int32, mode: UInt32, uid: UInt32, gid: UInt32,
                cuid: UInt32, cgid: UInt32, size: UInt64) {
        self.kind = kind
        self.namespace = namespace
        self.id = id
        self.key = key
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.cuid = cuid
        self.cgid = cgid
        self.size = size
    }

    public var idx: Int { Int(id) & (Limits.ipcMni - 1) }
}
