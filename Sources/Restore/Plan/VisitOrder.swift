import IdAllocators

/// The order in which a process visits IPC namespaces: it starts in the one it is born in and
/// founds each later one; the last is its final one. The lists of its non-leader threads are
/// made in order (their children's births must come in that order), and the children of its
/// pid_for_children come after its `unshare pid` (their births after those of the others).
struct VisitOrder {
    var visits: [IpcNamespaceName]
    /// The visit during which it unshares its pid namespace (nil: it does not).
    var unshareVisit: Int?

    /// Namespaces that cannot be put in order: the conflict the history must resolve (a child
    /// that brings one founds it itself, or the process founds one more).
    struct Conflict: Error { var namespaces: [IpcNamespaceName] }

    /// Whether child `c` of `g` is made after `g`'s `unshare pid` (in its pid_for_children).
    static func isPost(_ facts: Facts, _ g: Int32, _ c: Int32) -> Bool {
        let p = facts.process(g)
        return p.pidForChildren != p.pidNamespace && facts.process(c).pidNamespace == p.pidForChildren
    }

    /// `start`: where it is born (nil: not known yet, outside its needs); `founded`: the namespaces it founds; `birth` of each child
    /// (nil: wherever its maker is); `made`: the children it makes itself.
    /// (`facts` borrowed: an initializer's arguments are copied for it otherwise, the whole
    /// Facts for each of a big world's processes)
    init(_ facts: borrowing Facts, _ g: Int32, start: IpcNamespaceName?, founded: Set<IpcNamespaceName>,
         birth: [Int32: IpcNamespaceName], made: (Int32) -> Bool) throws(Conflict) {
        let p = facts.process(g)
        // Most processes stay where they are born: one visit, every child born there.
        if let start, founded.allSatisfy({ $0 == start }), p.pidForChildren == p.pidNamespace {
            for t in p.threads {
                for c in t.children where made(c) {
                    if let b = birth[c], b != start { throw Conflict(namespaces: [b]) }
                }
            }
            visits = [start]
            return
        }
        var preBirths = Set<IpcNamespaceName>(), postBirths = Set<IpcNamespaceName>()
        var firstSeen: [IpcNamespaceName: Int] = [:]
        var k = 0
        for t in p.threads {
            for c in t.children where made(c) {
                guard let b = birth[c] else { continue }
                if Self.isPost(facts, g, c) { postBirths.insert(b) } else { preBirths.insert(b) }
                if firstSeen[b] == nil { firstSeen[b] = k }
                k += 1
            }
        }
        var before: [IpcNamespaceName: Set<IpcNamespaceName>] = [:]
        func edge(_ x: IpcNamespaceName, _ y: IpcNamespaceName) { if x != y { before[y, default: []].insert(x) } }
        for t in p.threads.dropFirst() {
            let births = t.children.filter(made).compactMap { birth[$0] }
            for (x, y) in zip(births, births.dropFirst()) { edge(x, y) }
        }
        for x in preBirths { for y in postBirths { edge(x, y) } }
        // The init of its pid_for_children comes first there (the first pid of a namespace is 1).
        if let initPid = facts.initOf[p.pidForChildren], p.pidForChildren != p.pidNamespace, made(initPid),
           let x = birth[initPid] {
            for y in postBirths { edge(x, y) }
        }
        // (a zombie has left its namespaces: its last visit is any)
        if !p.isZombie { for x in founded { edge(x, p.ipcNamespace) } }
        if let start, let early = before[start] { throw Conflict(namespaces: ([start] + early).sorted()) }
        visits = start.map { [$0] } ?? []
        var left = founded.subtracting(visits)
        while !left.isEmpty {
            let ready = left.filter { (before[$0] ?? []).isSubset(of: Set(visits)) }
            guard let next = ready.min(by: { (firstSeen[$0] ?? Int.max, $0) < (firstSeen[$1] ?? Int.max, $1) }) else {
                throw Conflict(namespaces: left.sorted())
            }
            visits.append(next)
            left.remove(next)
        }
        if p.pidForChildren != p.pidNamespace {
            var position: [IpcNamespaceName: Int] = [:]
            for (i, v) in visits.enumerated() { position[v] = i }
            let maxPre = preBirths.compactMap { position[$0] }.max() ?? 0
            let minPost = postBirths.compactMap { position[$0] }.min() ?? visits.count - 1
            guard maxPre <= minPost else { throw Conflict(namespaces: preBirths.union(postBirths).sorted()) }
            unshareVisit = minPost
        }
        for b in preBirths.union(postBirths) where !visits.contains(b) { throw Conflict(namespaces: [b]) }
    }
}
