import IdAllocators

/// The image, indexed for the planner, and checked: every reference resolves, every thread has
/// one pid per level, pids are in range and unique. Nothing here is decided, only read.
struct Facts {
    let image: Image
    var processes: [Int32: ProcessRecord] = [:]
    /// Process tgids in order.
    var tgids: [Int32] = []
    var pidNamespaces: [PidNamespaceName: PidNamespaceRecord] = [:]
    var ipcNamespaces: [IpcNamespaceName: IpcNamespaceRecord] = [:]
    /// The process each thread belongs to.
    var groupOf: [Int32: Int32] = [:]
    /// The thread each process has as parent (0 for process 1).
    var parentTid: [Int32: Int32] = [:]
    /// Per pid namespace with tasks: its init.
    var initOf: [PidNamespaceName: Int32] = [:]
    /// The inits (their values), for `isInit`.
    var inits = Set<Int32>()
    /// Per pid namespace: the process whose `unshare pid` made it, when it is alive (its
    /// pid_for_children and not its own namespace).
    var unsharerOf: [PidNamespaceName: Int32] = [:]
    /// Members of each IPC namespace, by tgid.
    var members: [IpcNamespaceName: [Int32]] = [:]
    var rootIpc: IpcNamespaceName = .root
    /// Objects by namespace.
    var objects: [IpcNamespaceName: [IpcObjectRecord]] = [:]
    /// The sessions processes are born in, and who makes the members of each (`Sessions`).
    var sessions = Sessions()

    init(_ image: Image) throws(PlanError) {
        self.image = image
        for ns in image.pidNamespaces {
            guard pidNamespaces[ns.name] == nil else { throw PlanError("pid namespace \(ns.name) twice") }
            pidNamespaces[ns.name] = ns
        }
        for ns in image.ipcNamespaces {
            guard ipcNamespaces[ns.name] == nil else { throw PlanError("IPC namespace \(ns.name) twice") }
            ipcNamespaces[ns.name] = ns
            if ns.isRoot { rootIpc = ns.name }
        }
        guard ipcNamespaces[rootIpc]?.isRoot == true else { throw PlanError("no root IPC namespace") }
        processes.reserveCapacity(image.processes.count)
        groupOf.reserveCapacity(image.processes.count)
        parentTid.reserveCapacity(image.processes.count)
        for p in image.processes.sorted(by: { $0.tgid < $1.tgid }) {
            guard processes[p.tgid] == nil else { throw PlanError("process \(p.tgid) twice") }
            processes[p.tgid] = p
            tgids.append(p.tgid)
            for t in p.threads {
                guard groupOf[t.tid] == nil else { throw PlanError("thread \(t.tid) twice") }
                groupOf[t.tid] = p.tgid
            }
            // A zombie or a dying init has left its namespaces.
            if !p.hasExited { members[p.ipcNamespace, default: []].append(p.tgid) }
        }
        guard processes[1]?.pidNamespace == .root else { throw PlanError("no process 1 in the root pid namespace") }
        for o in image.objects { objects[o.namespace, default: []].append(o) }
        try check()
        sessions = Sessions(self)
        try checkDyingInits()
    }

    /// Every dying init waits for a pid of its namespace: a process of the image with a pid
    /// there (a zombie of an outside parent, a dying init below), or a group whose gone leader
    /// the stand-in places there (`heldDyingNamespace`). When the image does not say which
    /// (two dying inits side by side, each held only by a group outside), the restore would
    /// let one finish: refused.
    func checkDyingInits() throws(PlanError) {
        var held = Set<PidNamespaceName>()
        for g in tgids where processes[process(g).pgid] == nil {
            let p = process(g)
            guard let level = p.pgids.lastIndex(where: { $0 != 0 }) else { continue }
            var ns = chain(p.pidNamespace)[level]
            while let d = heldDyingNamespace(below: ns) { held.insert(d); ns = d }
        }
        for g in tgids where process(g).isDying {
            let ns = process(g).pidNamespace
            let below = tgids.contains { $0 != g && chain(process($0).pidNamespace).contains(ns) }
            guard below || held.contains(ns) else {
                throw PlanError("unsupported: dying init \(g): the image does not say which group outside holds a pid of \(ns)")
            }
        }
    }

