import IdAllocators

/// Turns a history into steps, simulating what exists so far (`Progress`).
///
/// Phase A makes everything: each process of the world runs its script as soon as it exists
/// (its comm, its threads, then its visits to IPC namespaces in order, founding each but the
/// first, with its `unshare pid` in between, making its children in each); helpers make what
/// processes that have gone made (children of inits, the members of a pid namespace whose
/// unsharer has gone, IPC namespaces nobody left founded, objects of other creators), each
/// from a keeper: a helper that stays in a (pid namespace, IPC namespace) context from the
/// moment a task was there. Phase B appends the held children to their parents' lists in the
/// lists' order (the helper threads and helpers holding them exit). Phase C writes the state
/// that must come last: cursors, pid_max, `*_next_id`, uid and gid, pending next_id.
struct Scheduler {
    let facts: Facts
    let history: History
    var progress: Progress
    var steps: [Step] = []
    var open: Batch?

    /// Children made by a helper thread or a helper, appended to their parent's list in
    /// phase B: the tid of the thread that holds each.
    var holder: [Int32: Int32] = [:]
    var exited = Set<Int32>()
    /// Helpers that exit at the end (keepers).
    var keepers: [Int32] = []
    var jobs: [Job] = []
    /// The processes made, in order; the first `ran` of them have run their scripts. (An index,
    /// not removeFirst: that moved the whole queue for each of a big world's processes.)
    var queue: [Int32] = []
    var ran = 0
    /// IPC namespaces a block's unsharer founds itself.
    var foundedByBlock: [IpcNamespaceName: PidNamespaceName] = [:]
    /// A block's helper threads, in the order their children join the list.
    var blockThreads: [Int32: [Int32]] = [:]
    /// Processes made whose script waits for a group that a child it makes is in by birth.
    var waiting: [Int32] = []
    /// Helpers leading the groups of gone leaders, which exit once the members have joined.
    var standIns: [Int32] = []
    /// Groups some child is in by birth (`Facts.birthGroup`): each leader leads its own from
    /// its script on, also one that moves to another group later.
    let birthGroups: Set<Int32>

    /// Something helpers do once a keeper holds the context they need.
    struct Job {
        enum Kind {
            /// Children of init `parent` (its leader's list, consecutive), made by one helper.
            case orphans(parent: Int32, children: [Int32])
            /// The members of `ns` (and the children of init `parent` between them) made by a
            /// helper that unshares `ns`, as the process that has gone did.
            case block(ns: PidNamespaceName, parent: Int32, children: [Int32])
            /// An IPC namespace founded by a helper.
            case founder(IpcNamespaceName)
            /// Objects of another creator than root: a helper with its uid and gid makes them.
            case creators(IpcNamespaceName, uid: UInt32, gid: UInt32, objects: [IpcObjectRecord])
            /// Members of session `sid` in init `parent`'s list, in runs of consecutive ones,
            /// made by a session helper (`Sessions`, `sessionHelper`).
            case session(sid: Int32, parent: Int32, runs: [[Int32]])
        }
        var kind: Kind
        var pid: PidNamespaceName?
        var ipc: IpcNamespaceName?
    }

    init(_ facts: Facts, _ history: History) {
        self.facts = facts
        self.history = history
        progress = Progress(facts)
        birthGroups = Set(facts.tgids.compactMap(facts.birthGroup))
    }

    // MARK: running

    mutating func run() throws(PlanError) -> [Step] {
        steps.append(.sysctl(.pidMax, value: Limits.pidMaxLimit, process: nil,
                             object: "the root pid_max during the restore (helpers take pids below 4194304)"))
        let p1 = facts.process(1)
        progress.groups[1] = Progress.Group(tgid: 1, pids: [1], pidNamespace: .root, pidForChildren: .root, ipc: facts.rootIpc, isHelper: false)
        progress.comm[1] = Array("init".utf8)
        progress.hasInit.insert(.root)
        progress.founded.insert(facts.rootIpc)
        _ = p1
        if let g = facts.sessions.conflict { throw PlanError("unsupported: the children of process \(g) were born in two sessions besides its own") }
        for (_, leader) in facts.sessions.goneLeader {
            for (n, pid) in zip(facts.chain(leader.namespace), leader.pids) { progress.taken[n, default: []].insert(pid) }
        }
        try planJobs()
        try makeObjects(facts.rootIpc, by: 1)
        queue = [1]
        while true {
            while ran < queue.count {
                ran += 1
                let g = queue[ran - 1]
                if birthGroupsExist(for: g) { try runGroup(g) } else { waiting.append(g) }
            }
            if let i = waiting.firstIndex(where: birthGroupsExist) {
                try runGroup(waiting.remove(at: i))
                continue
            }
            if try makeStandInsForBirth() { continue }
            guard let i = jobs.firstIndex(where: isReady) else { break }
            let job = jobs.remove(at: i)
            try runJob(job)
        }
        if let job = jobs.first, let c = birthChildren(job).first(where: { !groupExists(facts.process($0).pgid) }) {
            throw PlanError("unsupported: process \(c) is in group \(facts.process(c).pgid) by birth, which is never there before a helper makes it")
        }
        if let job = jobs.first {
            debugLog("jobs left: \(jobs.map { "\($0.kind) at \($0.pid.map { "\($0)" } ?? "any")/\($0.ipc.map { "\($0)" } ?? "any")" }); keepers \(progress.keeperOrder.map { "\($0.pid)/\($0.ipc)" })")
            throw PlanError("no task of the restore is in pid namespace \(job.pid.map { "\($0)" } ?? "any") and IPC namespace \(job.ipc.map { "\($0)" } ?? "any") for \(job.kind)")
        }
        if let g = waiting.first {
            throw PlanError("unsupported: process \(g) makes children in groups \(neededGroups(g).sorted()) by birth, which are never there before")
        }
        for g in facts.tgids where progress.groups[g] == nil { throw PlanError("internal: process \(g) was not made") }
        try appendHeld()
        for k in keepers where !exited.contains(k) { exitHelper(k, note: "helpers exit") }
        flush()
        try finalState()
        return steps
    }

