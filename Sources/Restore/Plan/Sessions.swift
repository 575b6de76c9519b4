/// Sessions as the image shows them, and what the restore must do for them. A process is born
/// in its maker's session and leaves it only by `setsid`, so the session it was born in is
/// its own when it does not lead one, else the one its children were born in (if not its own:
/// it made them before its `setsid`, which they did not follow).
///
/// A member of session S whose parent cannot have made it in S (its parent is an init of
/// another session: the member was reparented there when its maker, a task of S, exited) is
/// made by a **session helper** in S (when the leader of S is gone, a helper at the leader's
/// pids that runs `setsid`; else one the leader forks): it makes the first run of such members
/// in the init's list and forks one helper for each later run; each holder exits in its run's turn (phase B), so the init's
/// list gets them in the world's order, as Linux appends a dying parent's children.
struct Sessions {
    /// The session each process is born in (none: it leads its own and makes nothing in
    /// another, so it can be born in any).
    var bornIn: [Int32: Int32] = [:]
    /// Children of inits made by a session helper: the session they are born in.
    var madeByHelper: [Int32: Int32] = [:]
    /// Sessions whose leader is gone: its pids (root namespace first, down to the namespace the
    /// first member reparented to an init sees it in) and that namespace.
    var goneLeader: [Int32: (pids: [Int32], namespace: PidNamespaceName)] = [:]
    /// Living leaders whose session helper makes members: the IPC namespace of the first (the
    /// leader is there when it forks the helper; a zombie leader was there too).
    var helperContext: [Int32: IpcNamespaceName] = [:]
    /// A process whose children need two sessions besides its own.
    var conflict: Int32?

    init() {}

    init(_ facts: Facts) {
        // Children before parents.
        var order: [Int32] = []
        var stack: [(Int32, Bool)] = [(1, false)]
        while let (g, done) = stack.popLast() {
            if done { order.append(g); continue }
            stack.append((g, true))
            for t in facts.process(g).threads { for c in t.children { stack.append((c, false)) } }
        }
        for g in order {
            let p = facts.process(g)
            if p.sid != g { bornIn[g] = p.sid; continue }
            // (an init's children of other sessions are made by session helpers)
            if facts.isInit(g) { continue }
            let others = Set(p.threads.flatMap { $0.children.compactMap { bornIn[$0] } }).subtracting([g])
            if others.count > 1 { conflict = g }
            bornIn[g] = others.first
        }
        for g in facts.tgids where g != 1 {
            let p = facts.process(g), parent = facts.parentGroup(g)!
            guard facts.isInit(parent), let s = bornIn[g], s != facts.process(parent).sid else { continue }
            madeByHelper[g] = s
            if facts.processes[s] != nil, helperContext[s] == nil { helperContext[s] = p.ipcNamespace }
            // (its pids as a process still in the session sees them: the member may lead its own now)
            if facts.processes[s] == nil, goneLeader[s] == nil,
               let q = p.sid == s ? p : facts.tgids.lazy.map(facts.process).first(where: { $0.sid == s }),
               let level = q.sids.lastIndex(where: { $0 != 0 }) {
                goneLeader[s] = (Array(q.sids[0...level]), facts.chain(q.pidNamespace)[level])
            }
        }
    }
}
