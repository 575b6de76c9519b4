/// Index of a task in `Machine.tasks`; `noTask` where there is none.
typealias TaskIndex = Int32
let noTask: TaskIndex = -1

/// A task's pid in every namespace from the root (level 0) to its own (struct pid's numbers).
/// Root-namespace tasks, the common case, need no heap storage.
struct PidNumbers {
    var root: Int32
    /// Levels 1...level.
    var deeper: [Int32]

    var level: Int { deeper.count }
    var innermost: Int32 { deeper.last ?? root }

    init(root: Int32, deeper: [Int32]) {
        self.root = root
        self.deeper = deeper
    }

    subscript(level: Int) -> Int32 { level == 0 ? root : deeper[level - 1] }

    var all: [Int32] { [root] + deeper }
}

/// A task name: at most 15 bytes, kept inline (two words, little-endian byte order).
public struct Comm: Equatable, Sendable {
    private var low: UInt64 = 0
    private var high: UInt64 = 0
    public private(set) var count: Int = 0

    public init(_ bytes: some Collection<UInt8>) {
        for b in bytes.prefix(Limits.commLength) {
            let shift = UInt64(8 * (count % 8))
            if count < 8 { low |= UInt64(b) << shift } else { high |= UInt64(b) << shift }
            count += 1
        }
    }

    public var bytes: [UInt8] {
        (0..<count).map { n in
            let word = n < 8 ? low : high
            return UInt8(truncatingIfNeeded: word >> UInt64(8 * (n % 8)))
        }
    }
}

/// One thread (task_struct). Leaders also carry their thread group's (process's) state, as
/// `signal_struct` and the shared credentials and nsproxy would in the kernel.
struct Task {
    /// Never reused: identifies this task across slot reuse (the filesystem's inode numbers).
    var serial: UInt64
    /// Its struct pid: the numbers at every level, and the namespace it lives in.
    var pid: PidIndex
    var leader: TaskIndex
    /// Thread list of the group, leader first, then threads in creation order.
    var nextThread: TaskIndex = noTask
    var prevThread: TaskIndex = noTask
    /// Children this thread forked (their leaders), in the order the kernel keeps them.
    var firstChild: TaskIndex = noTask
    var lastChild: TaskIndex = noTask
    var comm: Comm
    var startTime: UInt64
    /// The thread's last ctl result (value, or -errno); `Task.noResult` before any.
    var lastResult: Int64 = Task.noResult
    /// Whether the thread has pending ids (in `Machine.pendingIds`). A flag rather than the ids:
    /// Task stays a plain value, copied on every fork and exit without reference counting.
    var hasPendingIds = false

    // Thread-group state, meaningful on the leader only.
    /// real_parent: the thread that forked this process (or adopted it).
    var parent: TaskIndex = noTask
    /// Links in the parent thread's children list.
    var nextSibling: TaskIndex = noTask
    var prevSibling: TaskIndex = noTask
    var lastThread: TaskIndex = noTask
    var threadCount: Int32 = 1
    var pidForChildren: Int32
    var ipcNamespace: Int32
    var uid: UInt32
    var gid: UInt32
    /// Process group and session (signal->pids[PIDTYPE_PGID], [PIDTYPE_SID]).
    var pgrp: PidIndex = noPid
    var session: PidIndex = noPid
    /// signal->leader: it made its session (setsid); such a process never changes group.
    var isSessionLeader = false
    /// SIGCHLD set to SIG_IGN: its children are released when they exit, never zombies.
    var ignoresSigchld = false
    var exitState = ExitState.running
    /// exit_code as the kernel keeps it: (status & 0xff) << 8, or the killing signal.
    var exitCode: Int32 = 0

    var isLeader: Bool { leader == noTask }

    static let noResult = Int64.min
}

/// How far a process is through do_exit (the leader carries it; threads are released when
/// they exit).
enum ExitState: Equatable {
    case running
    /// PF_EXITING and still attached: a namespace's init that waits in zap_pid_ns_processes
    /// until the last other pid of its namespace is gone.
    case dying
    /// EXIT_ZOMBIE: it has exited and waits for its parent to reap it.
    case zombie
}
