/// Moves and scenarios on sessions, process groups and zombies: setsid, setpgid with every
/// kind of target and group (children, strangers, threads, session leaders, groups of dead
/// leaders, other sessions, other namespaces), wait for zombies and live children, the SIGCHLD
/// disposition, and the pids that dead leaders and zombies keep taken.
extension ScriptGenerator {
    // MARK: single moves

    /// Mostly a process that does not lead a group yet (a new session), else any (EPERM).
    func setsidMove() {
        let processes = world.live.filter { !world.isThread($0) }
        let fresh = processes.filter { world.pgid($0) != world.pids($0)[0] }
        let actor = rng.chance(70) ? (rng.pick(fresh) ?? anyTask()) : anyTask()
        emit(actor, "setsid")
    }

    /// setpgid PID PGID with the pid and the group picked among what makes a difference.
    func setpgidMove() {
        guard let actor = rng.pick(world.live) else { return }
        emit(actor, setpgidLine(actor, setpgidTarget(actor), setpgidGroup(actor)))
    }

    /// `setpgid PID PGID`, except that an init never joins a group other than its own: a group
    /// whose leader has a pid in the init's namespace (or below) pins that pid, and once the
    /// init exits the kernel can never tear its namespace down (zap_pid_ns_processes waits for
    /// a pid only the init's own release frees), not even at the end of the script; kernelrun
    /// refuses such scripts rather than leave unkillable tasks behind. Such a line gets pgid 0.
    func setpgidLine(_ actor: Int, _ pid: Int32, _ pgid: Int32) -> String {
        let target = pid == 0 ? world.leader(actor)
            : world.existing.first { !world.isThread($0) && world.number(of: $0, seenBy: actor) == pid }
        if let target, world.isInit(target), pgid != 0, pgid != pid, pgid != world.number(of: target, seenBy: actor) {
            return "setpgid \(pid) 0"
        }
        return "setpgid \(pid) \(pgid)"
    }

    /// The pid argument in the actor's namespace: 0, itself, a child (zombies too), a child
    /// in another namespace, a stranger, a thread, junk.
    func setpgidTarget(_ actor: Int) -> Int32 {
        let children = world.children(ofProcessOf: actor)
        switch rng.weighted([("zero", 20), ("self", 10), ("child", 40), ("stranger", 12), ("thread", 6), ("junk", 12)]) {
        case "zero": return 0
        case "self": return world.number(of: world.leader(actor), seenBy: actor) ?? 0
        case "child": return rng.pick(children).flatMap { world.number(of: $0, seenBy: actor) } ?? 0
        case "stranger":
            return rng.pick(world.existing.filter { !world.isThread($0) }).flatMap { world.number(of: $0, seenBy: actor) } ?? 1
        case "thread":
            return rng.pick(world.live.filter { world.isThread($0) }).flatMap { world.number(of: $0, seenBy: actor) } ?? 2
        default: return rng.pick([-1, Int32.max, 1, Int32(rng.int(2...600))])
        }
    }

    /// The group argument: 0, the pid itself, a group in use (the actor's session or another,
    /// held by a dead leader or not), a pid that is no group, a negative one.
    func setpgidGroup(_ actor: Int) -> Int32 {
        let groups = Set(world.existing.compactMap { h -> Int32? in
            guard let s = world.status(h), let l = s.nsPgid.indices.last, world.level(actor) <= l else { return nil }
            let nr = s.nsPgid[world.level(actor)]
            return nr == 0 ? nil : nr
        })
        switch rng.weighted([("zero", 25), ("group", 45), ("own", 10), ("pid", 10), ("negative", 5), ("junk", 5)]) {
        case "zero": return 0
        case "group": return rng.pick(groups.sorted()) ?? 0
        case "own": return world.number(of: actor, seenBy: actor) ?? 1
        case "pid": return rng.pick(world.pidsInUse(world.active(actor))) ?? 1
        case "negative": return -Int32(rng.int(1...5))
        default: return Int32(rng.int(1...700))
        }
    }

    /// wait for any child or one pid: a parent with zombies most of the time.
    func waitMove() {
        let parents = world.live.filter { h in world.children(ofProcessOf: h).contains { world.status($0)?.state == .zombie } }
        let actor = rng.chance(75) ? (rng.pick(parents) ?? anyTask()) : anyTask()
        emit(actor, waitLine(actor))
    }