    // MARK: batches

    /// Appends an action of thread `tid` (of process `tgid`) to the open batch, or opens a new
    /// one.
    mutating func act(_ tid: Int32, _ tgid: Int32, _ action: Action, note text: String) {
        if open?.tid != tid { flush(); open = Batch(tid: tid, tgid: tgid, actions: [], note: text) }
        open!.actions.append(action)
        if open!.note != text, !text.isEmpty, !open!.note.hasSuffix("; " + text) { open!.note += "; " + text }
    }

    mutating func flush() {
        if let b = open, !b.actions.isEmpty { steps.append(.ctl(b)) }
        open = nil
    }

    mutating func sysctl(_ name: SysctlName, _ value: Int, of process: Int32?, object: String) {
        flush()
        steps.append(.sysctl(name, value: value, process: process, object: object))
    }

    /// A task with all its pids by thread `tid`; more than 32 levels: the root cursor gives the
    /// outermost pid (set just before).
    mutating func create(_ pids: [Int32], _ how: Creation, by tid: Int32, note: String) {
        let tgid = groupOf(tid)
        if pids.count > Limits.maxPendingIds {
            sysctl(.nsLastPid, Int(pids[0]) - 1, of: nil, object: "\(note): its root pid through the root cursor (33 pids)")
            act(tid, tgid, .create(pids: pids, how), note: note)
            flush()
        } else {
            act(tid, tgid, .create(pids: pids, how), note: note)
        }
        progress.comm[pids[0]] = progress.comm[tid]
    }

    func groupOf(_ tid: Int32) -> Int32 {
        if progress.groups[tid] != nil { return tid }
        return facts.groupOf[tid] ?? helperThreadGroup[tid]!
    }

    var helperThreadGroup: [Int32: Int32] = [:]

    // MARK: the world's processes

    /// Makes process `c` (its leader) by thread `tid` of the group in progress.
    mutating func make(_ c: Int32, by tid: Int32, note: String) {
        let maker = progress.groups[groupOf(tid)]!
        let p = facts.process(c)
        let newNamespace = p.pidNamespace != maker.pidForChildren
        create(p.leader.pids, newNamespace ? .cloneNewPid : .fork, by: tid, note: note)
        progress.groups[c] = Progress.Group(tgid: c, pids: p.leader.pids, pidNamespace: p.pidNamespace, pidForChildren: p.pidNamespace,
                                            ipc: maker.ipc, isHelper: false, sid: maker.sid, pgid: maker.pgid,
                                            ignoresSigchld: maker.ignoresSigchld)
        if p.leader.innermostPid == 1 { progress.hasInit.insert(p.pidNamespace) }
        queue.append(c)
    }

    mutating func runGroup(_ g: Int32) throws(PlanError) {
        let p = facts.process(g)
        let leaderNote = "process \(g)"
        if p.leader.comm != progress.comm[g] {
            act(g, g, .comm(p.leader.comm), note: leaderNote)
            progress.comm[g] = p.leader.comm
        }
        if isLeaf(p) {
            // (most processes: one thread, no children, where they are born; the script
            // below would come to the same)
            offer(g)
            try enterSession(g)
            flush()
            return
        }
        let script = try GroupScript(facts, history, g, startingIn: progress.groups[g]!.ipc, helperMade: history.helperMade)
        for t in p.threads.dropFirst() {
            create(t.pids, .thread, by: g, note: "process \(g): its threads")
        }
        var helperThreads: [Int32] = []
        for _ in 0..<script.helperThreadCount {
            let pids = try progress.helperPids(facts.chain(p.pidNamespace))
            create(pids, .thread, by: g, note: "process \(g): helper threads (they make children appended later)")
            helperThreadGroup[pids[0]] = g
            helperThreads.append(pids[0])
        }
        for t in p.threads.dropFirst() where t.comm != progress.comm[t.tid] {
            act(t.tid, g, .comm(t.comm), note: "thread \(t.tid) of \(g)")
            progress.comm[t.tid] = t.comm
        }
        offer(g)
        for (i, visit) in script.visits.enumerated() {
            if i > 0 {
                act(g, g, .unshare(.ipc), note: leaderNote)
                progress.groups[g]!.ipc = visit
                progress.founded.insert(visit)
                try makeObjects(visit, by: g)
                offer(g)
            }
            try makeChildren(of: g, script.creations(at: .init(visit: i, post: false)), helperThreads: helperThreads)
            if i == script.unshareVisit { try unsharePid(g) }
            try makeChildren(of: g, script.creations(at: .init(visit: i, post: true)), helperThreads: helperThreads)
        }
        for (i, t) in helperThreads.enumerated() {
            for c in script.heldByHelperThread[i] { holder[c] = t }
        }
        try enterSession(g)
        flush()
    }

    /// One thread, no children, no `unshare pid`, and no IPC namespace to found but the one it
    /// is in: its script is one visit with nothing to make.
    func isLeaf(_ p: ProcessRecord) -> Bool {
        guard p.threads.count == 1, p.leader.children.isEmpty, p.pidForChildren == p.pidNamespace else { return false }
        let current = progress.groups[p.tgid]!.ipc
        return (history.birth[p.tgid] ?? current) == current && history.founds(p.tgid).allSatisfy { $0 == current }
    }

    /// The groups of other leaders that children `g` makes itself are in by birth.
    func neededGroups(_ g: Int32) -> Set<Int32> {
        Set(ownChildren(g).compactMap { c in facts.birthGroup(c).flatMap { $0 == g ? nil : $0 } })
    }

    /// The children `g` makes itself (helpers make the others).
    func ownChildren(_ g: Int32) -> [Int32] {
        facts.process(g).threads.flatMap { $0.children.filter { !history.helperMade.contains($0) } }
    }

