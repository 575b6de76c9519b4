import IdAllocators

/// Who made an IPC namespace: one of the world's processes (by `unshare ipc`, or a child that
/// did it right after its birth, as `clone newipc` does), a helper in a pid namespace standing
/// in for a process that has gone, or nobody (the root one, there from the start).
enum Founder: Hashable, CustomStringConvertible {
    case process(Int32)
    case helper(PidNamespaceName)
    case origin

    var description: String {
        switch self {
        case .process(let g): "process \(g)"
        case .helper(let n): "a helper in \(n)"
        case .origin: "the machine"
        }
    }
}

/// A history that explains the final state: for every process, the IPC namespace it was born
/// in and those it founded (its visits, in order), and which children of a namespace's init were
/// made by helpers standing in for processes that have gone. The final state shows none of it;
/// any history that leads to the same state will do.
struct History {
    var founder: [IpcNamespaceName: Founder] { didSet { foundingProcesses = Self.processes(founder) } }
    /// The processes `founder` names (most found nothing: `founds` asks no more of them).
    private(set) var foundingProcesses: Set<Int32>
    /// The IPC namespace a process is born in; none: it founds every one it needs, so it can be
    /// born wherever its maker is.
    var birth: [Int32: IpcNamespaceName] = [:]
    /// The namespaces each process must be in at some time: its birth, those it founds, and
    /// the births of the children it makes itself.
    var needs: [Int32: Set<IpcNamespaceName>] = [:]
    /// Children of inits made by helpers (in the init's pid namespace, or in a child namespace
    /// by a helper that unshares it).
    var helperMade = Set<Int32>()
    /// Pid namespaces made by a helper (their unsharer has gone): the IPC namespace it is in.
    var namespaceBirth: [PidNamespaceName: IpcNamespaceName] = [:]

    init(founder: [IpcNamespaceName: Founder]) {
        self.founder = founder
        foundingProcesses = Self.processes(founder)
    }

    static func processes(_ founder: [IpcNamespaceName: Founder]) -> Set<Int32> {
        Set(founder.values.compactMap { if case .process(let g) = $0 { g } else { nil } })
    }

    func founds(_ g: Int32) -> Set<IpcNamespaceName> {
        guard !foundingProcesses.isEmpty, foundingProcesses.contains(g), let needs = needs[g] else { return [] }
        // (most processes need one namespace: no new set for them)
        if needs.count == 1 { return founder[needs.first!] == .process(g) ? needs : [] }
        return needs.filter { founder[$0] == .process(g) }
    }
}

/// Finds a history (see `History`) by a search over founders. A process is born in one IPC
/// namespace, so it founds every other one it needs; when it needs two that it does not found,
/// or cannot visit its namespaces in an order its children allow, the search tries the ways
/// out: the process founds one more, or a child that brings a namespace into its needs founds
/// that one itself (as after `clone newipc`).
struct HistorySolver {
    let facts: Facts
    /// Children that may be made by a helper: those of an init's leader (a process that ended
    /// there reparents its children to it), in its own pid namespace or in a child namespace
    /// whose unsharer has gone.
    var helperCandidates = Set<Int32>()
    /// Processes, children before parents.
    var postOrder: [Int32] = []
    /// The founder of a namespace until the search says otherwise: a member that can have
    /// founded it (its parent is outside), in the shallowest pid namespace, the smallest there.
    var defaultFounder: [IpcNamespaceName: Founder] = [:]
    var budget = 2_000
    /// The second try, when the first found no history: a context that a process not made yet
    /// may still bring is waited for (its maker is made first) rather than asked of the init
    /// one level up, or of an init its parent makes itself.
    var patient = false

