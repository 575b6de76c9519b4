import IdAllocators

/// Multi-operation scenarios: each sets up the state an interesting event needs and then
/// provokes it. A script's agenda holds a random subset, more of those its profile favours.
enum Scenario: String, CaseIterable {
    case wrapAround = "wrap-around"
    case exhaustion
    case initDeath = "init death"
    case deepNesting = "deep nesting"
    case ipcChurn = "ipc churn"
    case ipcBigChurn = "ipc idx cycle"
    case ipcFallback = "ipc next_id fallback"
    case reparenting
    case unprivileged
    case deadGroupLeader = "dead group leader"
    case zombieWrap = "zombie wrap"
    case crossSessions = "setpgid across sessions"
    case initDeathWithZombies = "init death with zombies"

    func percent(in profile: ScriptGenerator.Profile) -> Int {
        switch (self, profile) {
        case (.ipcBigChurn, .ipc): 95
        case (.ipcBigChurn, .mixed): 80
        case (.ipcBigChurn, _): 50
        case (.deepNesting, .namespaces): 95
        case (.deepNesting, _): 55
        case (.wrapAround, _), (.initDeath, _), (.ipcFallback, _), (.exhaustion, _), (.reparenting, _): 90
        case (.ipcChurn, _): 50
        case (.unprivileged, _): 50
        case (.deadGroupLeader, _), (.zombieWrap, _): 80
        case (.crossSessions, _), (.initDeathWithZombies, _): 60
        }
    }

    var minimumOperations: Int {
        switch self {
        case .ipcBigChurn: 110
        case .deepNesting: 12
        case .deadGroupLeader, .zombieWrap, .initDeathWithZombies: 16
        case .crossSessions: 12
        default: 8
        }
    }
}

extension ScriptGenerator {
    func run(_ scenario: Scenario) {
        switch scenario {
        case .wrapAround: wrapAround()
        case .exhaustion: exhaustion()
        case .initDeath: initDeath()
        case .deepNesting: deepNesting()
        case .ipcChurn: ipcChurn(pairs: rng.int(8...30))
        case .ipcBigChurn: ipcCycle()
        case .ipcFallback: ipcFallback()
        case .reparenting: reparenting()
        case .unprivileged: unprivileged()
        case .deadGroupLeader: deadGroupLeader()
        case .zombieWrap: zombieWrap()
        case .crossSessions: crossSessions()
        case .initDeathWithZombies: initDeathWithZombies()
        }
    }

    /// A root task whose children land in its own namespace, inside a nested namespace with a
    /// live init when `nested`; made with `clone newpid` when there is none.
    func rootActor(nested: Bool) -> Int? {
        let found = rootTasks { h in
            self.inOwnNamespace(h) && (!nested || self.world.level(h) > 0)
                && self.world.initState(self.world.active(h)) != .dead
        }
        if let h = rng.pick(found) { return h }
        guard nested, canCreate, let creator = rng.pick(rootTasks({ self.inOwnNamespace($0) && self.mayNestBelow(self.world.active($0)) })) else {
            return nested ? nil : 0
        }
        return created(emit(creator, "clone newpid"))
    }

    /// ns_last_pid a few below pid_max, then forks: the pids wrap around to 300 (or to 1 while
    /// the cursor has not passed 300).
    func wrapAround() {
        guard let actor = rootActor(nested: rng.chance(40)) else { return }
        let ns = world.active(actor)
        if world.level(actor) > 0 && rng.chance(50) { emit(actor, "sysctl pid_max \(rng.int(301...420))") }
        emit(actor, "sysctl ns_last_pid \(world.pidMax(ns) - rng.int(1...4))")
        forksInto(ns, count: rng.int(3...6))
        emit(actor, "read ns_last_pid")
    }

    /// A namespace with pid_max just above 300 and its cursor past 300, so that automatic pids
    /// come from 300..<pid_max only: a handful of forks use it up (EAGAIN), an exit frees a
    /// pid for the next one. Mostly a fresh namespace, whose pids 300 and up are all free.
    func exhaustion() {
        var actor: Int?
        if rng.chance(75), canCreate, let creator = rng.pick(rootTasks({ self.inOwnNamespace($0) && self.mayNestBelow(self.world.active($0)) })) {
            actor = created(emit(creator, "clone newpid"))
        }
        guard let actor = actor ?? rootActor(nested: true) else { return }
        let ns = world.active(actor)
        let pidMax = rng.int(301...304)
        emit(actor, "sysctl pid_max \(pidMax)")
        emit(actor, "sysctl ns_last_pid \(rng.weighted([(300, 70), (pidMax - 1, 15), (299, 15)]))")
        var failures = 0
        for _ in 0..<8 where failures < 2 && canCreate {
            let parent = rng.pick(world.live.filter { world.pidForChildren($0) == ns }) ?? actor
            if emit(parent, rng.chance(85) ? "fork" : "clone thread")?.errno != nil { failures += 1 }
        }
        if let victim = rng.pick(world.members(ns).filter({ $0 != actor && world.pids($0).last != 1 })) {
            emit(victim, "exit")
            emit(actor, "fork")
            emit(actor, "fork")
        }
    }