    /// The children a helper of `job` makes whose group by birth it joins (of inits: their
    /// makers have gone).
    func birthChildren(_ job: Job) -> [Int32] {
        switch job.kind {
        case .orphans(_, let children), .block(_, _, let children): children.filter { facts.birthGroup($0) != nil }
        default: []
        }
    }

    /// `g`'s script runs once every group its children are in by birth exists: its leader has
    /// run its script and leads it (`enterSession`), so `g` can join it before the child.
    func birthGroupsExist(for g: Int32) -> Bool { neededGroups(g).allSatisfy(groupExists) }

    /// Its leader (or stand-in) leads it.
    func groupExists(_ group: Int32) -> Bool { progress.groups[group]?.pgid == group }

    /// A waiting process or job needs the group of a gone leader: its stand-in leads it from
    /// phase A on, once the process that makes it and the dying namespaces it reaches exist
    /// (the dying init makes it there). Whether one was made.
    mutating func makeStandInsForBirth() throws(PlanError) -> Bool {
        for c in waiting.flatMap(ownChildren) + jobs.flatMap(birthChildren) {
            let p = facts.process(c)
            guard facts.birthGroup(c) != nil, facts.processes[p.pgid] == nil, progress.groups[p.pgid] == nil,
                  let place = try? standInPlace(forGroupOf: p, freePids: false),
                  place.dying.allSatisfy(progress.hasInit.contains), groupStandInMaker(forGroupOf: p, in: place.ns) != nil else { continue }
            standIns.append(try standIn(forGroupOf: p))
            return true
        }
        return false
    }

    /// Before `g` makes `child`, it is in the group the child is in by birth: it leads it
    /// (`setpgid 0 0`) or joins it (as it sees it), within its session.
    mutating func enterBirthGroup(_ g: Int32, before child: Int32) throws(PlanError) {
        guard let group = facts.birthGroup(child), progress.groups[g]!.pgid != group else { return }
        let me = progress.groups[g]!
        let level = facts.pidNamespace(me.pidNamespace).level
        let number = group == g ? me.pids[level] : facts.process(child).pgids[level]
        let leader = progress.groups[group]
        guard me.sid != g, number != 0, group == g || (leader?.pgid == group && leader?.sid == me.sid) else {
            throw PlanError("unsupported: process \(child) is in group \(group) by birth, which its maker \(g) cannot join")
        }
        act(g, g, .joinGroup(number), note: "process \(g) joins group \(group) (\(child) is in it by birth)")
        progress.groups[g]!.pgid = group
    }

    /// Children made by `g`'s threads; once the init of its pid_for_children exists, keepers
    /// may stay there.
    mutating func makeChildren(of g: Int32, _ creations: [GroupScript.Creation], helperThreads: [Int32]) throws(PlanError) {
        // Its session first (children inherit it), as late as that: the keepers it leaves in its
        // contexts before stay in the root session, where helpers make children of inits.
        let note = "process \(g) makes its children"
        for c in creations {
            try enterSession(g, before: c.child)
            try enterBirthGroup(g, before: c.child)
            let tid = c.helperThread.map { helperThreads[$0] } ?? c.thread
            make(c.child, by: tid, note: note)
            if facts.initOf[progress.groups[g]!.pidForChildren] == c.child { offer(g) }
        }
    }

    mutating func unsharePid(_ g: Int32) throws(PlanError) {
        let p = facts.process(g)
        act(g, g, .unshare(.pid), note: "process \(g)")
        progress.groups[g]!.pidForChildren = p.pidForChildren
        if case .dead = p.pidForChildren {
            // Its init died: an init at free pids that exits again.
            let pids = try progress.helperPids(facts.chain(p.pidForChildren), innermost: 1)
            create(pids, .fork, by: g, note: "process \(g): the init of \(p.pidForChildren), which died")
            addHelper(pids, in: p.pidForChildren, ipc: progress.groups[g]!.ipc, by: g)
            restoreCursor(facts.pidNamespace(p.pidForChildren), through: pids[0])
            exitHelper(pids[0], note: "the init of \(p.pidForChildren) exits")
            flush()
        }
    }

    // MARK: helpers

    /// A job runs once a keeper holds its context; a session helper of a living leader once
    /// the leader has run its script.
    func isReady(_ job: Job) -> Bool {
        if case .session(let sid, _, _) = job.kind {
            return facts.processes[sid] != nil ? progress.groups[sid] != nil : standInMaker(job.pid!, job.ipc) != nil
        }
        return progress.keeper(job.pid, job.ipc) != nil && birthChildren(job).allSatisfy { groupExists(facts.process($0).pgid) }
    }

    /// The maker of a gone session leader's stand-in: a keeper of the context, else a process
    /// of the world there (the stand-in runs `setsid`, so its maker's session does not matter:
    /// an init in a session of its own leaves no keeper in the root session).
    func standInMaker(_ ns: PidNamespaceName, _ ipc: IpcNamespaceName?) -> Int32? {
        if let k = progress.keeper(ns, ipc) { return k }
        guard progress.hasInit.contains(ns) else { return nil }
        return progress.groups.keys.sorted().first { g in
            let group = progress.groups[g]!
            return !group.isHelper && group.pidForChildren == ns && (ipc == nil || group.ipc == ipc)
        }
    }