    init(_ facts: Facts) {
        self.facts = facts
        for g in facts.tgids where g != 1 {
            let parent = facts.parentGroup(g)!
            guard facts.isInit(parent), facts.parentTid[g] == parent else { continue }
            let p = facts.process(g), m = facts.process(parent).pidNamespace
            if p.pidNamespace == m || (facts.pidNamespace(p.pidNamespace).parent == m && facts.unsharerOf[p.pidNamespace] == nil) {
                helperCandidates.insert(g)
            }
        }
        for (x, members) in facts.members where x != facts.rootIpc {
            // (a member whose parent is in it too was born there: its parent was there first; one
            // in the shallowest pid namespace, where the context can reach the most members)
            // (not a member made by the helper of a session whose leader is gone: that helper is
            // born where the leader was, so a helper founds the namespace if no other member can)
            let entries = members.filter { g in g != 1 && facts.process(facts.parentGroup(g)!).ipcNamespace != x }
            let bySession = entries.filter { facts.sessions.madeByHelper[$0].map { facts.sessions.goneLeader[$0] != nil } ?? false }
            let entry = entries.filter { !bySession.contains($0) }
                .min { (facts.pidNamespace(facts.process($0).pidNamespace).level, $0) < (facts.pidNamespace(facts.process($1).pidNamespace).level, $1) }
            defaultFounder[x] = entry.map { .process($0) } ?? .helper(facts.process(bySession.first ?? members[0]).pidNamespace)
        }
        if facts.process(1).ipcNamespace != facts.rootIpc { defaultFounder[facts.process(1).ipcNamespace] = .process(1) }
        var stack: [(Int32, Bool)] = [(1, false)]
        while let (g, done) = stack.popLast() {
            if done { postOrder.append(g); continue }
            stack.append((g, true))
            for t in facts.process(g).threads { for c in t.children { stack.append((c, false)) } }
        }
    }

    /// Process `process` needs these namespaces and founds none, or cannot order its visits.
    /// `bringers`: per namespace, the processes whose founding it would take it out of the
    /// process's needs (a child born there, and below it those that make the child need it);
    /// `tainted`: a conflict below it came first (its needs may be wrong).
    struct Conflict: Error {
        var process: Int32
        var namespaces: [IpcNamespaceName]
        var bringers: [IpcNamespaceName: [Int32]] = [:]
        var tainted = false
    }

    mutating func solve(_ accept: (History) -> Bool) -> History? {
        var fixed: [IpcNamespaceName: Founder] = [facts.rootIpc: .origin]
        let p1 = facts.process(1)
        if p1.ipcNamespace != facts.rootIpc { fixed[p1.ipcNamespace] = .process(1) }
        return search(fixed, accept)
    }

    /// Depth first, on the most constrained conflict (the fewest ways out) at each step.
    mutating func search(_ founders: [IpcNamespaceName: Founder], _ accept: (History) -> Bool) -> History? {
        budget -= 1
        guard budget > 0 else { return nil }
        switch derive(founders) {
        case .success(let history):
            return accept(history) ? history : nil
        case .failure(let all):
            let conflict = all.conflicts[0]
            let ways = options(conflict, founders)
            debugLog("conflict at \(conflict.process) over \(conflict.namespaces); options \(ways.map { "\($0.0)=\($0.1)" })")
            for (x, f) in ways {
                var next = founders
                next[x] = f
                if let h = search(next, accept) { return h }
            }
            return nil
        }
    }

