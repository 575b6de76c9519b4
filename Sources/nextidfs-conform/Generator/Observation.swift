import IdAllocators
import NextIdFS

/// What the generator looks at around one operation to count the events it provoked: taken
/// before the operation runs, classified with its result.
struct Observation {
    let handle: Int
    let command: Command
    let call: Syscall?
    let alive: Bool
    let pending: [Int32]?
    /// ns_last_pid of the actor's namespace when its children land there.
    let lastPid: Int?
    let nextId: Int64
    let ipcIds: Set<Int32>
    let ipcKind: IpcKind?
    let children: Int
    let inits: Set<Int>
    /// A forced pid that only a zombie, a dead leader's group or session holds.
    let forcedOnHeldPid: Bool

    init(_ world: GenWorld, _ h: Int, _ text: String) {
        handle = h
        command = Command(text)
        if case .ctl(let line) = command { call = try? CtlLanguage.parse(ArraySlice(line.utf8)).get() } else { call = nil }
        alive = world.alive(h)
        var kind: IpcKind? = nil
        if case .ipcGet(let request)? = call { kind = request.kind }
        ipcKind = kind
        guard alive else {
            pending = nil; lastPid = nil; nextId = -1; ipcIds = []; children = 0; inits = []; forcedOnHeldPid = false
            return
        }
        pending = world.pending(h)
        lastPid = world.pidForChildren(h) == world.active(h) ? world.lastPid(world.active(h)) : nil
        nextId = kind.map { world.nextId(h, $0) } ?? -1
        ipcIds = kind.map { Set(world.ipcRows(h, $0).map(\.id)) } ?? []
        var exits = false
        if case .exit? = call { exits = true }
        children = exits ? world.childCount(ofProcessOf: h) : 0
        inits = exits ? Set(world.live.filter { $0 != 0 && world.pids($0).last == 1 }) : []
        var held = false
        if case .fork? = call, let x = pending?.first {
            let ns = world.pidForChildren(h)
            let level = world.level(ofNamespace: ns)
            let running = Set(world.live.filter { world.chain(world.active($0)).contains(ns) }.map { world.pids($0)[level] })
            held = world.pidsInUse(ns).contains(x) && !running.contains(x)
        }
        forcedOnHeldPid = held
    }

    func classify(_ result: OpResult, world: GenWorld, into stats: inout EventStats) {
        if !alive {
            stats.note("ESRCH")
            return
        }
        switch command {
        case .invalid: stats.note("malformed")
        case .sysctl(let name, _):
            stats.note(result.errno.map { "sysctl.\($0.name)" } ?? "sysctl.\(name.rawValue)")
        case .readSysctl, .readNsList, .readIpc: stats.note("read")
        case .readStat: stats.note(result.errno == nil ? "read.stat" : "read.stat.ESRCH")
        case .readPpid:
            stats.note("read.ppid")
            if case .value(let v) = result, v == 0, world.level(handle) == 0 || world.pids(handle).last != 1 {
                stats.note("read.ppid.outside")
            }
        case .ctl: ctl(result, world: world, into: &stats)
        }
    }

    func ctl(_ result: OpResult, world: GenWorld, into stats: inout EventStats) {
        guard let call else {
            stats.note("malformed")
            return
        }
        switch call {
        case .fork, .clone: creation(result, world: world, into: &stats)
        case .exit: exit(result, world: world, into: &stats)
        case .ipcGet(let request): ipcGet(request, result, into: &stats)
        case .ipcRemove: stats.note(result.errno.map { "ipc.rm.\($0.name)" } ?? "ipc.rm")
        case .ipcSet: stats.note(result.errno.map { "ipc.set.\($0.name)" } ?? "ipc.set")
        case .unshare: stats.note(result.errno.map { "unshare.\($0.name)" } ?? "unshare")
        case .setuid, .setgid: stats.note(result.errno.map { "cred.\($0.name)" } ?? "cred")
        case .setNextId: stats.note("next_id")
        case .comm: stats.note("comm")
        case .setsid: stats.note(result.errno.map { "setsid.\($0.name)" } ?? "setsid")
        case .setpgid: stats.note(result.errno.map { "setpgid.\($0.name)" } ?? "setpgid")
        case .wait:
            if case .value(let v) = result { stats.note(v == 0 ? "wait.none" : "wait.reaped") }
            else { stats.note("wait.\(result.errnoName)") }
        case .sigchld: stats.note("sigchld")
        }
    }

    func creation(_ result: OpResult, world: GenWorld, into stats: inout EventStats) {
        var kind = "fork"
        if case .clone(let flags)? = call {
            kind = flags.contains(.thread) ? "thread" : flags.contains(.newPid) ? "newpid" : "clone"
        }
        guard case .created(let value, let child, let pids) = result else {
            stats.note("create.\(result.errnoName)")
            if pending != nil { stats.note("forced.\(result.errnoName)") }
            if forcedOnHeldPid && result.errno == .EEXIST { stats.note("forced.EEXIST.held") }
            return
        }
        stats.note("create.\(kind)")
        if pids.count - 1 >= 8 { stats.note("depth>=8") }
        if pids.count - 1 >= 20 { stats.note("depth>=20") }
        if pids.count - 1 == 31 { stats.note("depth=31") }
        if pids.last == 1 { stats.note("init.created") }
        if let pending {
            stats.note(pending.count > 1 ? "forced.multi.ok" : "forced.ok")
            if pending.count > 1 && pids.count > 2 { stats.note("forced.nested.ok") }
        } else if let lastPid, value <= Int64(lastPid), world.active(child) == world.active(handle) || kind == "thread" {
            stats.note("pid.wrap")
        }
    }

    func exit(_ result: OpResult, world: GenWorld, into stats: inout EventStats) {
        if let e = result.errno {
            stats.note("exit.\(e.name)")
            return
        }
        let ended = world.runner.lastEnded
        stats.note(world.isThread(handle) ? "exit.thread" : "exit.process")
        if !world.isThread(handle) && children > 0 { stats.note("exit.reparent") }
        if ended.contains(where: inits.contains) { stats.note("init.death") }
        switch world.status(world.leader(handle))?.state {
        case .zombie?: stats.note("exit.zombie")
        case .dying?: stats.note("exit.init.waits")
        default: break
        }
        if Set(ended.map { world.leader($0) }).count > 1 { stats.note("exit.cascade") }
    }

    func ipcGet(_ request: IpcGetRequest, _ result: OpResult, into stats: inout EventStats) {
        guard case .value(let v) = result else {
            stats.note("ipc.get.\(result.errnoName)")
            return
        }
        let id = Int32(truncatingIfNeeded: v)
        if ipcIds.contains(id) {
            stats.note("ipc.key.found")
            return
        }
        stats.note("ipc.create")
        if pending != nil {
            stats.note("ipc.pending.exact")
        } else if nextId >= 0 {
            stats.note(Int64(id) == nextId ? "ipc.next_id.exact" : "ipc.next_id.fallback")
        } else {
            if id >> 15 > 0 { stats.note("ipc.seq>0") }
            if id & 0x7fff >= 64 { stats.note("ipc.idx>=64") }
        }
    }
}