    /// A task of the restore is in context (its pid_for_children, its IPC namespace): a keeper
    /// stays there if a helper will need it.
    mutating func offer(_ g: Int32) {
        let group = progress.groups[g]!
        let pid = group.pidForChildren, ipc = group.ipc
        // Helpers make children of inits, which are in the root session (sessions are made by
        // processes that stay, see `enterSession`).
        guard group.sid == 1 else { return }
        guard progress.hasInit.contains(pid), progress.keepers[Reach.Pair(pid: pid, ipc: ipc)] == nil else { return }
        let wanted = jobs.contains { job in
            (job.pid == nil || job.pid == pid) && (job.ipc == nil || job.ipc == ipc) && progress.keeper(job.pid, job.ipc) == nil
        }
        guard wanted, let pids = try? progress.helperPids(facts.chain(pid)) else { return }
        create(pids, .fork, by: g, note: "process \(g): a keeper of \(pid) \(ipc) (for helpers)")
        addHelper(pids, in: pid, ipc: ipc, by: g)
        ignoreSigchld(pids[0])
        progress.keepers[Reach.Pair(pid: pid, ipc: ipc)] = pids[0]
        progress.keeperOrder.append(Reach.Pair(pid: pid, ipc: ipc))
        keepers.append(pids[0])
    }

    /// A helper (process or thread) exits; a helper process's parent reaps it at once: an init
    /// does by itself, a helper that makes helpers ignores SIGCHLD, a process of the world waits
    /// for it (the world's dispositions are set at the end).
    mutating func exitHelper(_ h: Int32, note: String) {
        act(h, groupOf(h), .exit, note: note)
        guard let parent = helperParent[h], let p = progress.groups[parent], !p.ignoresSigchld,
              !(facts.processes[parent].map { _ in facts.isInit(parent) } ?? false) else { return }
        let level = facts.pidNamespace(p.pidNamespace).level
        act(parent, parent, .wait(progress.groups[h]!.pids[level]), note: "process \(parent) reaps helper \(h)")
    }

    /// The process that made each helper process.
    var helperParent: [Int32: Int32] = [:]

    mutating func addHelper(_ pids: [Int32], in ns: PidNamespaceName, ipc: IpcNamespaceName, by tid: Int32) {
        let maker = progress.groups[groupOf(tid)]!
        helperParent[pids[0]] = maker.tgid
        progress.groups[pids[0]] = Progress.Group(tgid: pids[0], pids: pids, pidNamespace: ns, pidForChildren: ns, ipc: ipc, isHelper: true,
                                                  sid: maker.sid, pgid: maker.pgid, ignoresSigchld: maker.ignoresSigchld)
        progress.comm[pids[0]] = progress.comm[tid]
    }

    /// A helper forked by the keeper of the job's context.
    mutating func spawn(for job: Job, note: String) throws(PlanError) -> Int32 {
        let k = progress.keeper(job.pid, job.ipc)!
        let group = progress.groups[k]!
        let pids = try progress.helperPids(facts.chain(group.pidForChildren))
        create(pids, .fork, by: k, note: "keeper \(k): a helper (\(note))")
        addHelper(pids, in: group.pidForChildren, ipc: group.ipc, by: k)
        return pids[0]
    }

    mutating func runJob(_ job: Job) throws(PlanError) {
        switch job.kind {
        case .orphans(let parent, let children):
            let h = try spawn(for: job, note: "it makes children of \(parent) and exits")
            for c in children {
                try enterBirthGroup(h, before: c)
                make(c, by: h, note: "helper \(h) makes children of \(parent)")
                holder[c] = h
            }
            flush()
        case .block(let ns, let parent, let children):
            let h = try spawn(for: job, note: "it unshares \(ns) for children of \(parent) and exits")
            let note = "helper \(h) makes children of \(parent)"
            let (before, after) = try blockOrder(ns, children, startingIn: progress.groups[h]!.ipc)
            // Made in this order; when the list has another, each by a thread of the helper,
            // which exit in the list's order before it does.
            var maker: [Int32: Int32] = [:]
            if before + after != children {
                var threads: [Int32] = []
                for c in children {
                    let pids = try progress.helperPids(facts.chain(progress.groups[h]!.pidNamespace))
                    create(pids, .thread, by: h, note: note)
                    helperThreadGroup[pids[0]] = h
                    maker[c] = pids[0]
                    threads.append(pids[0])
                }
                blockThreads[h] = threads
            }
            for c in before {
                try enter(h, facts.process(c), note: note)
                try enterBirthGroup(h, before: c)
                make(c, by: maker[c] ?? h, note: note)
            }
            act(h, h, .unshare(.pid), note: note)
            progress.groups[h]!.pidForChildren = ns
            for c in after {
                try enter(h, facts.process(c), note: note)
                try enterBirthGroup(h, before: c)
                make(c, by: maker[c] ?? h, note: note)
                offer(h)
            }
            for c in children { holder[c] = h }
            flush()
        case .session(let sid, let parent, let runs):
            try sessionHelper(sid, parent: parent, runs: runs, in: job.pid!, ipc: job.ipc)
        case .founder(let x):
            let h = try spawn(for: job, note: "it founds \(x)")
            ignoreSigchld(h)
            act(h, h, .unshare(.ipc), note: "helper \(h) founds \(x)")
            progress.groups[h]!.ipc = x
            progress.founded.insert(x)
            try makeObjects(x, by: h)
            progress.keepers[Reach.Pair(pid: progress.groups[h]!.pidForChildren, ipc: x)] = h
            progress.keeperOrder.append(Reach.Pair(pid: progress.groups[h]!.pidForChildren, ipc: x))
            keepers.append(h)
            flush()
        case .creators(let x, let uid, let gid, let objects):
            let k = progress.keeper(job.pid, job.ipc)!
            let h = try spawn(for: job, note: "uid \(uid) gid \(gid) creates objects of \(x)")
            let note = "helper \(h): objects of \(x) made by uid \(uid) gid \(gid)"
            if gid != 0 { act(h, h, .setgid(gid), note: note) }
            if uid != 0 { act(h, h, .setuid(uid), note: note) }
            for o in objects {
                if uid != 0 { sysctl(SysctlName(rawValue: "\(o.kind.name)_next_id")!, Int(o.id), of: k, object: "\(o.kind.name) \(o.id) of \(x): its id") }
                act(h, h, .ipcCreate(o, forced: uid == 0), note: note)
            }
            exitHelper(h, note: note)
            exited.insert(h)
            for o in objects where o.uid != o.cuid || o.gid != o.cgid {
                act(k, k, .ipcSet(o.kind, id: o.id, uid: o.uid, gid: o.gid, mode: o.mode), note: "keeper \(k): owners of objects of \(x)")
            }
            flush()
        }
    }

