/// Constants of Linux 6.x (x86_64) that the allocation rules depend on.
public enum Limits {
    /// PID_MAX_LIMIT on 64-bit: the largest pid_max, and what a new pid namespace starts with.
    public static let pidMaxLimit = 4_194_304
    /// RESERVED_PIDS: automatic allocation wraps to this once the cursor has passed it.
    public static let reservedPids = 300
    /// Smallest writable pid_max (RESERVED_PIDS + 1).
    public static let pidMaxMin = reservedPids + 1
    /// Default root pid_max (docs/interface.md §1).
    public static let defaultPidMax = 32_768
    /// MAX_PID_NS_LEVEL: namespaces nest at most this many levels below the root.
    public static let maxPidNamespaceLevel = 32

    /// IPCMNI: idx space of one IPC id type; id = seq * ipcMni + idx.
    public static let ipcMni = 32_768
    public static let ipcIdxShift = 15
    /// ipcid_seq_max(): INT_MAX >> 15.
    public static let ipcSeqMax = Int(Int32.max) >> 15
    /// ipc_min_cycle (RADIX_TREE_MAP_SIZE): automatic idx cycles below at least this.
    public static let ipcMinCycle = 64
    /// Per-namespace object limits: msgmni, semmni (4th field of kernel.sem), shmmni.
    public static let msgmni = 32_000
    public static let semmni = 32_000
    public static let shmmni = 4_096
    /// MSGMAX and MSGMNB: the largest message and queue (bytes); the simulation sends none.
    public static let msgmax = 8_192
    public static let msgmnb = 16_384
    /// SEMOPM: operations per semop call; the simulation makes none.
    public static let semopm = 500
    /// kernel.sem: semmsl (semaphores per set) and semmns (semaphores per namespace).
    public static let semmsl = 32_000
    public static let semmns = 1_024_000_000
    /// SHMMIN, SHMMAX and SHMALL (pages) of a new IPC namespace.
    public static let shmmin: UInt64 = 1
    public static let shmmax: UInt64 = UInt64.max - (1 << 24)
    public static let shmall: UInt64 = UInt64.max - (1 << 24)
    public static let pageShift: UInt64 = 12

    /// Inode numbers of the initial namespaces (PROC_PID_INIT_INO, PROC_IPC_INIT_INO); new
    /// namespaces are numbered from PROC_DYNAMIC_FIRST on.
    public static let rootPidNamespaceInode: UInt32 = 4_026_531_836
    public static let rootIpcNamespaceInode: UInt32 = 4_026_531_839
    public static let firstDynamicInode: UInt32 = 0xF000_0000

    /// USER_HZ: the unit of procfs times (starttime, /proc/stat).
    public static let clockTicksPerSecond: UInt64 = 100

    /// TASK_COMM_LEN - 1.
    public static let commLength = 15
    /// next_id: at most this many ids (one per pid namespace level).
    public static let maxPendingIds = 32
}

/// The flag word of msgget, semget and shmget (linux/ipc.h): IPC_CREAT, IPC_EXCL and the
/// permission bits in one int, as the calls take it and as the ctl grammar writes it
/// (`IPC_CREAT|0600`, or one number: `01600`).
public struct IpcFlags: OptionSet, Sendable, Hashable, ExpressibleByIntegerLiteral {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public init(integerLiteral value: Int32) { rawValue = value }

    public static let create: IpcFlags = 0o1000
    public static let exclusive: IpcFlags = 0o2000

    /// The permission bits.
    public var mode: UInt32 { UInt32(rawValue & 0o777) }
}
