public import IdAllocators

/// What the planner decided: the steps that rebuild a world, in order. Each step is one write
/// into the tree: a sysctl file, or the ctl file of the thread that acts.
public struct Plan: Sendable {
    public var steps: [Step] = []
    /// What the program's header says about the world (counts).
    public var summary = ""

    public init() {}
}

public enum Step: Sendable, Equatable {
    /// `value` into `sys/kernel/<name>` of `process` (nil: the top of the mount).
    case sysctl(SysctlName, value: Int, process: Int32?, object: String)
    /// Lines run by one thread, in one write.
    case ctl(Batch)
    /// A comment for the reader of the program.
    case note(String)
}

/// ctl lines of one thread: the actions in order, each a few lines.
public struct Batch: Sendable, Equatable {
    public var tid: Int32
    public var tgid: Int32
    public var actions: [Action]
    /// Says what the batch does (the program's comment above it).
    public var note: String

    public init(tid: Int32, tgid: Int32, actions: [Action], note: String) {
        self.tid = tid
        self.tgid = tgid
        self.actions = actions
        self.note = note
    }
}

/// One simulated system call of the acting thread (with the next_id line that forces its ids).
public enum Action: Sendable, Equatable {
    /// A task with all its pids forced (root namespace first; at most the 32 innermost are
    /// written to next_id, a 33rd is the root cursor the plan set just before).
    case create(pids: [Int32], Creation)
    case unshare(UnshareFlags)
    case exit
    /// `exit CODE`: a process that stays a zombie.
    case exitStatus(UInt8)
    case setsid
    /// `setpgid 0 PGID`: the acting process joins (or, PGID its own pid, leads) a group; PGID
    /// in its pid namespace.
    case joinGroup(Int32)
    case sigchld(ignore: Bool)
    /// `wait PID`: reaps a helper that exited (PID in the acting process's namespace).
    case wait(Int32)
    case comm([UInt8])
    case setuid(UInt32)
    case setgid(UInt32)
    /// An IPC object: at its id (forced with next_id), or at the id the namespace's
    /// `*_next_id` asks for (nil: a creator that may not force ids).
    case ipcCreate(IpcObjectRecord, forced: Bool)
    /// An object with an automatic id (private key), to move the allocator.
    case ipcAuto(IpcKind)
    case ipcRemove(IpcKind, id: Int32)
    case ipcSet(IpcKind, id: Int32, uid: UInt32, gid: UInt32, mode: UInt32)
    /// The thread's pending ids (the world's final state).
    case nextId([Int32])
}

public enum Creation: Sendable, Equatable {
    case fork
    case cloneNewPid
    case thread
}

extension Action {
    /// The ctl lines of the action, without newlines.
    public var lines: [String] {
        switch self {
        case .create(let pids, let how):
            let verb = switch how {
            case .fork: "fork"
            case .cloneNewPid: "clone newpid"
            case .thread: "clone thread"
            }
            return [Action.nextIdLine(pids.reversed().prefix(Limits.maxPendingIds)), verb]
        case .unshare(let flags):
            return ["unshare" + (flags.contains(.pid) ? " pid" : "") + (flags.contains(.ipc) ? " ipc" : "")]
        case .exit: return ["exit"]
        case .exitStatus(let code): return ["exit \(code)"]
        case .setsid: return ["setsid"]
        case .joinGroup(let pgid): return ["setpgid 0 \(pgid)"]
        case .sigchld(let ignore): return ["sigchld " + (ignore ? "ignore" : "default")]
        case .wait(let pid): return ["wait \(pid)"]
        case .comm(let name): return ["comm " + String(decoding: name, as: UTF8.self)]
        case .setuid(let uid): return ["setuid \(uid)"]
        case .setgid(let gid): return ["setgid \(gid)"]
        case .ipcCreate(let o, let forced):
            let get = "\(o.kind.name)get \(Action.keyWord(o.key))\(o.kind == .msg ? "" : " \(o.size)") IPC_CREAT|IPC_EXCL|0\(String(o.mode & 0o777, radix: 8))"
            return forced ? [Action.nextIdLine([o.id]), get] : [get]
        case .ipcAuto(let kind):
            return ["\(kind.name)get IPC_PRIVATE\(kind == .msg ? "" : " 1") IPC_CREAT|0600"]
        case .ipcRemove(let kind, let id): return ["\(kind.name)rm \(id)"]
        case .ipcSet(let kind, let id, let uid, let gid, let mode):
            return ["\(kind.name)set \(id) \(uid) \(gid) 0\(String(mode, radix: 8))"]
        case .nextId(let ids): return [Action.nextIdLine(ids)]
        }
    }

    /// `next_id LONG X` or `next_id LONG<n> X0 ... X<n-1>` (innermost first).
    static func nextIdLine(_ ids: some Collection<Int32>) -> String {
        // (appended in place: a big world's program has 20,000 of these lines)
        var line = ids.count == 1 ? "next_id LONG" : "next_id LONG\(ids.count)"
        for id in ids {
            line += " "
            line += String(id)
        }
        return line
    }

    /// A key as ctl takes it: IPC_PRIVATE, decimal, or hex for what /proc shows negative.
    static func keyWord(_ key: Int32) -> String {
        if key == IpcGetRequest.privateKey { return "IPC_PRIVATE" }
        return key > 0 ? "\(key)" : "0x" + String(UInt32(bitPattern: key), radix: 16)
    }
}