    func process(_ g: Int32) -> ProcessRecord { processes[g]! }
    func pidNamespace(_ n: PidNamespaceName) -> PidNamespaceRecord { pidNamespaces[n]! }

    /// The chain of pid namespaces from the root to `n`.
    func chain(_ n: PidNamespaceName) -> [PidNamespaceName] {
        var out = [n]
        while let p = pidNamespaces[out[0]]?.parent { out.insert(p, at: 0) }
        return out
    }

    /// Its leader's pid in its own namespace is 1.
    func isInit(_ g: Int32) -> Bool { inits.contains(g) }

    /// An exited process that an outer dying init's exit killed (exit_code 9, a pid in that
    /// init's namespace): the restore leaves it running for that exit to kill.
    func isKilledByDyingInit(_ g: Int32) -> Bool {
        let p = process(g)
        guard p.hasExited, p.exitCode == 9 else { return false }
        let outer = p.isDying ? chain(p.pidNamespace).dropLast() : chain(p.pidNamespace)[...]
        return outer.contains { initOf[$0].map { process($0).isDying && $0 != g } ?? false }
    }

    /// The namespace just below `ns` that a group's pid must hold to keep its init dying: the
    /// only child namespace of `ns` whose init is dying and where no other process of the
    /// image but dying inits below has a pid (so nothing else holds it; an init below waits
    /// for the group's pid too when it lies deeper). nil when there is none or several.
    func heldDyingNamespace(below ns: PidNamespaceName) -> PidNamespaceName? {
        let candidates = image.pidNamespaces.filter { n in
            guard n.parent == ns, let i = initOf[n.name], process(i).isDying else { return false }
            return !tgids.contains { !process($0).isDying && chain(process($0).pidNamespace).contains(n.name) }
        }
        return candidates.count == 1 ? candidates[0].name : nil
    }

    /// The group `g` can be in only by birth: one other than its own that it does not see (its
    /// id is 0 in `g`'s pid namespace), so `setpgid` by `g` cannot join it (find_vpid finds no
    /// such group); its maker was in it when it made `g`.
    func birthGroup(_ g: Int32) -> Int32? {
        let p = process(g)
        return p.pgid != g && p.pgids.last == 0 ? p.pgid : nil
    }

    /// The process whose thread is `g`'s parent.
    func parentGroup(_ g: Int32) -> Int32? { parentTid[g].flatMap { groupOf[$0] } }

    func named(_ n: PidNamespaceName, by g: Int32) throws(PlanError) {
        guard pidNamespaces[n] != nil else { throw PlanError("process \(g) names pid namespace \(n), which has no pidns line") }
    }