    /// The ways out of a conflict, likeliest first: the process founds its own final namespace
    /// (it was born in the other one and left, by `unshare ipc`); the one child bringing a
    /// namespace, a member of it, founds it (as after `clone newipc`); the process founds
    /// another one it passed through; a process further down that brings one founds it.
    func options(_ c: Conflict, _ founders: [IpcNamespaceName: Founder]) -> [(IpcNamespaceName, Founder)] {
        let open = c.namespaces.filter { founders[$0] == nil && $0 != facts.rootIpc }
        let own = facts.process(c.process).ipcNamespace
        var out: [(IpcNamespaceName, Founder)] = []
        func add(_ x: IpcNamespaceName, _ f: Founder) {
            guard f != defaultFounder[x], !out.contains(where: { $0.0 == x && $0.1 == f }) else { return }
            out.append((x, f))
        }
        if open.contains(own) { add(own, .process(c.process)) }
        for x in open {
            let direct = (c.bringers[x] ?? []).filter { facts.parentGroup($0) == c.process }
            if direct.count == 1, facts.process(direct[0]).ipcNamespace == x { add(x, .process(direct[0])) }
        }
        for x in open { add(x, .process(c.process)) }
        for x in open { for b in c.bringers[x] ?? [] { add(x, .process(b)) } }
        // A helper founds it where members are, or one level up (it made their namespace).
        for x in open {
            for g in facts.members[x] ?? [] {
                let n = facts.process(g).pidNamespace
                add(x, .helper(n))
                if let up = facts.pidNamespace(n).parent { add(x, .helper(up)) }
            }
        }
        // The maker of a member founds it: it was there when it made the member, and left.
        for x in open {
            for g in facts.members[x] ?? [] {
                guard let up = facts.parentGroup(g), !facts.isInit(up), facts.process(up).ipcNamespace != x else { continue }
                add(x, .process(up))
            }
        }
        return out
    }

    struct Conflicts: Error { var conflicts: [Conflict] }

    func directChildren(_ g: Int32) -> [Int32] {
        facts.process(g).threads.flatMap(\.children)
    }

