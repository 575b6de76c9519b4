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
        var text: [UInt8] = []
        // (only a comm can hold a newline, and it is one line)
        if write(into: &text) == 1 { return [String(decoding: text.dropLast(), as: UTF8.self)] }
        return text.split(separator: 0x0a).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The ctl lines of the action, each with its newline, appended to `out`; returns how many.
    /// (bytes: Strings for the 20,000 lines of a big world were most of the rendering)
    @discardableResult
    func write(into out: inout [UInt8]) -> Int {
        switch self {
        case .create(let pids, let how):
            Action.nextIdLine(pids.reversed().prefix(Limits.maxPendingIds), into: &out)
            out += how == .fork ? "fork\n".utf8 : how == .cloneNewPid ? "clone newpid\n".utf8 : "clone thread\n".utf8
            return 2
        case .unshare(let flags):
            out += "unshare".utf8
            if flags.contains(.pid) { out += " pid".utf8 }
            if flags.contains(.ipc) { out += " ipc".utf8 }
        case .exit: out += "exit".utf8
        case .exitStatus(let code): Action.words("exit ", code, into: &out)
        case .setsid: out += "setsid".utf8
        case .joinGroup(let pgid): Action.words("setpgid 0 ", pgid, into: &out)
        case .sigchld(let ignore): out += (ignore ? "sigchld ignore" : "sigchld default").utf8
        case .wait(let pid): Action.words("wait ", pid, into: &out)
        case .comm(let name): out += ("comm " + String(decoding: name, as: UTF8.self)).utf8
        case .setuid(let uid): Action.words("setuid ", uid, into: &out)
        case .setgid(let gid): Action.words("setgid ", gid, into: &out)
        case .ipcCreate(let o, let forced):
            if forced { Action.nextIdLine(CollectionOfOne(o.id), into: &out) }
            out += o.kind.name.utf8
            out += "get ".utf8
            Action.keyWord(o.key, into: &out)
            if o.kind != .msg { Action.words(" ", o.size, into: &out) }
            out += " IPC_CREAT|IPC_EXCL|0".utf8
            Action.digits(UInt64(o.mode & 0o777), radix: 8, into: &out)
            out.append(0x0a)
            return forced ? 2 : 1
        case .ipcAuto(let kind):
            out += kind.name.utf8
            out += (kind == .msg ? "get IPC_PRIVATE IPC_CREAT|0600" : "get IPC_PRIVATE 1 IPC_CREAT|0600").utf8
        case .ipcRemove(let kind, let id):
            out += kind.name.utf8
            Action.words("rm ", id, into: &out)
        case .ipcSet(let kind, let id, let uid, let gid, let mode):
            out += kind.name.utf8
            Action.words("set ", id, into: &out)
            Action.words(" ", uid, into: &out)
            Action.words(" ", gid, into: &out)
            out += " 0".utf8
            Action.digits(UInt64(mode), radix: 8, into: &out)
        case .nextId(let ids):
            Action.nextIdLine(ids, into: &out)
            return 1
        }
        out.append(0x0a)
        return 1
    }

    /// `next_id LONG X` or `next_id LONG<n> X0 ... X<n-1>` (innermost first), and its newline.
    static func nextIdLine(_ ids: some Collection<Int32>, into out: inout [UInt8]) {
        out += "next_id LONG".utf8
        if ids.count != 1 { digits(UInt64(ids.count), radix: 10, into: &out) }
        for id in ids { words(" ", id, into: &out) }
        out.append(0x0a)
    }

    /// `prefix` and `value` in decimal, as "\(value)" writes it.
    static func words(_ prefix: StaticString, _ value: some BinaryInteger, into out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount))
        if value < 0 { out.append(UInt8(ascii: "-")) }
        digits(UInt64(value.magnitude), radix: 10, into: &out)
    }

    /// `value` in `radix` (lowercase), as `String(value, radix:)` writes it.
    static func digits(_ value: UInt64, radix: UInt64, into out: inout [UInt8]) {
        var count = 1, rest = value
        while rest >= radix { rest /= radix; count += 1 }
        out.append(contentsOf: repeatElement(0, count: count))
        var v = value, i = out.count - 1
        for _ in 0..<count {
            let d = UInt8(v % radix)
            out[i] = d < 10 ? UInt8(ascii: "0") + d : UInt8(ascii: "a") + d - 10
            v /= radix
            i -= 1
        }
    }

    /// A key as ctl takes it: IPC_PRIVATE, decimal, or hex for what /proc shows negative.
    static func keyWord(_ key: Int32) -> String {
        var out: [UInt8] = []
        keyWord(key, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func keyWord(_ key: Int32, into out: inout [UInt8]) {
        if key == IpcGetRequest.privateKey { out += "IPC_PRIVATE".utf8 } else if key > 0 { words("", key, into: &out) } else {
            out += "0x".utf8
            digits(UInt64(UInt32(bitPattern: key)), radix: 16, into: &out)
        }
    }
}