    func waitLine(_ actor: Int) -> String {
        let children = world.children(ofProcessOf: actor)
        switch rng.weighted([("any", 55), ("zombie", 25), ("child", 8), ("other", 6), ("bad", 6)]) {
        case "zombie":
            let zombie: Int? = rng.pick(children.filter { world.status($0)?.state == .zombie })
            return zombie.flatMap { world.number(of: $0, seenBy: actor) }.map { "wait \($0)" } ?? "wait"
        case "child":
            return rng.pick(children).flatMap { world.number(of: $0, seenBy: actor) }.map { "wait \($0)" } ?? "wait"
        case "other":
            return rng.pick(world.existing).flatMap { world.number(of: $0, seenBy: actor) }.map { "wait \($0)" } ?? "wait 1"
        case "bad": return rng.pick(["wait 0", "wait -1", "wait \(Int32.max)"])
        default: return "wait"
        }
    }

    func sigchldMove() {
        emit(anyTask(), rng.chance(40) ? "sigchld ignore" : "sigchld default")
    }

    /// A zombie, a dead handle, or a live task, as the root namespace shows it.
    func readStatMove() {
        let zombie: Int? = rng.pick(world.zombies)
        let target = rng.chance(55) ? (zombie ?? anyTask()) : rng.chance(70) ? anyTask() : deadOrUnknownHandle()
        emit(anyTask(), "read stat \(target)")
    }

    // MARK: scenarios

    /// A process leads a group with members and dies; its pid stays taken by the group (and by
    /// its zombie until reaped): the automatic pids wrap around it at a small pid_max, a forced
    /// pid on it is EEXIST, and once the last member leaves the pid is free again. Sometimes
    /// the same with a session.
    func deadGroupLeader() {
        guard canCreate, let base = rootActor(nested: rng.chance(35)),
              let leader = created(emit(base, "fork")) else { return }
        let session = rng.chance(35)
        emit(leader, session ? "setsid" : "setpgid 0 0")
        var members: [Int] = []
        for _ in 0..<rng.int(1...3) {
            guard canCreate, let m = created(emit(leader, "fork")) else { break }
            members.append(m)
        }
        if !session, rng.chance(50), canCreate, let outsider = created(emit(base, "fork")),
           let pgid = world.number(of: leader, seenBy: base) {
            // a sibling joins from the parent's side: same session, so allowed
            if let pid = world.number(of: outsider, seenBy: base) { emit(base, setpgidLine(base, pid, pgid)) }
            members.append(outsider)
        }
        if let m = rng.pick(members) { emit(m, rng.pick(["read nspgid", "read nssid"])) }
        emit(leader, "exit \(rng.int(0...255))")
        emit(base, "read stat \(leader)")
        if rng.chance(65) { emit(base, "wait") }
        pidHeldCheck(leader, from: base)
        // the members leave: the pid is free again
        for m in members where world.alive(m) {
            if rng.chance(60) { emit(m, rng.chance(50) ? "exit" : "setpgid 0 0") }
        }
        if rng.chance(50) { emit(base, "wait") }
        pidHeldCheck(leader, from: base)
    }

    /// The pid of `dead` in `actor`'s namespace, tried as a forced pid (EEXIST while held) and
    /// reached by the cursor (skipped while held).
    func pidHeldCheck(_ dead: Int, from actor: Int) {
        guard canCreate, let nr = world.number(of: dead, seenBy: actor), inOwnNamespace(actor) else { return }
        if rng.chance(60) {
            emit(actor, "next_id LONG \(nr)")
            emit(actor, "fork")
        } else if nr > 1 {
            emit(actor, "sysctl ns_last_pid \(nr - 1)")
            emit(actor, "fork")
        }
    }