    mutating func check() throws(PlanError) {
        for g in tgids {
            let p = process(g)
            try named(p.pidNamespace, by: g)
            try named(p.pidForChildren, by: g)
            guard ipcNamespaces[p.ipcNamespace] != nil else {
                throw PlanError("process \(g) names IPC namespace \(p.ipcNamespace), which has no ipcns line")
            }
            if g != 1 {
                guard groupOf[p.parentTid] != nil else { throw PlanError("the parent thread \(p.parentTid) of process \(g) is not in the image") }
                parentTid[g] = p.parentTid
            }
            let level = pidNamespace(p.pidNamespace).level
            for t in p.threads {
                guard t.pids.count == level + 1 else {
                    throw PlanError("thread \(t.tid) has \(t.pids.count) pids for a namespace of level \(level)")
                }
                guard t.pids[0] == t.tid else { throw PlanError("thread \(t.tid): its root pid is \(t.pids[0])") }
            }
            if p.leader.innermostPid == 1 {
                guard initOf[p.pidNamespace] == nil else { throw PlanError("two inits in \(p.pidNamespace)") }
                initOf[p.pidNamespace] = g
                inits.insert(g)
            }
            if p.pidForChildren != p.pidNamespace {
                guard pidNamespace(p.pidForChildren).parent == p.pidNamespace else {
                    throw PlanError("process \(g): its pid_for_children \(p.pidForChildren) is not a child of its namespace")
                }
                unsharerOf[p.pidForChildren] = g
            }
        }
        for ns in image.pidNamespaces {
            if let parent = ns.parent {
                guard let up = pidNamespaces[parent], up.level == ns.level - 1 else {
                    throw PlanError("pid namespace \(ns.name): its parent \(parent) is not one level up")
                }
            } else if ns.name != .root {
                throw PlanError("pid namespace \(ns.name) has no parent")
            }
            switch ns.name {
            case .live(let initPid):
                guard initOf[ns.name] == initPid else { throw PlanError("pid namespace \(ns.name) has no init \(initPid)") }
                // (a zombie or dying init's namespace shows nothing: it takes no tasks any more)
                guard (ns.pidMax != nil && ns.lastPid != nil) || process(initPid).hasExited else {
                    throw PlanError("pid namespace \(ns.name) without pid_max")
                }
            case .empty(let g), .dead(let g):
                guard unsharerOf[ns.name] == g else { throw PlanError("pid namespace \(ns.name) is not the pid_for_children of \(g)") }
            }
            // (both or neither: a namespace without tasks in an image written before
            // pid_namespaces, or one that never had a task, has neither)
            guard (ns.pidMax == nil) == (ns.lastPid == nil) else { throw PlanError("pid namespace \(ns.name): one of pid_max and ns_last_pid without the other") }
            if case .empty = ns.name, ns.pidMax != nil {
                throw PlanError("pid namespace \(ns.name) never had a task: its pid_max and ns_last_pid are the defaults (-)")
            }
        }
        // Pids: unique in every namespace, below its pid_max.
        struct Use: Hashable { var ns: PidNamespaceName; var pid: Int32 }
        var used = Set<Use>(minimumCapacity: groupOf.count)
        var chains: [PidNamespaceName: [PidNamespaceName]] = [:]
        for g in tgids {
            let n = process(g).pidNamespace
            let chain: [PidNamespaceName]
            if let known = chains[n] { chain = known } else { chain = self.chain(n); chains[n] = chain }
            for t in process(g).threads {
                for (level, pid) in t.pids.enumerated() {
                    guard pid >= 1, pid < Limits.pidMaxLimit else { throw PlanError("thread \(t.tid): pid \(pid) is out of range") }
                    guard used.insert(Use(ns: chain[level], pid: pid)).inserted else {
                        throw PlanError("pid \(pid) twice in pid namespace \(chain[level])")
                    }
                }
            }
        }
        // (a child listed at all is listed by its parent thread: no scan of the lists)
        var listed = Set<Int32>(minimumCapacity: tgids.count)
        for g in tgids {
            for t in process(g).threads {
                for c in t.children {
                    // (the parent field: checked above for every process but 1, whose is 0)
                    guard parentTid[c] == t.tid else { throw PlanError("thread \(t.tid) lists \(c) as a child, which is not its child") }
                    listed.insert(c)
                }
            }
        }
        for g in tgids where g != 1 && !listed.contains(g) {
            throw PlanError("process \(g) is missing from the children of thread \(process(g).parentTid)")
        }
        struct Slot: Hashable { var ns: IpcNamespaceName; var kind: IpcKind; var idx: Int }
        var ids = Set<Slot>(minimumCapacity: image.objects.count)
        for o in image.objects {
            guard ipcNamespaces[o.namespace] != nil else { throw PlanError("\(o.kind.name) \(o.id) of \(o.namespace): no such IPC namespace") }
            guard o.id >= 0, ids.insert(Slot(ns: o.namespace, kind: o.kind, idx: o.idx)).inserted else {
                throw PlanError("\(o.kind.name) \(o.id) of \(o.namespace): its idx is taken twice")
            }
        }
    }
}

/// Why an image cannot be planned: it contradicts itself (a world that exists can always be
/// rebuilt).
public struct PlanError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ message: String) { description = message }
}