    /// The order a block's helper makes its children: by its visits to IPC namespaces (it
    /// starts in one and founds the others, never going back), those of the namespace above
    /// before its `unshare pid`, the init first after it. A namespace it founds comes as early
    /// as its first child there needs: before the `unshare pid`, with the init, or after.
    func blockOrder(_ ns: PidNamespaceName, _ children: [Int32], startingIn start: IpcNamespaceName) throws(PlanError)
        -> (before: [Int32], after: [Int32]) {
        let initPid = facts.initOf[ns]!
        func stage(_ c: Int32) -> Int { facts.process(c).pidNamespace != ns ? 0 : c == initPid ? 1 : 2 }
        // (each founded namespace by the stage, then the place, of its first child)
        var founded: [IpcNamespaceName: Int] = [:]
        for (i, c) in children.enumerated() {
            guard let b = history.birth[c], b != start, foundedByBlock[b] == ns else { continue }
            founded[b] = min(founded[b] ?? .max, stage(c) * children.count + i)
        }
        let visits = [start] + founded.keys.sorted { founded[$0]! < founded[$1]! }
        func visit(_ c: Int32) -> Int? { history.birth[c].map { visits.firstIndex(of: $0) ?? -1 } }
        /// The children of stage `wanted` by visit, in the list's order within one (a free birth: `free`).
        func byVisit(_ wanted: Int, free: Int) -> [Int32] {
            children.enumerated().filter { stage($0.element) == wanted }.map { (visit($0.element) ?? free, $0.offset, $0.element) }
                .sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map(\.2)
        }
        let before = byVisit(0, free: 0)
        let initVisit = visit(initPid) ?? (before.compactMap(visit).max() ?? 0)
        let rest = byVisit(2, free: initVisit)
        let visited = before.compactMap(visit) + [initVisit] + rest.compactMap(visit)
        guard visited.allSatisfy({ $0 >= 0 }), visited == visited.sorted() else {
            throw PlanError("the helper that unshares \(ns) cannot visit the IPC namespaces its children are born in (\(children))")
        }
        return (before, [initPid] + rest)
    }

    /// A helper about to make `c` is where `c` is born: it founds `c`'s birth namespace if it
    /// is the one to.
    mutating func enter(_ h: Int32, _ c: ProcessRecord, note: String) throws(PlanError) {
        guard let b = history.birth[c.tgid], progress.groups[h]!.ipc != b else { return }
        try found(b, by: h, note: note)
    }

    /// Helper `h` founds `x`, which a block's helper founds.
    mutating func found(_ x: IpcNamespaceName, by h: Int32, note: String) throws(PlanError) {
        guard foundedByBlock[x] != nil, !progress.founded.contains(x) else {
            throw PlanError("helper \(h) cannot be in \(x)")
        }
        act(h, h, .unshare(.ipc), note: note)
        progress.groups[h]!.ipc = x
        progress.founded.insert(x)
        try makeObjects(x, by: h)
        offer(h)
    }

    /// The jobs the history asks for: children of inits made by helpers (consecutive ones in
    /// one helper; the members of a pid namespace whose unsharer has gone and everything between
    /// them in one helper that unshares it), IPC namespaces founded by helpers.
    mutating func planJobs() throws(PlanError) {
        for g in facts.tgids where facts.isInit(g) {
            let list = facts.process(g).leader.children
            let m = facts.process(g).pidNamespace
            var inSpan = Set<Int32>()
            for (n, children) in Reach.spans(facts, history.helperMade)
            where facts.process(facts.initOf[n]!).parentTid == g {
                for c in children where !history.helperMade.contains(c) {
                    throw PlanError("\(c) lies between members of \(n) made by a helper, but no helper can make it")
                }
                guard let birth = history.namespaceBirth[n] else { throw PlanError("no context to make \(n) in") }
                jobs.append(Job(kind: .block(ns: n, parent: g, children: children), pid: m, ipc: birth))
                // Namespaces a helper founds in n: this one, once it is there.
                for c in children {
                    if let b = history.birth[c], history.founder[b] == .helper(n), b != birth { foundedByBlock[b] = n }
                }
                inSpan.formUnion(children)
            }
            var run: [Int32] = []
            func close() {
                guard let first = run.first else { return }
                jobs.append(Job(kind: .orphans(parent: g, children: run), pid: m, ipc: history.birth[first]))
                run = []
            }
            for c in list {
                guard history.helperMade.contains(c), !inSpan.contains(c), facts.sessions.madeByHelper[c] == nil else { close(); continue }
                if let first = run.first, history.birth[first] != history.birth[c] { close() }
                run.append(c)
            }
            close()
            try planSessionJobs(g)
        }
        for x in facts.ipcNamespaces.keys.sorted() {
            guard case .helper(let n) = history.founder[x], foundedByBlock[x] == nil else { continue }
            jobs.append(Job(kind: .founder(x), pid: n, ipc: nil))
        }
    }

    // MARK: IPC objects