    /// Zombies in a small namespace: a parent forks children that exit without being reaped,
    /// the cursor is set just below them and automatic pids skip them until the namespace is
    /// full (EAGAIN); wait frees them.
    func zombieWrap() {
        guard canCreate, let creator = rng.pick(rootTasks({ self.inOwnNamespace($0) && self.mayNestBelow(self.world.active($0)) })),
              let nsInit = created(emit(creator, "clone newpid")) else { return }
        emit(nsInit, "sysctl pid_max \(rng.int(301...306))")
        emit(nsInit, "sysctl ns_last_pid \(rng.weighted([(299, 50), (300, 30), (301, 20)]))")
        guard let parent = created(emit(nsInit, "fork")) else { return }
        if rng.chance(20) { emit(parent, "sigchld ignore") }
        var kids: [Int] = []
        for _ in 0..<rng.int(2...5) {
            guard canCreate, let k = created(emit(parent, "fork")) else { break }
            kids.append(k)
        }
        for k in kids where rng.chance(80) { emit(k, "exit \(rng.int(0...3))") }
        if let k = rng.pick(kids) { emit(nsInit, "read stat \(k)") }
        emit(nsInit, "sysctl ns_last_pid \(rng.int(299...301))")
        for _ in 0..<rng.int(2...4) { emit(rng.chance(70) ? parent : nsInit, "fork") }
        emit(parent, waitLine(parent))
        emit(parent, "wait")
        emit(nsInit, "fork")
        if rng.chance(40) { emit(parent, "exit") }  // any zombies left go to the init, which reaps them
        if rng.chance(50) { emit(nsInit, "fork") }
    }

    /// setpgid between sessions and namespaces: a child left in the old session (EPERM), the
    /// init of a new namespace whose inherited group and session it cannot see (0), which
    /// joins nothing there until it makes its own; a group id from inside a namespace that the
    /// outside names differently.
    func crossSessions() {
        guard canCreate, let base = rootActor(nested: rng.chance(25)), let p = created(emit(base, "fork")) else { return }
        let before = created(emit(p, "fork"))
        emit(p, "setsid")
        if let before, let pid = world.number(of: before, seenBy: p) {
            emit(p, "setpgid \(pid) 0")  // other session: EPERM
            emit(p, setpgidLine(p, pid, world.number(of: p, seenBy: p) ?? 0))
        }
        guard canCreate, inOwnNamespace(p), mayNestBelow(world.active(p)), world.isRoot(p),
              let inner = created(emit(p, rng.chance(70) ? "clone newpid" : "clone newpid newipc")) else { return }
        emit(inner, rng.pick(["read nspgid", "read nssid"]))
        if let pid = world.number(of: inner, seenBy: p) {
            emit(p, "setpgid \(pid) \(pid)")
            emit(inner, "read nspgid")
        }
        let member = created(emit(inner, "fork"))
        emit(inner, rng.chance(50) ? "setsid" : "setpgid 0 0")
        if let member {
            emit(member, setpgidLine(member, 0, 1))
            emit(member, "read nspgid")
            if let pid = world.number(of: member, seenBy: p), let pgid = world.number(of: inner, seenBy: p) {
                emit(p, setpgidLine(p, pid, pgid))  // not p's child: ESRCH
            }
        }
        if let pgid = world.number(of: inner, seenBy: p) { emit(p, setpgidLine(p, 0, pgid)) }
    }

    /// A namespace's init dies while processes of its namespace have their parent outside: they
    /// become that parent's zombies and the init waits, dying, until they are reaped (or until
    /// an outside process leaves a group led from inside).
    func initDeathWithZombies() {
        guard canCreate, let actor = rootActor(nested: false), mayNestBelow(world.active(actor)) else { return }
        if world.pending(actor) != nil { emit(actor, "next_id clear") }
        guard emit(actor, "unshare pid")?.errno == nil, let nsInit = created(emit(actor, "fork")) else { return }
        var outside: [Int] = []
        for _ in 0..<rng.int(1...3) {
            guard canCreate, let c = created(emit(actor, "fork")) else { break }
            outside.append(c)
        }
        if canCreate, rng.chance(50) { emit(nsInit, rng.chance(70) ? "fork" : "clone thread") }
        if rng.chance(35), let c = rng.pick(outside), let pid = world.number(of: c, seenBy: actor) {
            // the outside process joins a group led from inside the namespace
            emit(actor, "setpgid \(pid) \(pid)")
            emit(actor, setpgidLine(actor, 0, pid))
        }
        emit(nsInit, "exit \(rng.int(0...2))")
        emit(actor, "read stat \(nsInit)")
        if let c = rng.pick(outside) { emit(actor, "read stat \(c)") }
        emit(actor, "fork")  // ENOMEM
        for _ in 0..<outside.count + 1 {
            emit(actor, rng.chance(85) ? waitLine(actor) : "setpgid 0 0")
        }
        emit(actor, "read stat \(nsInit)")
        if rng.chance(40) { emit(actor, "wait") }
    }
}
