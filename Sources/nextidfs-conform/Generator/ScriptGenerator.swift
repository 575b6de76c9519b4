import IdAllocators

/// Writes one random script, running every operation on the simulation as it goes so that
/// each next operation can aim at the live state: live handles, pids in use at each level,
/// namespaces with and without an init, IPC ids and keys in use.
///
/// A script has a profile that weights its single moves, and an agenda of scenarios (wrap
/// around, exhaustion, an init's death, deep nesting, IPC churn, next_id fallback,
/// reparenting) spread over it, so that most scripts provoke most of the interesting events.
final class ScriptGenerator {
    var rng: Rng
    let world: GenWorld
    let pidMax: Int
    let profile: Profile
    /// Operations left to write.
    private(set) var budget: Int
    private(set) var lines: [String] = []
    var stats: EventStats
    /// The script's own small set of IPC keys, so that gets meet existing keys.
    let keys: [String]
    /// kernelrun stays fast with a modest number of tasks.
    let maxLiveTasks = 300

    enum Profile: String, CaseIterable {
        case mixed, pids, namespaces, ipc
    }

    init(seed: UInt64, operations: Int, stats: EventStats) {
        var rng = Rng(seed: seed)
        profile = rng.weighted([(.mixed, 40), (.pids, 20), (.namespaces, 20), (.ipc, 20)])
        pidMax = ScriptGenerator.headerPidMax(profile, &rng)
        keys = Array(rng.shuffled(["1", "2", "0x10", "4660", "-5", "0xffffffff", "2147483647", "77"]).prefix(rng.int(2...5)))
        self.rng = rng
        world = GenWorld(pidMax: pidMax)
        budget = operations
        self.stats = stats
    }

    /// The root namespace's pid_max: often small, so that automatic pids wrap to 300 within a
    /// script (400...32768 only: kernelrun's namespaces live under the host's).
    static func headerPidMax(_ profile: Profile, _ rng: inout Rng) -> Int {
        switch profile {
        case .pids: rng.chance(70) ? rng.int(400...600) : rng.int(601...2000)
        case .mixed: rng.weighted([(rng.int(400...600), 40), (Limits.defaultPidMax, 30), (rng.int(601...5000), 30)])
        case .namespaces, .ipc: rng.chance(50) ? Limits.defaultPidMax : rng.int(400...1000)
        }
    }

    func generate(header: String) -> String {
        if pidMax != Limits.defaultPidMax || rng.chance(20) { lines.append("pid_max \(pidMax)") }
        lines.append("# \(header), profile \(profile.rawValue)")
        // The expensive scenarios first, while the budget still has room for them.
        var agenda = rng.shuffled(Scenario.allCases.filter { rng.chance($0.percent(in: profile)) })
            .sorted { $0.minimumOperations > $1.minimumOperations }
        while budget > 0 {
            agenda.removeAll { $0.minimumOperations > budget }
            if !agenda.isEmpty, rng.below(budget) < agenda.count * 6 {
                let next = agenda.removeFirst()
                lines.append("# \(next.rawValue)")
                run(next)
            } else {
                run(rng.weighted(Move.allCases.map { ($0, $0.weight(in: profile)) }))
            }
        }
        stats.endScript()
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes and runs one operation; nil once the budget is spent.
    @discardableResult
    func emit(_ h: Int, _ command: String) -> OpResult? {
        guard budget > 0 else { return nil }
        budget -= 1
        let before = Observation(world, h, command)
        let result = world.apply(h, command)
        lines.append("\(h) \(command)")
        stats.countOperation()
        if ScriptGenerator.isSessionOperation(command) { stats.note("ops.sessions") }
        before.classify(result, world: world, into: &stats)
        return result
    }

    /// The operations on sessions, groups and zombies (their share of the lines is in --stats).
    static func isSessionOperation(_ command: String) -> Bool {
        let words = Words.split(Substring(command))
        switch words.first {
        case "setsid", "setpgid", "wait", "sigchld": return true
        case "exit": return words.count > 1
        case "read": return words.count > 1 && ["stat", "nspgid", "nssid"].contains(words[1])
        default: return false
        }
    }

    // MARK: choosing tasks

    var liveCount: Int { world.live.count }
    var canCreate: Bool { liveCount < maxLiveTasks }

    func anyTask() -> Int { rng.pick(world.live) }

    /// Often a task in a nested namespace, where the interesting pids are.
    func busyTask() -> Int {
        let nested = world.live.filter { world.level($0) > 0 }
        if !nested.isEmpty && rng.chance(45) { return rng.pick(nested) }
        return anyTask()
    }

    /// Sometimes a task that is not root (for EPERM and EACCES), else any task.
    func maybeUnprivileged(_ percent: Int) -> Int {
        let others = world.live.filter { !world.isRoot($0) }
        if rng.chance(percent), let h = rng.pick(others) { return h }
        return anyTask()
    }

    func rootTasks(_ filter: (Int) -> Bool = { _ in true }) -> [Int] {
        world.live.filter { world.isRoot($0) && filter($0) }
    }

    /// A task whose next child lands in its own namespace.
    func inOwnNamespace(_ h: Int) -> Bool { world.pidForChildren(h) == world.active(h) }

    /// Creating a pid namespace from here stays within test level 31 (the kernel's limit, one
    /// level above the test's root namespace).
    func mayNestBelow(_ ns: UInt32) -> Bool { world.level(ofNamespace: ns) <= 30 }

    /// The handle of a created task, if the operation created one.
    func created(_ result: OpResult?) -> Int? {
        if case .created(_, let h, _)? = result { return h }
        return nil
    }
}
