/// The single operations the generator chooses among, weighted by the script's profile.
enum Move: CaseIterable {
    case fork, thread, cloneNewpid, newIpc, unshare, exit, forcedCreate, nsLastPid, pidMax
    case credentials, comm, read, ipcGet, ipcRemove, ipcSet, ipcNextIdSysctl, ipcPending
    case malformed, deadHandle
    case setsid, setpgid, wait, sigchld, readStat

    func weight(in profile: ScriptGenerator.Profile) -> Int {
        let base: Int
        switch self {
        case .fork: base = 14
        case .thread: base = 5
        case .cloneNewpid: base = 4
        case .newIpc: base = 2
        case .unshare: base = 2
        case .exit: base = 9
        case .forcedCreate: base = 12
        case .nsLastPid: base = 4
        case .pidMax: base = 2
        case .credentials: base = 3
        case .comm: base = 1
        case .read: base = 9
        case .ipcGet: base = 10
        case .ipcRemove: base = 6
        case .ipcSet: base = 2
        case .ipcNextIdSysctl: base = 4
        case .ipcPending: base = 4
        case .malformed: base = 1
        case .deadHandle: base = 1
        case .setsid: base = 3
        case .setpgid: base = 8
        case .wait: base = 7
        case .sigchld: base = 2
        case .readStat: base = 4
        }
        switch (profile, self) {
        case (.pids, .fork), (.pids, .exit), (.pids, .forcedCreate), (.pids, .nsLastPid), (.pids, .pidMax), (.pids, .thread):
            return base * 2
        case (.namespaces, .cloneNewpid), (.namespaces, .unshare), (.namespaces, .forcedCreate), (.namespaces, .exit):
            return base * 2
        case (.ipc, .ipcGet), (.ipc, .ipcRemove), (.ipc, .ipcSet), (.ipc, .ipcNextIdSysctl), (.ipc, .ipcPending), (.ipc, .newIpc):
            return base * 3
        default:
            return base
        }
    }
}

extension ScriptGenerator {
    func run(_ move: Move) {
        switch move {
        case .fork: fork()
        case .thread: cloneThread()
        case .cloneNewpid: cloneNewpid()
        case .newIpc: newIpc()
        case .unshare: unshare()
        case .exit: exitSomeone()
        case .forcedCreate: forcedCreate()
        case .nsLastPid: nsLastPid()
        case .pidMax: writePidMax()
        case .credentials: credentials()
        case .comm: emit(anyTask(), "comm " + rng.pick(["worker", "a b", "averyveryverylongname", "x", "init"]))
        case .read: read(anyTask())
        case .ipcGet: ipcGet()
        case .ipcRemove: ipcRemove()
        case .ipcSet: ipcSet()
        case .ipcNextIdSysctl: ipcNextIdSysctl()
        case .ipcPending: ipcPending()
        case .malformed: emit(anyTask(), rng.pick(ScriptGenerator.malformedLines))
        case .deadHandle: deadHandle()
        case .setsid: setsidMove()
        case .setpgid: setpgidMove()
        case .wait: waitMove()
        case .sigchld: sigchldMove()
        case .readStat: readStatMove()
        }
    }

    /// Lines both sides must refuse with EINVAL (or, for next_id, leave the pending ids alone).
    static let malformedLines = [
        "fork now", "clone newnet", "clone newpid newpid", "unshare", "unshare mnt", "unshare ipc ipc",
        "msgget", "msgget 0x 0600", "msgget 5 IPC_CREAT||0600", "msgget 5 0800", "semget 5 1",
        "shmget 5 -1 IPC_CREAT", "msgrm x", "msgset 1 2 3", "setuid -1", "setuid 4294967295", "frobnicate",
        "next_id LONG2 1", "next_id LONG33 1", "next_id LONG0", "next_id LONG -5", "next_id long 5",
        "next_id clear x", "next_id", "next_id LONG01 5", "sysctl pid_max", "sysctl bogus 1", "read", "read bogus",
        "read ipc foo", "exit now", "comm", "exit 256", "exit -1", "exit 1 2", "setsid now", "setpgid", "setpgid 1",
        "setpgid x 0", "setpgid 2147483648 0", "wait x", "wait 1 2", "sigchld", "sigchld SIG_IGN", "read stat",
        "read stat x", "read stat -1", "read nspgid 1",
    ]

    // MARK: processes and threads

    func fork() {
        guard canCreate else { return exitSomeone() }
        emit(busyTask(), "fork")
    }

    func cloneThread() {
        guard canCreate else { return exitSomeone() }
        let processes = world.live.filter { world.threads(ofProcessOf: $0).count < 4 }
        emit(rng.pick(processes) ?? anyTask(), "clone thread")
    }