    /// `x` has just been founded by `g` (or is the root namespace at the start): its allocators
    /// driven to their state while it is empty, then its objects at their ids.
    mutating func makeObjects(_ x: IpcNamespaceName, by g: Int32) throws(PlanError) {
        let ns = facts.ipcNamespaces[x]!
        let note = "process \(g): the IPC ids of \(x)"
        for kind in IpcKind.allCases {
            for a in try AllocatorDrive.actions(kind, to: ns.allocators[kind.rawValue]) { act(g, g, a, note: note) }
        }
        var others: [String: [IpcObjectRecord]] = [:]
        let objectsNote = "process \(g): objects of \(x)"
        for o in facts.objects[x] ?? [] {
            if o.cuid == 0 && o.cgid == 0 {
                act(g, g, .ipcCreate(o, forced: true), note: objectsNote)
                if o.uid != 0 || o.gid != 0 { act(g, g, .ipcSet(o.kind, id: o.id, uid: o.uid, gid: o.gid, mode: o.mode), note: "") }
            } else {
                others["\(o.cuid) \(o.cgid)", default: []].append(o)
            }
        }
        for (_, objects) in others.sorted(by: { $0.key < $1.key }) {
            jobs.append(Job(kind: .creators(x, uid: objects[0].cuid, gid: objects[0].cgid, objects: objects), pid: nil, ipc: x))
        }
    }

    // MARK: phase B and C

    /// Held children join their parents' lists in order: each holder exits when its first
    /// child's turn comes (it holds a run of consecutive ones).
    mutating func appendHeld() throws(PlanError) {
        for g in facts.tgids {
            for t in facts.process(g).threads {
                for c in t.children {
                    guard let h = holder[c], !exited.contains(h) else { continue }
                    for thread in blockThreads[h] ?? [] { act(thread, h, .exit, note: "children of \(t.tid) join its list") }
                    exitHelper(h, note: "children of \(t.tid) join its list")
                    exited.insert(h)
                }
            }
        }
    }

    // MARK: sessions, groups, zombies

    /// Before `g` makes `child` (nil: when its script is done), it is in the session the child
    /// is born in: its own, by `setsid`, when it leads one (children it made before stay in the
    /// one it was born in, as in the world); any other process is in its maker's session. A
    /// group leader makes its group before its first child (children inherit the group, and
    /// one in a new pid namespace could not join it later: the id is not in its view); a
    /// member of the group of a gone session leader joins it while the helper leads it.
    mutating func enterSession(_ g: Int32, before child: Int32? = nil) throws(PlanError) {
        let p = facts.process(g)
        let current = progress.groups[g]!.sid
        let wanted = child.map { facts.sessions.bornIn[$0] ?? current } ?? p.sid
        if wanted != current {
            guard wanted == g, p.sid == g else {
                throw PlanError("unsupported: process \(child ?? g) is in session \(wanted), the process that makes it in \(current)")
            }
            act(g, g, .setsid, note: "process \(g) leads its session")
            progress.groups[g]!.sid = g
            progress.groups[g]!.pgid = g
        }
        if p.pgid == g || birthGroups.contains(g), p.sid != g, progress.groups[g]!.pgid != g {
            act(g, g, .joinGroup(p.leader.innermostPid), note: "process \(g) leads its group")
            progress.groups[g]!.pgid = g
        }
        if p.pgid != g, p.pgid == p.sid, facts.sessions.goneLeader[p.sid] != nil,
           progress.groups[g]!.pgid != p.pgid, progress.groups[g]!.sid == p.sid {
            guard let number = p.pgids.last, number != 0 else { throw PlanError("unsupported: process \(g) does not see its group \(p.pgid)") }
            act(g, g, .joinGroup(number), note: "process \(g) joins group \(p.pgid)")
            progress.groups[g]!.pgid = p.pgid
        }
    }

    /// The session jobs of init `g`: its children made by session helpers, in runs of
    /// consecutive ones of a session (each run joins the list when its holder exits).
    mutating func planSessionJobs(_ g: Int32) throws(PlanError) {
        let m = facts.process(g).pidNamespace
        var runs: [Int32: [[Int32]]] = [:]
        var last: Int32? = nil
        for c in facts.process(g).leader.children {
            guard let s = facts.sessions.madeByHelper[c], history.helperMade.contains(c) else { last = nil; continue }
            guard facts.process(c).pidNamespace == m, facts.sessions.goneLeader[s].map({ $0.namespace == m }) ?? true,
                  !plannedSessions.contains(s) || runs[s] != nil else {
                throw PlanError("unsupported: process \(c) of session \(s) is a child of \(g), made by no helper of that session")
            }
            if last == s { runs[s]![runs[s]!.count - 1].append(c) } else { runs[s, default: []].append([c]) }
            last = s
            plannedSessions.insert(s)
        }
        for (s, r) in runs.sorted(by: { $0.key < $1.key }) {
            let births = Set(r.joined().compactMap { history.birth[$0] })
            guard births.count <= 1 else { throw PlanError("unsupported: the members of session \(s) under \(g) are born in \(births.sorted())") }
            jobs.append(Job(kind: .session(sid: s, parent: g, runs: r), pid: m, ipc: births.first))
        }
    }

    /// Sessions whose helper is planned (a gone leader's pid is taken once).
    var plannedSessions = Set<Int32>()

    /// The helper of a session: when its leader is gone, one forked by a keeper at the
    /// leader's pids that runs `setsid`; else one the leader forks. It makes the first run of
    /// members and forks a helper for each later run; it exits first (its run comes first), so
    /// the init reaps those helpers.
    mutating func sessionHelper(_ sid: Int32, parent: Int32, runs: [[Int32]], in ns: PidNamespaceName, ipc birth: IpcNamespaceName?) throws(PlanError) {
        let h: Int32
        if facts.processes[sid] == nil {
            let k = standInMaker(ns, birth)!
            let pids = facts.sessions.goneLeader[sid]!.pids
            create(pids, .fork, by: k, note: "keeper \(k): a stand-in for \(sid), the gone leader of a session")
            addHelper(pids, in: ns, ipc: progress.groups[k]!.ipc, by: k)
            h = pids[0]
            act(h, h, .setsid, note: "the stand-in leads session \(sid)")
            progress.groups[h]!.sid = sid
            progress.groups[h]!.pgid = sid
        } else {
            let leader = progress.groups[sid]!
            guard leader.sid == sid, leader.pidForChildren == ns, birth == nil || leader.ipc == birth else {
                throw PlanError("unsupported: session leader \(sid) cannot make the members reparented to \(parent)")
            }
            let pids = try progress.helperPids(facts.chain(ns))
            create(pids, .fork, by: sid, note: "process \(sid): a helper for members of its session, children of \(parent)")
            addHelper(pids, in: ns, ipc: leader.ipc, by: sid)
            h = pids[0]
        }
        let ipc = progress.groups[h]!.ipc
        for (i, run) in runs.enumerated() {
            var maker = h
            if i > 0 {
                let sub = try progress.helperPids(facts.chain(ns))
                create(sub, .fork, by: h, note: "helper \(h): a helper for a later run of members of session \(sid)")
                addHelper(sub, in: ns, ipc: ipc, by: h)
                helperParent[sub[0]] = parent
                maker = sub[0]
            }
            for c in run {
                make(c, by: maker, note: "helper \(maker) makes members of session \(sid), children of \(parent)")
                holder[c] = maker
            }
        }
        flush()
    }