    /// Births, needs and visit orders bottom-up for the given founders (namespaces without one
    /// are founded by helpers); children of inits are made by helpers where a helper can be in
    /// their context, the others by the init itself.
    func derive(_ assigned: [IpcNamespaceName: Founder]) -> Result<History, Conflicts> {
        let founders = defaultFounder.merging(assigned) { $1 }
        var helperMade = helperCandidates
        /// Namespaces an init must be in at some time for a helper below it to have a context.
        var contextNeeds: [Int32: Set<IpcNamespaceName>] = [:]
        /// For each, the members born there that asked for it (bringers, as children are).
        var contextBringers: [Int32: [IpcNamespaceName: [Int32]]] = [:]
        while true {
            var h = History(founder: founders)
            var conflicts: [Conflict] = []
            var tainted = Set<Int32>()
            func conflict(_ g: Int32, _ namespaces: [IpcNamespaceName]) {
                var c = Conflict(process: g, namespaces: namespaces)
                for x in namespaces { c.bringers[x] = bringers(g, x, h, helperMade, contextBringers) }
                c.tainted = directChildren(g).contains(where: tainted.contains)
                conflicts.append(c)
                tainted.insert(g)
            }
            for g in postOrder {
                let p = facts.process(g)
                // A zombie or a dying init is born wherever its parent is (it has no namespace
                // left to say).
                var needs: Set<IpcNamespaceName> = p.hasExited ? [] : [p.ipcNamespace]
                // (a session leader whose helper makes members: where they are, as it forks the helper)
                if let x = facts.sessions.helperContext[g] { needs.insert(x) }
                for t in p.threads {
                    for c in t.children where !helperMade.contains(c) {
                        if let b = h.birth[c] { needs.insert(b) }
                        if tainted.contains(c) { tainted.insert(g) }
                    }
                }
                for (x, f) in founders where f == .process(g) { needs.insert(x) }
                needs.formUnion(contextNeeds[g] ?? [])
                var unfounded = needs.filter { founders[$0] != .process(g) }
                if g == 1 {
                    unfounded.remove(facts.rootIpc)
                    if !unfounded.isEmpty { conflict(1, unfounded.sorted()); return .failure(Conflicts(conflicts: conflicts)) }
                    h.birth[1] = facts.rootIpc
                    needs.insert(facts.rootIpc)
                } else if unfounded.count > 1 {
                    conflict(g, unfounded.sorted())
                    return .failure(Conflicts(conflicts: conflicts))
                } else if let b = unfounded.first {
                    // Born in its final namespace, it founds nothing (it never leaves).
                    if b == p.ipcNamespace && needs.count > 1 {
                        debugLog("born in its final namespace \(b) and needing \(needs.sorted()): \(g)")
                        conflict(g, [b]); return .failure(Conflicts(conflicts: conflicts))
                    }
                    h.birth[g] = b
                }
                h.needs[g] = needs
            }
            if !conflicts.isEmpty { return .failure(Conflicts(conflicts: conflicts)) }
            for g in postOrder {
                do {
                    _ = try VisitOrder(facts, g, start: h.birth[g], founded: h.founds(g), birth: h.birth,
                                       made: { !helperMade.contains($0) })
                } catch {
                    debugLog("visits of \(g): born in \(h.birth[g].map { "\($0)" } ?? "-"), founds \(h.founds(g).sorted()), needs \((h.needs[g] ?? []).sorted())")
                    conflict(g, error.namespaces)
                    return .failure(Conflicts(conflicts: conflicts))
                }
            }
            if !conflicts.isEmpty { return .failure(Conflicts(conflicts: conflicts)) }
            let reach = Reach(facts, h, helperMade: helperMade)
            // Only those whose parent is made: the others follow from their ancestors.
            let unreachable = helperMade.subtracting(reach.made).filter { reach.made.contains(facts.parentGroup($0)!) }
            var continueOuter = false
            // The members of a namespace whose unsharer has gone are made by a helper that
            // unshares it, in the IPC namespace it is in (and so are the children between them
            // one level up): when they are not born there, or that context cannot be reached,
            // the history must change (made by their parent instead, they could not be).
            for c in unreachable.sorted() {
                // A member of a session whose leader is gone, reparented to its init: the leader
                // was forked in its IPC namespace in that pid namespace, so the init was there at
                // some time, where a keeper can stay for the session helper.
                if let s = facts.sessions.madeByHelper[c], facts.sessions.goneLeader[s] != nil, let x = h.birth[c],
                   let up = facts.parentGroup(c), !(contextNeeds[up] ?? []).contains(x) {
                    // (patient: not while a process not made yet may be there, as the one that
                    // made the leader was)
                    if patient, othersMayReach(c, facts.process(c).pidNamespace, x, h, reach) { continue }
                    debugLog("context: \(up) is in \(x) at some time (for session \(s))")
                    contextNeeds[up, default: []].insert(x)
                    contextBringers[up, default: [:]][x] = [c]
                    continueOuter = true
                    break
                }
                let n = facts.process(c).pidNamespace
                let own = n != facts.process(facts.parentGroup(c)!).pidNamespace ? n : reach.madeByBlock[c]
                guard let own else { continue }
                let block = reach.absorbed[own] ?? own
                if reach.namespaceBirth[block] == nil {
                    let initN = facts.initOf[block]!
                    let wanted = reach.wantedBirths(block, init: initN)
                    guard !wanted.isEmpty else { continue }
                    // One wanted namespace that no task is in one level up: the init there is,
                    // at some time (the process that made the namespace was in it).
                    let up = facts.parentGroup(initN)!
                    if wanted.count == 1, !(contextNeeds[up] ?? []).contains(wanted.first!.key) {
                        // (not while a process not made yet may bring that context: one that
                        // cannot be made yet is made by its parent first, below)
                        if patient, othersMayReach(initN, facts.process(up).pidNamespace, wanted.first!.key, h, reach) { continue }
                        debugLog("context: \(up) is in \(wanted.first!.key) at some time (for the block \(block))")
                        contextNeeds[up, default: []].insert(wanted.first!.key)
                        contextBringers[up, default: [:]][wanted.first!.key] = wanted.first!.value
                        continueOuter = true
                        break
                    }
                    var k = Conflict(process: initN, namespaces: wanted.keys.sorted())
                    for (x, members) in wanted {
                        k.bringers[x] = members.flatMap { [$0] + bringers($0, x, h, helperMade, contextBringers) }
                    }
                    conflicts.append(k)
                } else if let b = h.birth[c] {
                    debugLog("block \(block) of \(c): made in \(reach.namespaceBirth[block]!), \(c) born in \(b); wanted \(reach.wantedBirths(block, init: facts.initOf[block]!))")
                    conflict(c, [b])
                } else {
                    continue
                }
                return .failure(Conflicts(conflicts: conflicts))
            }
            if continueOuter { continue }
            if unreachable.isEmpty {
                debugLog("reach: pairs \(reach.pairs.map { "\($0.pid)/\($0.ipc)" }.sorted()); namespace births \(reach.namespaceBirth)")
                h.namespaceBirth = reach.namespaceBirth
                for x in facts.ipcNamespaces.keys where h.founder[x] == nil { h.founder[x] = .helper(reach.founderPlace(x)!) }
                // An init makes the children a helper could make itself, as long as its list's
                // order allows (no keeper, no helper).
                // (an init of a namespace with no other member from outside: by `clone newpid`)
                // (as long as every other helper still has its context)
                // (not one in another group by birth than the init's: an init in a group it
                // does not lead sees no other group, so it could never come back to its own)
                let spans = Dictionary(uniqueKeysWithValues: Reach.spans(facts, helperMade))
                var fewer = helperMade
                for g in facts.tgids where facts.isInit(g) {
                    let own = facts.process(g).pidNamespace
                    let script = try? GroupScript(facts, h, g, startingIn: h.birth[g], helperMade: helperMade, mayMake: { c in
                        let n = facts.process(c).pidNamespace
                        return reach.madeByBlock[c] == nil && (n == own || spans[n] == [c]) && facts.sessions.madeByHelper[c] == nil
                            && facts.birthGroup(c).map { $0 == facts.process(g).pgid } ?? true
                    })
                    fewer.subtract(script?.madeAfterAll ?? [])
                }
                if fewer != helperMade {
                    let check = Reach(facts, h, helperMade: fewer)
                    if fewer.isSubset(of: check.made) {
                        helperMade = fewer
                        h.namespaceBirth = check.namespaceBirth
                    }
                }
                h.helperMade = helperMade
                return .success(h)
            }
            debugLog("unreachable \(unreachable.sorted()): \(unreachable.sorted().prefix(3).map { c in "\(c) born \(h.birth[c].map { "\($0)" } ?? "anywhere") in \(facts.process(c).pidNamespace), block \(reach.madeByBlock[c].map { "\($0)" } ?? "-")" }); pairs \(reach.pairs.map { "\($0.pid)/\($0.ipc)" }.sorted().prefix(30))")
            // Its parent makes one, which then is in its namespace (which may give others their
            // context): one whose context nobody else could give, not one that waits for
            // processes not made yet (their making may give it).
            var waiting = Set<Int32>()
            for c in unreachable {
                guard let x = h.birth[c] else { continue }
                // (patient: the helper is in its parent's pid namespace, also for an init it makes)
                let n = facts.process(patient ? facts.parentGroup(c)! : c).pidNamespace
                if othersMayReach(c, n, x, h, reach) { waiting.insert(c) }
            }
            // (not a member made by a session helper: the init is not in its session)
            let removable = unreachable.filter { facts.sessions.madeByHelper[$0] == nil }
            helperMade.remove(removable.subtracting(waiting).min() ?? removable.min() ?? unreachable.min()!)
        }
    }