    /// A namespace's init dies with everything in and below it; the process that unshared it
    /// then gets ENOMEM for every new child there.
    func initDeath() {
        guard let actor = rootActor(nested: false), mayNestBelow(world.active(actor)) else { return }
        let unshared = rng.chance(85)
        var initHandle: Int?
        if world.pending(actor) != nil { emit(actor, "next_id clear") }
        if unshared {
            guard emit(actor, "unshare pid")?.errno == nil else { return }
            initHandle = created(emit(actor, "fork"))
        } else {
            initHandle = created(emit(actor, rng.chance(80) ? "clone newpid" : "clone newpid newipc"))
        }
        guard let initHandle else { return }
        for _ in 0..<rng.int(1...3) {
            guard canCreate else { break }
            let parent = rng.pick(world.live.filter { world.pidForChildren($0) == world.active(initHandle) }) ?? initHandle
            emit(parent, rng.weighted([("fork", 60), ("clone thread", 20), ("clone newpid", 10), ("unshare pid", 10)]))
        }
        if rng.chance(40), let someone = rng.pick(world.members(world.active(initHandle))) { read(someone) }
        emit(initHandle, "exit")
        emit(actor, rng.weighted([("fork", 90), ("clone thread", 4), ("read nspid", 3), ("unshare pid", 3)]))
        if unshared && rng.chance(50) { emit(actor, "read ns_last_pid") }
    }

    /// A chain of `clone newpid` many levels deep (at most test level 31), with forks and
    /// pending ids for several levels along the way.
    func deepNesting() {
        guard var current = rootActor(nested: false) else { return }
        let depth = profile == .namespaces ? rng.int(8...31) : rng.int(3...16)
        let stop = max(budget - 50, 2)  // leave the rest of the script its share
        while world.level(current) < depth, mayNestBelow(world.active(current)), canCreate, budget > stop {
            if rng.chance(35) {
                let levels = [Level.fresh] + world.chain(world.active(current)).map { .existing($0) }
                let ids = rng.chance(60) ? [1] + (1..<levels.count).map { forcedPid(levels[$0]) } : forcedIds(levels)
                emit(current, "next_id " + ScriptGenerator.nextIdText(Array(ids.prefix(rng.int(1...levels.count)))))
            }
            guard let child = created(emit(current, "clone newpid")) else {
                if emit(current, "clone newpid") == nil { return }
                continue
            }
            current = child
            if rng.chance(20) { read(current) }
            if rng.chance(15) { forcedCreate() }
        }
        emit(current, "read nspid")
    }

    /// get/rm pairs in one namespace and type: the idx cycles below max(in_use*3/2, 64) and
    /// seq grows when it wraps; some objects stay, which widens the cycle.
    func ipcChurn(pairs: Int) {
        var actor = rng.pick(rootTasks()) ?? 0
        if rng.chance(50), canCreate, let child = created(emit(actor, "clone newipc")) { actor = child }
        let kind = rng.weighted([(IpcKind.msg, 60), (.sem, 20), (.shm, 20)])
        var kept = 0
        for _ in 0..<pairs {
            guard let r = emit(actor, getLine(kind, key: "IPC_PRIVATE", flags: "0600")) else { return }
            guard case .value(let id) = r else { continue }
            if rng.chance(8) && kept < 50 {
                kept += 1
                continue
            }
            emit(actor, "\(kind.name)rm \(id)")
        }
        emit(actor, "read ipc \(kind.name)")
    }