    /// Process groups, once every process exists: leaders first, then members join (a group
    /// is joined within its session, while a member of it is there). A group whose leader is
    /// gone gets a helper at the leader's pids that leads it while the members join, then
    /// exits: its pid stays held by the group, as in the world. A leader that moved on to
    /// another group leads its own while the members join, then moves (`formerLeaders`).
    mutating func joinGroups() throws(PlanError) {
        let former = formerLeaders()
        let moving = facts.tgids.filter { progress.groups[$0]!.pgid != facts.process($0).pgid }
        for g in moving where facts.process(g).pgid == g { leadGroup(g) }
        for g in former where progress.groups[g]!.pgid != g { leadGroup(g) }
        for g in moving where facts.process(g).pgid != g && !former.contains(g) { try joinGroup(g) }
        for g in leavingOrder(former) { try joinGroup(g) }
        for h in standIns { exitHelper(h, note: "the stand-in for the leader of group \(h) exits") }
    }

    mutating func leadGroup(_ g: Int32) {
        act(g, g, .joinGroup(facts.process(g).leader.innermostPid), note: "process \(g) leads its group")
        progress.groups[g]!.pgid = g
    }

    mutating func joinGroup(_ g: Int32) throws(PlanError) {
        let p = facts.process(g)
        if facts.processes[p.pgid] == nil && progress.groups[p.pgid] == nil { standIns.append(try standIn(forGroupOf: p)) }
        let leader = progress.groups[p.pgid]
        guard let number = p.pgids.last, number != 0, leader?.pgid == p.pgid, leader?.sid == p.sid else {
            throw PlanError("unsupported: process \(g) is in group \(p.pgid), which it cannot join")
        }
        act(g, g, .joinGroup(number), note: "process \(g) joins group \(p.pgid)")
        progress.groups[g]!.pgid = p.pgid
    }

    /// Processes of the world whose group lives on without them: each led it, others joined,
    /// then it joined another group (its id is still its pid, so no stand-in can lead it).
    func formerLeaders() -> [Int32] {
        let led = Set(facts.tgids.map { facts.process($0).pgid })
        return facts.tgids.filter { led.contains($0) && facts.process($0).pgid != $0 }
    }

    /// Former leaders leave their groups while nobody still has to join them: one that joins
    /// another's group goes before that one (its group could be empty once it left).
    func leavingOrder(_ former: [Int32]) -> [Int32] {
        var left = former
        var order: [Int32] = []
        while !left.isEmpty {
            let next = left.firstIndex { g in !left.contains { facts.process($0).pgid == g } } ?? 0
            order.append(left.remove(at: next))
        }
        return order
    }

    /// A helper with the pids of the gone leader of `p`'s group, in `p`'s session, leading the
    /// group: made by a process of the world in that session whose pid_for_children is the
    /// leader's namespace (the shallowest level where `p` sees the group id).
    mutating func standIn(forGroupOf p: ProcessRecord) throws(PlanError) -> Int32 {
        let (ns, pids, _) = try standInPlace(forGroupOf: p, freePids: true)
        guard let maker = groupStandInMaker(forGroupOf: p, in: ns) else {
            throw PlanError("unsupported: no process of session \(p.sid) makes children in \(ns), for the gone leader of group \(p.pgid)")
        }
        for (n, pid) in zip(facts.chain(ns), pids) { progress.taken[n, default: []].insert(pid) }
        create(pids, .fork, by: maker, note: "process \(maker): a stand-in for \(p.pgid), the gone leader of a group")
        addHelper(pids, in: ns, ipc: progress.groups[maker]!.ipc, by: maker)
        act(pids[0], pids[0], .joinGroup(pids.last!), note: "the stand-in leads group \(p.pgid)")
        progress.groups[pids[0]]!.pgid = pids[0]
        return pids[0]
    }

    /// The namespace and pids of the stand-in for the gone leader of `p`'s group, and the
    /// dying namespaces among them. A leader killed by a dying init's exit was in its
    /// namespace: the group's pid holds it there (its number there nobody can read: a free
    /// one, taken when `freePids`, else 0).
    mutating func standInPlace(forGroupOf p: ProcessRecord, freePids: Bool) throws(PlanError)
        -> (ns: PidNamespaceName, pids: [Int32], dying: [PidNamespaceName]) {
        guard let level = p.pgids.lastIndex(where: { $0 != 0 }) else { throw PlanError("internal: no group id of \(p.tgid)") }
        var ns = facts.chain(p.pidNamespace)[level]
        var pids = Array(p.pgids[0...level])
        var dying: [PidNamespaceName] = []
        while let d = facts.heldDyingNamespace(below: ns) {
            pids.append(freePids ? try progress.helperPids(facts.chain(d)).last! : 0)
            ns = d
            dying.append(d)
        }
        return (ns, pids, dying)
    }