    /// Whether a process not made yet, other than `c` and those below it, is to be in IPC
    /// namespace `x` in pid namespace `n` (its own or its pid_for_children): its making may
    /// give `c` its context.
    func othersMayReach(_ c: Int32, _ n: PidNamespaceName, _ x: IpcNamespaceName, _ h: History, _ reach: Reach) -> Bool {
        facts.tgids.contains { g in
            g != c && !reach.made.contains(g) && !isMadeAfter(g, c) && (h.needs[g] ?? []).contains(x)
                && (facts.process(g).pidNamespace == n || facts.process(g).pidForChildren == n)
        }
    }

    /// A member of a living (or zombie) leader's session that is a child of an init: a helper
    /// the leader forks makes it.
    func madeByLeader(_ g: Int32) -> Bool {
        facts.sessions.madeByHelper[g].map { facts.processes[$0] != nil } ?? false
    }

    /// `g` can be made only after `c`: it is below `c`, or made by the session helper of a
    /// leader that is `c` or below it.
    func isMadeAfter(_ g: Int32, _ c: Int32) -> Bool {
        if isDescendant(g, of: c) { return true }
        guard madeByLeader(g), let s = facts.sessions.madeByHelper[g] else { return false }
        return s == c || isDescendant(s, of: c)
    }

