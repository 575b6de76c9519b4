/// Moves on pid allocation: pending ids (LONG<n>) before a creation, ns_last_pid and pid_max.
extension ScriptGenerator {
    /// A level of a new task's pid namespace chain: an existing namespace, or the one a
    /// `clone newpid` is about to make.
    enum Level {
        case fresh
        case existing(UInt32)
    }

    /// `next_id LONG<n> ...` then a creation by the same thread, with ids aimed at the pids in
    /// use at each level: collisions (EEXIST), free pids, pid 1 and the init rule, pid_max.
    func forcedCreate() {
        guard canCreate else { return exitSomeone() }
        let actor = rng.chance(75) ? (rng.pick(rootTasks()) ?? 0) : maybeUnprivileged(70)
        let creation = rng.weighted([("fork", 55), ("clone thread", 15), ("clone newpid", 20), ("clone newipc", 5), ("clone thread newpid", 5)])
        let pfc = world.pidForChildren(actor)
        var levels: [Level]
        switch creation {
        case "clone thread": levels = world.chain(world.active(actor)).map { .existing($0) }
        case "clone newpid", "clone thread newpid":
            guard mayNestBelow(pfc) else { return fork() }
            levels = [.fresh] + world.chain(pfc).map { .existing($0) }
        default: levels = world.chain(pfc).map { .existing($0) }
        }
        let ids = forcedIds(levels)
        emit(actor, "next_id " + ScriptGenerator.nextIdText(ids))
        switch rng.below(100) {
        case 0..<6: emit(actor, "next_id clear")
        case 6..<10: emit(actor, rng.pick(["next_id LONG2 1", "next_id LONG 2147483648", "next_id LONG -1"]))
        case 10..<14: read(actor)
        default: break
        }
        emit(actor, creation)
        if creation == "clone thread newpid" { emit(actor, "fork") }  // the ids are still pending
    }

    static func nextIdText(_ ids: [Int32]) -> String {
        (ids.count == 1 ? "LONG" : "LONG\(ids.count)") + ids.map { " \($0)" }.joined()
    }

    /// How many ids: mostly the innermost level only, sometimes several or all, sometimes one
    /// more than the nesting allows (EINVAL), rarely many more.
    func forcedIds(_ levels: [Level]) -> [Int32] {
        let all = levels.count
        var n = rng.weighted([(1, 55), (rng.int(1...all), 25), (all, 10), (all + 1, 7), (rng.int(min(all + 2, 32)...32), 3)])
        n = min(max(n, 1), 32)
        return (0..<n).map { i in i < all ? forcedPid(levels[i]) : Int32(rng.int(2...500)) }
    }

    func forcedPid(_ level: Level) -> Int32 {
        guard case .existing(let ns) = level else {
            return rng.chance(90) ? 1 : rng.pick([2, 5, 300])
        }
        let pidMax = world.pidMax(ns)
        if world.initState(ns) == .none {
            return rng.chance(80) ? 1 : Int32(rng.int(2...100))
        }
        let used = world.pidsInUse(ns)
        switch rng.weighted([("free", 55), ("collide", 25), ("one", 5), ("max", 4), ("zero", 3), ("huge", 2), ("top", 6)]) {
        case "collide": return rng.pick(used) ?? 1
        case "one": return 1
        case "max": return Int32(pidMax + rng.pick([0, 0, 1, 100]))
        case "zero": return 0
        case "huge": return Int32.max
        case "top": return freePid(in: ns, from: max(2, pidMax - 8), below: pidMax)
        default:
            let near = used.max().map { Int($0) } ?? 2
            return freePid(in: ns, from: 2, below: min(pidMax, max(near + 40, 320)))
        }
    }

    /// A pid not in use in `ns` within from..<below (or one at random if all are).
    func freePid(in ns: UInt32, from: Int, below: Int) -> Int32 {
        let used = Set(world.pidsInUse(ns))
        let upper = max(below, from + 1)
        for _ in 0..<20 {
            let candidate = Int32(rng.int(from...(upper - 1)))
            if !used.contains(candidate) { return candidate }
        }
        return Int32(rng.int(from...(upper - 1)))
    }

    /// ns_last_pid near pid_max (wrap around to 300), just below a pid in use (the cursor skips
    /// it), 0, random, or malformed; often followed by a few forks into that namespace.
    func nsLastPid() {
        let actor = rng.chance(90) ? (rng.pick(rootTasks()) ?? 0) : maybeUnprivileged(80)
        let ns = world.active(actor)
        let pidMax = world.pidMax(ns)
        let value: String
        switch rng.weighted([("top", 40), ("collide", 20), ("zero", 5), ("random", 15), ("max", 5), ("bad", 15)]) {
        case "top": value = String(pidMax - rng.int(1...6))
        case "collide": value = String(max(0, Int(rng.pick(world.pidsInUse(ns)) ?? 2) - rng.int(1...2)))
        case "zero": value = "0"
        case "random": value = String(rng.int(1...min(pidMax, 5000)))
        case "max": value = String(pidMax)
        default: value = rng.pick(["-1", String(pidMax + 1), "abc", "0x10", "010", "5x", "+5", "08", "-0", " 12"])
        }
        emit(actor, "sysctl ns_last_pid \(value)")
        if rng.chance(60) { forksInto(ns, count: rng.int(1...4)) }
    }

    /// Forks by tasks whose children land in `ns`.
    func forksInto(_ ns: UInt32, count: Int) {
        for _ in 0..<count {
            guard canCreate, let parent = rng.pick(world.live.filter({ world.pidForChildren($0) == ns })) else { return }
            emit(parent, rng.chance(85) ? "fork" : "clone thread")
        }
    }

    /// pid_max: small in nested namespaces (exhaustion, early wrap), 400...32768 in the root.
    func writePidMax() {
        let nested = rootTasks { self.world.level($0) > 0 }
        let actor = rng.chance(70) ? (rng.pick(nested) ?? 0) : (rng.chance(90) ? 0 : anyTask())
        let value: String
        if rng.chance(10) {
            value = rng.pick(["300", "4194305", "0", "abc"])
        } else if world.level(actor) > 0 {
            value = String(rng.chance(70) ? rng.int(301...420) : rng.int(1000...5000))
        } else {
            value = String(rng.int(400...32768))
        }
        emit(actor, "sysctl pid_max \(value)")
        if rng.chance(40) { emit(actor, "read pid_max") }
    }
}
