import IdAllocators

/// The life of one of the world's processes during the restore, decided from its history: the
/// IPC namespaces it visits in order (born in the first, founding each later one), the visit in
/// which it unshares its pid namespace, and when each child it makes itself is made.
///
/// Its leader's children list is made in order as long as its visits allow (its "prefix"); the
/// children after that are made by helper threads, which exit in phase B to append them in
/// order. Children of its other threads are made by those threads, in order.
struct GroupScript {
    /// A point in the process's life: during a visit, before or after its `unshare pid`.
    struct Moment: Comparable, Hashable {
        var visit: Int
        var post: Bool
        static func < (a: Moment, b: Moment) -> Bool { (a.visit, a.post ? 1 : 0) < (b.visit, b.post ? 1 : 0) }
    }

    struct Creation {
        var child: Int32
        /// The thread that makes it, or a helper thread (by index).
        var thread: Int32
        var helperThread: Int?
        var moment: Moment
        var rank: Int
        /// Made in the session the process leads, after its `setsid` (so after every child of
        /// the old session at that moment, whichever thread makes it).
        var inNewSession = false
    }

    var visits: [IpcNamespaceName] = []
    var unshareVisit: Int?
    var all: [Creation] = []
    var heldByHelperThread: [[Int32]] = []
    var helperThreadCount: Int { heldByHelperThread.count }

    /// Children of inits made by helpers that the process made itself, in its list's order.
    var madeAfterAll: [Int32] = []

    /// `current`: where it is born (nil: not known yet, when the history is settled); `mayMake`:
    /// children a helper would make that it can make itself when its list's order allows.
    init(_ facts: Facts, _ history: History, _ g: Int32, startingIn current: IpcNamespaceName?, helperMade: Set<Int32>,
         mayMake: (Int32) -> Bool = { _ in false }) throws(PlanError) {
        let p = facts.process(g)
        if let b = history.birth[g], let current, b != current { throw PlanError("internal: \(g) is born in \(current), not \(b)") }

        func isPost(_ c: Int32) throws(PlanError) -> Bool {
            let n = facts.process(c).pidNamespace
            if n == p.pidNamespace { return false }
            if VisitOrder.isPost(facts, g, c) { return true }
            if facts.isInit(c) && facts.pidNamespace(n).parent == p.pidNamespace { return false }
            throw PlanError("process \(g) cannot make \(c), which is in \(n)")
        }
        let order: VisitOrder
        do {
            order = try VisitOrder(facts, g, start: current, founded: history.founds(g), birth: history.birth,
                                   made: { !helperMade.contains($0) })
        } catch {
            throw PlanError("process \(g) cannot visit \(error.namespaces) in an order its children allow")
        }
        visits = order.visits
        unshareVisit = order.unshareVisit
        let unshares = unshareVisit != nil
        let u = unshareVisit ?? 0
        var position: [IpcNamespaceName: Int] = [:]
        for (i, v) in visits.enumerated() { position[v] = i }
        let leadsSession = g != 1 && p.sid == g
        func valid(_ m: Moment) -> Bool { unshares ? (m.post ? m.visit >= u : m.visit <= u) : !m.post }
        /// The earliest moment at or after `from` when `c` can be made; `limit`: the moment of
        /// the next child of its list whose birth is fixed.
        func moment(_ c: Int32, from: Moment, limit: Moment? = nil) throws(PlanError) -> Moment? {
            let post = try isPost(c)
            var m: Moment
            if let b = history.birth[c] {
                guard let v = position[b] else { return nil }
                m = Moment(visit: v, post: post)
            } else {
                m = Moment(visit: max(from.visit, post ? u : 0), post: post)
                // A session leader makes it as late as it can: its `setsid` comes before its
                // first child, and the keepers it leaves in its later visits (in the root
                // session) before that; not after a later child of the list. (A child of the old
                // session is made before, like any other process's.)
                let late = Moment(visit: max(from.visit, post || !unshares ? visits.count - 1 : u), post: post)
                if leadsSession, facts.sessions.bornIn[c] ?? g == g, limit.map({ late <= $0 }) ?? true { m = late }
            }
            return valid(m) ? m : nil
        }
        /// For each child of `list`, the moment of the next one whose birth is fixed (only a
        /// session leader needs them).
        func limits(_ list: [Int32]) throws(PlanError) -> [Moment?] {
            var out = [Moment?](repeating: nil, count: list.count)
            guard leadsSession else { return out }
            var next: Moment? = nil
            for i in list.indices.reversed() {
                out[i] = next
                if let b = history.birth[list[i]], let v = position[b] {
                    let fixed = Moment(visit: v, post: try isPost(list[i]))
                    next = next.map { min($0, fixed) } ?? fixed
                }
            }
            return out
        }
        let pfcInit = unshares ? facts.initOf[p.pidForChildren] : nil
        var rank = 0
        func add(_ c: Int32, by thread: Int32, helper: Int? = nil, at m: Moment) {
            all.append(Creation(child: c, thread: thread, helperThread: helper, moment: m, rank: c == pfcInit ? -1 : rank))
            rank += 1
        }

        // The leader's list: in order while possible, the rest by helper threads.
        var now = Moment(visit: 0, post: false)
        var inPrefix = true
        var memberBeforeInit = false
        let leaderLimits = try limits(p.leader.children)
        for (i, c) in p.leader.children.enumerated() {
            let byHelper = helperMade.contains(c)
            if byHelper && !(inPrefix && mayMake(c)) { inPrefix = false; continue }
            let isPfcInit = c == pfcInit
            if inPrefix, let m = try moment(c, from: now, limit: leaderLimits[i]), now <= m, !(isPfcInit && memberBeforeInit) {
                add(c, by: g, at: m)
                if byHelper { madeAfterAll.append(c) }
                now = m
                if m.post && !isPfcInit && pfcInit != nil && !all.contains(where: { $0.child == pfcInit }) { memberBeforeInit = true }
                continue
            }
            inPrefix = false
            if byHelper { continue }
            guard let m = try moment(c, from: Moment(visit: 0, post: false)) else {
                throw PlanError("process \(g) is never where \(c) is born")
            }
            add(c, by: g, helper: heldByHelperThread.count, at: m)
            heldByHelperThread.append([c])
        }
        // Its other threads' lists, in order.
        for t in p.threads.dropFirst() {
            var now = Moment(visit: 0, post: false)
            let threadLimits = try limits(t.children)
            for (i, c) in t.children.enumerated() {
                guard let m = try moment(c, from: now, limit: threadLimits[i]), now <= m else {
                    throw PlanError("thread \(t.tid) cannot make its children in order")
                }
                add(c, by: t.tid, at: m)
                now = m
            }
        }
        // A leader's threads made their children of the old session before its `setsid`: from
        // a thread's first child born in its session on, the thread is in it.
        if leadsSession {
            var entered = Set<[Int]>()
            for i in all.indices.sorted(by: { all[$0].rank < all[$1].rank }) {
                let list = [Int(all[i].thread), all[i].helperThread ?? -1]
                if facts.sessions.bornIn[all[i].child] == g { entered.insert(list) }
                all[i].inNewSession = entered.contains(list)
            }
        }
    }

    func creations(at m: Moment) -> [Creation] {
        all.filter { $0.moment == m }.sorted { ($0.inNewSession ? 1 : 0, $0.rank) < ($1.inNewSession ? 1 : 0, $1.rank) }
    }
}