    func isDescendant(_ g: Int32, of ancestor: Int32) -> Bool {
        var p = g
        while let up = facts.parentGroup(p) {
            if up == ancestor { return true }
            p = up
        }
        return false
    }

    /// The processes that bring `x` into `g`'s needs: its children born in `x` (made by `g`),
    /// and under each that is not a member of `x`, those that bring `x` into its needs.
    func bringers(_ g: Int32, _ x: IpcNamespaceName, _ h: History, _ helperMade: Set<Int32>,
                  _ context: [Int32: [IpcNamespaceName: [Int32]]]) -> [Int32] {
        var out: [Int32] = []
        let viaContext = context[g]?[x] ?? []
        for c in directChildren(g) where (!helperMade.contains(c) && h.birth[c] == x) || viaContext.contains(c) {
            out.append(c)
            if facts.process(c).ipcNamespace != x { out += bringers(c, x, h, helperMade, context) }
        }
        for c in viaContext where facts.parentGroup(c) != g {
            out.append(c)
            if facts.process(c).ipcNamespace != x { out += bringers(c, x, h, helperMade, context) }
        }
        return out
    }
}

/// Which processes can be made, and where the IPC namespaces can be entered: a pair (pid
/// namespace N, IPC namespace X) exists once some task has pid_for_children N while in X and N
/// has its init (a keeper can then hold it for later helpers). A process made adds the pairs
/// of its visits; a helper founding X in N adds (N, X); a pid namespace made by a helper adds
/// itself with the namespace the helper is in. A child of an init is made by a helper once its
/// pair exists; the other children once their parent is made.
struct Reach {
    let facts: Facts
    let history: History
    let helperMade: Set<Int32>
    var pairs = Set<Pair>()
    var made: Set<Int32> = [1]
    var namespaceBirth: [PidNamespaceName: IpcNamespaceName] = [:]
    /// Children of an init's own namespace that lie between the members of a child namespace
    /// made by a helper: that helper makes them too (before its `unshare pid`).
    var madeByBlock: [Int32: PidNamespaceName] = [:]
    /// Namespaces made with `clone newpid` by the helper of another's span.
    var absorbed: [PidNamespaceName: PidNamespaceName] = [:]

    struct Pair: Hashable { var pid: PidNamespaceName; var ipc: IpcNamespaceName }