    /// The automatic IPC idx cycle in one namespace and type: creations without removal until
    /// the cycle, max(in_use*3/2, 64), has grown and an idx past 63 is handed out; then removals
    /// until 30 to 50 objects are left, which shrinks the cycle below the cursor (back to 64
    /// with at most 42): a creation soon wraps to a low idx and seq grows.
    func ipcCycle() {
        var actor = rng.pick(rootTasks()) ?? 0
        if rng.chance(60), canCreate, let child = created(emit(actor, "clone newipc")) { actor = child }
        let kind = rng.weighted([(IpcKind.msg, 60), (.sem, 20), (.shm, 20)])
        var live = world.ipcRows(actor, kind).map { Int64($0.id) }
        var attempts = 0
        while attempts < 80, budget > 24, !live.contains(where: { $0 & 0x7fff >= 64 }) {
            attempts += 1
            if case .value(let id)? = emit(actor, getLine(kind, key: "IPC_PRIVATE", flags: "0600")) { live.append(id) }
        }
        // Around the boundary: up to 42 objects keep the cycle at 64, more widen it a little.
        let target = rng.chance(80) ? rng.int(30...42) : rng.int(43...50)
        while live.count > target, budget > 4 {
            emit(actor, "\(kind.name)rm \(live.remove(at: rng.below(live.count)))")
        }
        for _ in 0..<rng.int(1...6) { emit(actor, getLine(kind, key: "IPC_PRIVATE", flags: "0600")) }
        emit(actor, "read ipc \(kind.name)")
    }

    /// *_next_id at a taken idx: the kernel quietly takes the lowest free idx above it; a
    /// pending id for a taken idx is EBUSY instead, and one for a free idx is exact.
    func ipcFallback() {
        let actor = rng.pick(rootTasks()) ?? 0
        let kind = ipcKind()
        for _ in 0..<rng.int(1...3) { emit(actor, getLine(kind, key: "IPC_PRIVATE", flags: "0600")) }
        let rows = world.ipcRows(actor, kind)
        guard let taken = rng.pick(rows.map { Int64($0.id) & 0x7fff }) else { return }
        let idx = rng.chance(5) ? 32767 : taken
        if idx == 32767 {
            emit(actor, "sysctl \(kind.name)_next_id 32767")
            emit(actor, getLine(kind, key: "IPC_PRIVATE", flags: "0600"))
        }
        emit(actor, "sysctl \(kind.name)_next_id \(Int64(rng.int(0...3)) << 15 + idx)")
        emit(actor, getLine(kind, key: rng.chance(70) ? "IPC_PRIVATE" : rng.pick(keys), flags: "IPC_CREAT|0600"))
        emit(actor, "read \(kind.name)_next_id")
        emit(actor, "next_id LONG \(Int64(rng.int(0...3)) << 15 + idx)")
        emit(actor, getLine(kind, key: "IPC_PRIVATE", flags: "0600"))
        emit(actor, "read ipc \(kind.name)")
    }

    /// Children of an exiting thread go to another thread of its process; children of an
    /// exiting process go to the init of its namespace (read ppid shows which).
    func reparenting() {
        guard canCreate, let base = rootActor(nested: rng.chance(50)),
              let parent = created(emit(base, "fork")) else { return }
        let child = created(emit(parent, "fork"))
        let thread = created(emit(parent, "clone thread"))
        var grandchild: Int?
        if let thread { grandchild = created(emit(thread, "fork")) }
        if let child { emit(child, "read ppid") }
        if let thread, rng.chance(60) {
            emit(thread, "exit")
            if let grandchild { emit(grandchild, "read ppid") }
        }
        emit(parent, "exit")
        for h in [child, grandchild].compactMap({ $0 }) { emit(h, rng.chance(80) ? "read ppid" : "fork") }
    }

    /// Pending ids of a task that is not root: the EINVAL checks come first (pid 1 rule,
    /// pid_max), then EPERM, before EEXIST; automatic pids need no privilege, not even pid 1 of
    /// the namespace the process unshared before dropping root.
    func unprivileged() {
        guard canCreate, let base = rootActor(nested: rng.chance(30)), mayNestBelow(world.active(base)),
              let p = created(emit(base, "fork")) else { return }
        let unshared = rng.chance(70) && emit(p, "unshare pid")?.errno == nil
        emit(p, "setuid \(rng.pick([1000, 1001, 65534]) ?? 1000)")
        let pfc = world.pidForChildren(p)
        if unshared {
            emit(p, "next_id " + rng.pick(["LONG 1", "LONG 5", "LONG2 1 \(freePid(in: world.active(p), from: 2, below: 400))"]))
            emit(p, "fork")
            emit(p, "fork")
        }
        for _ in 0..<rng.int(1...3) {
            let used = world.pidsInUse(pfc)
            let x = rng.chance(50) ? (rng.pick(used) ?? 1) : freePid(in: pfc, from: 2, below: 400)
            emit(p, "next_id LONG \(x)")
            emit(p, rng.chance(80) ? "fork" : "clone thread")
        }
        emit(p, "next_id LONG 0")
        emit(p, "fork")
    }
}