    func cloneNewpid() {
        guard canCreate else { return exitSomeone() }
        let able = rootTasks { self.inOwnNamespace($0) && self.mayNestBelow(self.world.pidForChildren($0)) }
        let others = world.live.filter { mayNestBelow(world.pidForChildren($0)) && !world.isRoot($0) }
        guard let actor = rng.chance(88) ? rng.pick(able) : (rng.pick(others) ?? rng.pick(able)) else { return fork() }
        emit(actor, rng.weighted([("clone newpid", 70), ("clone newpid newipc", 20), ("clone newipc newpid", 10)]))
    }

    func newIpc() {
        let actor = rng.chance(85) ? (rng.pick(rootTasks()) ?? 0) : anyTask()
        if canCreate && rng.chance(60) {
            emit(actor, "clone newipc")
        } else {
            emit(actor, "unshare ipc")
        }
    }

    func unshare() {
        let able = rootTasks { self.mayNestBelow(self.world.active($0)) }
        let actor = rng.chance(90) ? (rng.pick(able) ?? 0) : maybeUnprivileged(80)
        guard mayNestBelow(world.active(actor)) else { return }
        emit(actor, rng.weighted([("unshare pid", 60), ("unshare ipc", 25), ("unshare pid ipc", 10), ("unshare ipc pid", 5)]))
    }

    func exitSomeone() {
        let live = world.live.filter { $0 != 0 }
        let threads = live.filter { world.isThread($0) }
        let inits = live.filter { world.pids($0).last == 1 && !world.isThread($0) }
        let parents = live.filter { !world.isThread($0) && world.childCount(ofProcessOf: $0) > 0 }
        let kind = rng.weighted([("thread", 30), ("init", 15), ("parent", 20), ("any", 30), ("root", 3), ("dead", 2)])
        let victim: Int?
        switch kind {
        case "thread": victim = rng.pick(threads)
        case "init": victim = rng.pick(inits)
        case "parent": victim = rng.pick(parents)
        case "root": victim = 0
        case "dead": victim = deadOrUnknownHandle()
        default: victim = rng.pick(live)
        }
        guard let victim else { return }
        emit(victim, rng.chance(60) ? "exit" : "exit \(rng.pick([0, 1, 2, 127, 128, 255]) ?? 0)")
    }

    func deadOrUnknownHandle() -> Int {
        let dead = (0..<world.handleCount).filter { !world.alive($0) }
        return rng.pick(dead) ?? world.handleCount + rng.int(0...3)
    }

    func deadHandle() {
        emit(deadOrUnknownHandle(), rng.pick(["fork", "read nspid", "exit", "msgget IPC_PRIVATE 0600", "next_id LONG 5",
                                              "wait", "setsid", "setpgid 0 0", "read stat 0"]))
    }

    // MARK: credentials

    /// setuid/setgid, never to a non-root task's own current id (the documented deliberate
    /// difference: docs/interface.md §8.2 says EPERM, Linux allows it), never on the root init (it
    /// stays the script's reliable root actor).
    func credentials() {
        let candidates = world.live.filter { $0 != 0 && world.leader($0) != 0 }
        guard let h = rng.pick(candidates) else { return }
        let uid = world.uid(h)
        let gid = world.gid(h)
        let ids: [UInt32] = [0, 100, 1000, 1001, 65534]
        if uid == 0 {
            if rng.chance(50), mayDropRoot(h) {
                emit(h, "setuid \(rng.pick(ids.filter { $0 != 0 }) ?? 1000)")
            } else {
                emit(h, "setgid \(rng.pick(ids) ?? 0)")
            }
        } else {
            if rng.chance(50) {
                emit(h, "setuid \(rng.pick(ids.filter { $0 != uid }) ?? 0)")
            } else {
                emit(h, "setgid \(rng.pick(ids.filter { $0 != gid }) ?? 0)")
            }
        }
    }

    /// kernelrun keeps a process's pid_for_children in the thread that unshared it until the
    /// namespace has an init; a process that stops being root before then could lose it when
    /// that thread exits (kernelrun would print INEXACT). Such a process stays root, unless that
    /// thread is all that is left of it (no thread can be added meanwhile: EINVAL).
    func mayDropRoot(_ h: Int) -> Bool {
        inOwnNamespace(h) || world.initState(world.pidForChildren(h)) != .none
            || world.threads(ofProcessOf: h) == [world.unsharer(ofProcessOf: h)]
    }

    // MARK: reads

    func read(_ h: Int) {
        let what = rng.weighted([
            ("read nspid", 22), ("read ppid", 18), ("read ns_last_pid", 15), ("read pid_max", 6),
            ("read nspgid", 10), ("read nssid", 8), ("read stat \(world.leader(h))", 6),
            ("read msg_next_id", 4), ("read sem_next_id", 3), ("read shm_next_id", 3),
            ("read ipc msg", 12), ("read ipc sem", 8), ("read ipc shm", 8),
        ])
        emit(h, what)
    }
}