    init(_ facts: Facts, _ history: History, helperMade: Set<Int32>) {
        self.facts = facts
        self.history = history
        self.helperMade = helperMade
        let blocks = Self.blocks(facts, helperMade)
        absorbed = blocks.absorbed
        for (n, span) in blocks.spans {
            for c in span where facts.process(c).pidNamespace != n { madeByBlock[c] = n }
        }
        var expanded = Set<Int32>()
        var changed = true
        while changed {
            changed = false
            for g in made.subtracting(expanded).sorted() {
                expanded.insert(g)
                changed = true
                expand(g)
            }
            for x in facts.ipcNamespaces.keys.sorted() {
                guard case .some(let n) = founderPlace(x), !pairs.contains(Pair(pid: n, ipc: x)), anyPair(n) else { continue }
                pairs.insert(Pair(pid: n, ipc: x))
                changed = true
            }
            for (n, initPid) in facts.initOf.sorted(by: { $0.value < $1.value })
            where helperMade.contains(initPid) && namespaceBirth[n] == nil {
                if let outer = absorbed[n] {
                    if let x = namespaceBirth[outer] { namespaceBirth[n] = x; changed = true }
                    continue
                }
                if let x = helperNamespaceBirth(n, init: initPid) {
                    namespaceBirth[n] = x
                    changed = true
                }
            }
            for c in helperMade.subtracting(made).sorted() where canMake(c) {
                made.insert(c)
                changed = true
            }
            // The helper that unshares a namespace is there once its init is, unless it had to
            // found the init's birth namespace first.
            for (n, x) in namespaceBirth where hasInit(n) && !pairs.contains(Pair(pid: n, ipc: x))
            && (history.birth[facts.initOf[n]!] ?? x) == x {
                pairs.insert(Pair(pid: n, ipc: x))
                changed = true
            }
        }
    }

    /// The pairs of `g`'s visits (before its `unshare pid` in its own namespace, after it in
    /// its pid_for_children), and its children made by itself.
    mutating func expand(_ g: Int32) {
        let p = facts.process(g)
        // (the closure on a copy of the set, not on self: a copy of the Facts per call otherwise)
        let helperMade = helperMade
        let order = try? VisitOrder(facts, g, start: history.birth[g], founded: history.founds(g), birth: history.birth,
                                    made: { !helperMade.contains($0) })
        let visits = order?.visits ?? Array(history.needs[g] ?? [])
        for (i, x) in visits.enumerated() {
            if order?.unshareVisit.map({ i <= $0 }) ?? true { pairs.insert(Pair(pid: p.pidNamespace, ipc: x)) }
            if let u = order?.unshareVisit, i >= u { pairs.insert(Pair(pid: p.pidForChildren, ipc: x)) }
        }
        for t in p.threads { for c in t.children where !helperMade.contains(c) { made.insert(c) } }
    }

    /// A keeper can be in (n, x): the pair exists and n has its init.
    func available(_ n: PidNamespaceName, _ x: IpcNamespaceName) -> Bool {
        pairs.contains(Pair(pid: n, ipc: x)) && hasInit(n)
    }

    func hasInit(_ n: PidNamespaceName) -> Bool { n == .root || facts.initOf[n].map(made.contains) == true }

    func anyPair(_ n: PidNamespaceName) -> Bool { hasInit(n) && pairs.contains { $0.pid == n } }

    /// Where a helper founds `x`, if one does: where the history says, or for a namespace the
    /// search left open, the pid namespace of a member a helper makes, else of a member born
    /// there, else of any member.
    func founderPlace(_ x: IpcNamespaceName) -> PidNamespaceName? {
        switch history.founder[x] {
        case .helper(let n): return n
        case .process, .origin: return nil
        case nil:
            let members = facts.members[x] ?? []
            for c in members where helperMade.contains(c) && history.birth[c] == x { return facts.process(c).pidNamespace }
            for c in members where history.birth[c] == x { return facts.process(c).pidNamespace }
            return members.first.map { facts.process($0).pidNamespace } ?? .root
        }
    }

    /// For each pid namespace made by a helper (its init is): the children of the init of the
    /// namespace above from its first member to its last, which the helper makes.
    /// A namespace whose init lies inside another's span was made by the same process with
    /// `clone newpid`: it belongs to that span (`absorbed`).
    static func spans(_ facts: Facts, _ helperMade: Set<Int32>) -> [(PidNamespaceName, [Int32])] {
        blocks(facts, helperMade).spans
    }