    /// A process of the world in `p`'s session whose pid_for_children is `ns`.
    func groupStandInMaker(forGroupOf p: ProcessRecord, in ns: PidNamespaceName) -> Int32? {
        facts.tgids.first { g in
            guard let m = progress.groups[g], !m.isHelper else { return false }
            return m.sid == p.sid && m.pidForChildren == ns
        }
    }

    /// Zombies exit (their parents' SIGCHLD at SIG_DFL then), and every other process gets its
    /// disposition; dying inits exit last, the deepest first (`exitDyingInits`).
    mutating func exitsAndDispositions() throws(PlanError) {
        for g in facts.tgids where facts.process(g).isZombie {
            let p = facts.process(g)
            if facts.isKilledByDyingInit(g) {
                // Killed (exit_code 9) when the init exits, below: its parent waits at SIG_DFL.
                setDisposition(facts.parentGroup(g)!, ignore: false)
                setCredentials(g)
                setDisposition(g, ignore: p.ignoresSigchld)
                continue
            }
            guard let parent = facts.parentGroup(g), !facts.isInit(parent), p.exitCode & 0xff == 0, p.threads.count == 1 else {
                throw PlanError("unsupported: zombie \(g) (exit code \(p.exitCode), parent \(p.parentTid))")
            }
            setDisposition(parent, ignore: false)
            setCredentials(g)
            setDisposition(g, ignore: p.ignoresSigchld)
            act(g, g, .exitStatus(UInt8(p.exitCode >> 8)), note: "process \(g) exits: a zombie of \(parent)")
        }
        for g in facts.tgids where !facts.process(g).isZombie { setDisposition(g, ignore: facts.process(g).ignoresSigchld) }
        try exitDyingInits()
    }

    /// Dying inits get their uid and gid, then exit, the deepest first (an inner one exited
    /// before the outer one, which would have killed it); one killed by an outer one's exit
    /// (exit_code 9) is left to it. Each kills the processes of its namespace that the image
    /// shows killed and waits, as in the world, for the pids held from outside (stand-ins'
    /// groups, zombies of outside parents, inits below that wait).
    mutating func exitDyingInits() throws(PlanError) {
        let dying = facts.tgids.filter { facts.process($0).isDying }
        for g in dying { setCredentials(g) }
        for g in dying.sorted(by: { facts.process($0).leader.pids.count > facts.process($1).leader.pids.count }) {
            let p = facts.process(g)
            if facts.isKilledByDyingInit(g) { continue }
            guard p.exitCode & 0xff == 0 else { throw PlanError("unsupported: dying init \(g) (exit code \(p.exitCode))") }
            act(g, g, .exitStatus(UInt8(p.exitCode >> 8)), note: "init \(g) exits: it waits for the pids of \(p.pidNamespace) held from outside")
        }
    }

    /// A pid namespace's ns_last_pid, then its pid_max, through a process in it (the top for the
    /// root) that is root then: the cursor first, while pid_max is still the restore's (the
    /// original's may have passed a pid_max lowered later). Images written before
    /// `pid_namespaces` have neither for a namespace without tasks: it keeps the defaults.
    mutating func restoreCursor(_ ns: PidNamespaceRecord, through process: Int32?) {
        guard let pidMax = ns.pidMax, let last = ns.lastPid else { return }
        if last >= 0 { sysctl(.nsLastPid, last, of: process, object: "pid namespace \(ns.name)") }
        sysctl(.pidMax, pidMax, of: process, object: "pid namespace \(ns.name)")
    }

    mutating func setCredentials(_ g: Int32) {
        let p = facts.process(g)
        if p.gid != 0 { act(g, g, .setgid(p.gid), note: "process \(g)") }
        if p.uid != 0 { act(g, g, .setuid(p.uid), note: "process \(g)") }
    }

    /// A keeper reaps the helpers it makes as they exit.
    mutating func ignoreSigchld(_ h: Int32) {
        act(h, h, .sigchld(ignore: true), note: "keeper \(h) reaps its helpers")
        progress.groups[h]!.ignoresSigchld = true
    }

    mutating func setDisposition(_ g: Int32, ignore: Bool) {
        guard progress.groups[g]!.ignoresSigchld != ignore else { return }
        act(g, g, .sigchld(ignore: ignore), note: "process \(g): its SIGCHLD disposition")
        progress.groups[g]!.ignoresSigchld = ignore
    }

    mutating func finalState() throws(PlanError) {
        try joinGroups()
        let namespaces = facts.image.pidNamespaces.sorted(by: ImageText.pidNamespaceOrder).compactMap { ns -> (PidNamespaceRecord, Int32)? in
            guard case .live(let initPid) = ns.name else { return nil }
            return (ns, initPid)
        }
        // A zombie or dying init's namespace through its init while it still can: before its
        // uid is set and it exits; nothing forks there after.
        for (ns, initPid) in namespaces where facts.process(initPid).hasExited { restoreCursor(ns, through: initPid) }
        try exitsAndDispositions()
        for (ns, initPid) in namespaces where !facts.process(initPid).hasExited {
            restoreCursor(ns, through: ns.name == .root ? nil : initPid)
        }
        for ns in facts.image.ipcNamespaces.sorted(by: { $0.name.sortKey < $1.name.sortKey }) {
            for kind in IpcKind.allCases where ns.nextIds[kind.rawValue] != -1 {
                let dir: Int32? = ns.name == facts.rootIpc ? nil : facts.members[ns.name]!.first!
                sysctl(SysctlName(rawValue: "\(kind.name)_next_id")!, ns.nextIds[kind.rawValue], of: dir, object: "IPC namespace \(ns.name)")
            }
        }
        for g in facts.tgids where !facts.process(g).hasExited {
            let p = facts.process(g)
            setCredentials(g)
            for t in p.threads {
                if let ids = t.pendingIds { act(t.tid, g, .nextId(ids), note: "thread \(t.tid): its pending next_id") }
            }
        }
        flush()
    }
}