    static func blocks(_ facts: Facts, _ helperMade: Set<Int32>)
        -> (spans: [(PidNamespaceName, [Int32])], absorbed: [PidNamespaceName: PidNamespaceName]) {
        var raw: [(PidNamespaceName, Int32, ClosedRange<Int>)] = []
        for (n, initPid) in facts.initOf.sorted(by: { $0.value < $1.value }) where helperMade.contains(initPid) {
            let parent = facts.parentGroup(initPid)!
            let list = facts.process(parent).leader.children
            let members = list.indices.filter { facts.process(list[$0]).pidNamespace == n }
            raw.append((n, parent, members.first!...members.last!))
        }
        var absorbed: [PidNamespaceName: PidNamespaceName] = [:]
        for (n, parent, span) in raw {
            if let outer = raw.first(where: { $0.0 != n && $0.1 == parent && $0.2.count > span.count
                                              && $0.2.contains(span.lowerBound) && $0.2.contains(span.upperBound) }) {
                absorbed[n] = outer.0
            }
        }
        let spans = raw.filter { absorbed[$0.0] == nil }.map { n, parent, span in
            (n, Array(facts.process(parent).leader.children[span]))
        }
        return (spans, absorbed)
    }

    /// The IPC namespace a helper unsharing `n` is in: the one its members (those between
    /// them one level up too) are born in, unless a helper in `n` founds it; any when none says.
    func helperNamespaceBirth(_ n: PidNamespaceName, init initPid: Int32) -> IpcNamespaceName? {
        guard let parent = facts.pidNamespace(n).parent, hasInit(parent) else { return nil }
        let wanted = Set(wantedBirths(n, init: initPid).keys)
        guard wanted.count <= 1 else { return nil }
        if let x = wanted.first { return available(parent, x) ? x : nil }
        return pairs.filter { $0.pid == parent }.map(\.ipc).sorted().first
    }

    /// The namespaces the members of `n` made by its helper (and those between them one level
    /// up) are born in, except those the helper founds (a helper in `n`): each with who is
    /// born there. It founds them after the one it starts in, so a child of the namespace
    /// above (made before its `unshare pid`, before the init) can be born in one only when the
    /// init is born in one too.
    func wantedBirths(_ n: PidNamespaceName, init initPid: Int32) -> [IpcNamespaceName: [Int32]] {
        let list = facts.process(facts.parentGroup(initPid)!).leader.children
        let initFounded = history.birth[initPid].map { founderPlace($0) == n } ?? false
        var out: [IpcNamespaceName: [Int32]] = [:]
        for c in list where facts.process(c).pidNamespace == n || madeByBlock[c] == n {
            guard let b = history.birth[c], founderPlace(b) != n || (madeByBlock[c] == n && !initFounded) else { continue }
            out[b, default: []].append(c)
        }
        return out
    }

    /// Whether a helper can make `c` (a child of an init) now.
    func canMake(_ c: Int32) -> Bool {
        let p = facts.process(c)
        let parentNamespace = facts.process(facts.parentGroup(c)!).pidNamespace
        // (a member of a living or zombie leader's session: by a helper the leader forks)
        if let s = facts.sessions.madeByHelper[c], facts.processes[s] != nil, !made.contains(s) { return false }
        if let n = madeByBlock[c] {
            // (another namespace's member there: only its init, by `clone newpid`)
            guard let xb = namespaceBirth[n], p.pidNamespace == parentNamespace || facts.isInit(c) else { return false }
            guard let b = history.birth[c] else { return true }
            return b == xb || founderPlace(b) == n
        }
        if p.pidNamespace == parentNamespace {
            guard let b = history.birth[c] else { return anyPair(p.pidNamespace) }
            return available(p.pidNamespace, b)
        }
        // A member of a child namespace, made by the helper that unshares it.
        guard let xb = namespaceBirth[p.pidNamespace] else { return false }
        guard c == facts.initOf[p.pidNamespace] || made.contains(facts.initOf[p.pidNamespace]!) else { return false }
        guard let b = history.birth[c] else { return true }
        return b == xb || founderPlace(b) == p.pidNamespace
    }
}
