import IdAllocators

/// Random worlds as tests/restore/genworld.py makes them, on a `Kernel` without FUSE: 10 to 150
/// tasks, chains of 8 to 10 nested pid namespaces, threads, exits of parents and of inits,
/// uids and gids, several IPC namespaces, create/remove churn (seq > 0), small pid_max with
/// wrapped cursors, and pending next_id, `*_next_id` and ns_last_pid.
struct WorldGenerator {
    let kernel: Kernel
    var rng: Rng
    var unsharedIpc = Set<Int32>()
    /// What it does, when a world is to be shrunk (`Shrinker`).
    var log: GeneratorLog?

    static let uids: [UInt32] = [0, 0, 0, 1000, 1001, 2000]
    static let gids: [UInt32] = [0, 0, 100, 1000, 2000]
    static let modes: [Int32] = [0o600, 0o640, 0o666, 0o400, 0o660, 0o604]
    static let comms = ["worker", "db", "sh", "a b", "restored-worker-process", "x", "kthread", "app.1"]
    static let keys: [Int32] = [1, 2, 3, 77, 0x1234, Int32(bitPattern: 0xdead_beef), 99999]

    init(seed: UInt64, kernel: Kernel = Kernel.ticking()) {
        self.kernel = kernel
        rng = Rng(seed: seed)
    }

    static func world(seed: UInt64) -> Kernel {
        var g = WorldGenerator(seed: seed)
        g.build()
        return g.kernel
    }

    var threads: [Int32] { kernel.allThreads(from: 0, limit: Int.max).map(\.tid) }
    func status(_ t: Int32) -> TaskStatus? { kernel.status(of: t) }
    func uid(_ t: Int32) -> UInt32 { status(t)?.uid ?? 1 }
    func level(_ t: Int32) -> Int { (status(t)?.nsPid.count ?? 1) - 1 }

    @discardableResult
    func call(_ t: Int32, _ s: Syscall) -> Result<Int64, Errno> {
        log?.ops.append(.call(t, s))
        return kernel.call(s, by: t)
    }

    @discardableResult
    func sysctl(_ name: SysctlName, _ value: Int, of tgid: Int32?) -> Result<Int64, Errno> {
        log?.ops.append(.sysctl(name, Int64(value), tgid))
        return kernel.writeSysctl(name, value: Int64(value), as: tgid)
    }

    func table(_ t: Int32, _ kind: IpcKind) -> [Int32] {
        kernel.ipcTable(kind, as: kernel.actor(t))?.map(\.id) ?? []
    }

    mutating func pending(_ t: Int32, n: Int, range: ClosedRange<Int>) {
        let ids = (0..<n).map { _ in Int32(rng.int(range)) }
        call(t, .setNextId(PendingIds(ids)))
    }

    // MARK: operations

    mutating func fork(_ t: Int32) {
        if uid(t) == 0 && rng.chance(20) { pending(t, n: rng.int(1...(level(t) + 1)), range: 2...600) }
        call(t, .fork)
    }

    mutating func deepChain(_ t: Int32) {
        var cur = t
        for _ in 0..<max(rng.int(8...10) - level(t), 0) {
            guard case .success = call(cur, .clone(.newPid)), let kids = kernel.children(of: cur),
                  let child = kids.last(where: { status($0)?.nsPid.last == 1 }) else { break }
            cur = child
            for _ in 0..<rng.int(0...2) { call(cur, .fork) }
        }
    }

    mutating func ipcGet(_ t: Int32) {
        let kind: IpcKind = rng.pick(IpcKind.allCases)
        let key = rng.chance(50) ? IpcGetRequest.privateKey : rng.pick(Self.keys)
        let mode: Int32 = rng.pick(Self.modes)
        let flags: IpcFlags = [.create, rng.chance(80) ? [] : .exclusive, IpcFlags(rawValue: mode)]
        if uid(t) == 0 && rng.chance(30) {
            call(t, .setNextId(PendingIds([Int32(rng.int(0...5) * 32768 + rng.int(0...80))])))
        } else if uid(t) == 0 && rng.chance(15) {
            sysctl(SysctlName(rawValue: "\(kind.name)_next_id")!, rng.int(0...3) * 32768 + rng.int(0...100), of: status(t)!.tgid)
        }
        let request = IpcGetRequest(kind: kind, key: key, flags: flags, nsems: Int32(rng.int(1...8)),
                                    size: rng.pick([1, 4096, 65536, 100]))
        call(t, .ipcGet(request))
    }

    mutating func ipcChurn(_ t: Int32) {
        let kind: IpcKind = rng.pick(IpcKind.allCases)
        for _ in 0..<rng.int(20...90) {
            let r = call(t, .ipcGet(IpcGetRequest(kind: kind, key: IpcGetRequest.privateKey, flags: [.create, 0o600], nsems: 1, size: 4096)))
            if case .success(let id) = r, rng.chance(85) { call(t, .ipcRemove(kind, id: Int32(id))) }
        }
    }

    mutating func exit(_ t: Int32) {
        guard let s = status(t), s.tgid != 1 else { return }
        if status(s.tgid)?.nsPid.last == 1 && rng.chance(85) { return }
        call(t, .exit(code: 0))
    }

    mutating func smallPidMax(_ t: Int32) {
        guard uid(t) == 0, let g = status(t)?.tgid else { return }
        let pm = rng.int(301...600)
        guard case .success = sysctl(.pidMax, pm, of: g) else { return }
        sysctl(.nsLastPid, pm - rng.int(1...6), of: g)
        for _ in 0..<rng.int(2...9) { call(t, .fork) }
    }

    mutating func unshareIpc(_ t: Int32) {
        guard let g = status(t)?.tgid, !unsharedIpc.contains(g) else { return }
        if case .success = call(t, .unshare(.ipc)) { unsharedIpc.insert(g) }
    }

    mutating func step(_ t: Int32) {
        let op = rng.weighted([(0, 30), (1, 8), (2, 5), (3, 4), (4, 3), (5, 3), (6, 12), (7, 4), (8, 4), (9, 3), (10, 14),
                               (11, 5), (12, 3), (13, 1), (14, 1)])
        switch op {
        case 0: fork(t)
        case 1: call(t, .clone(.thread))
        case 2: if level(t) < 9 { call(t, .clone(.newPid)) }
        case 3: call(t, .clone(.newIpc))
        case 4: if level(t) < 9 { call(t, .unshare(.pid)) }
        case 5: unshareIpc(t)
        case 6: exit(t)
        case 7: call(t, .setgid(rng.pick(Self.gids)))
        case 8: call(t, .setuid(rng.pick(Self.uids)))
        case 9: call(t, .comm(Array(rng.pick(Self.comms).utf8)))
        case 10: ipcGet(t)
        case 11:
            let kind: IpcKind = rng.pick(IpcKind.allCases)
            let ids = table(t, kind)
            if !ids.isEmpty { call(t, .ipcRemove(kind, id: rng.pick(ids))) }
        case 12:
            let kind: IpcKind = rng.pick(IpcKind.allCases)
            let ids = table(t, kind)
            if !ids.isEmpty {
                call(t, .ipcSet(kind, id: rng.pick(ids), uid: rng.pick(Self.uids), gid: rng.pick(Self.gids), mode: UInt32(rng.pick(Self.modes))))
            }
        case 13: ipcChurn(t)
        default: smallPidMax(t)
        }
    }

    // MARK: sessions, groups, zombies

    /// Live processes but the inits.
    var ordinaryProcesses: [Int32] {
        kernel.threadGroups(from: 2, limit: Int.max).map(\.tid).filter {
            guard let s = status($0) else { return false }
            return s.state != .zombie && s.nsPid.last != 1
        }
    }

    /// Its children are in its own pid namespace (it never ran `unshare pid`). Only such a
    /// process of a session exits with children here: a session helper makes the children of
    /// an init in the init's namespace, not those of a namespace whose unsharer has gone.
    func forksInItsNamespace(_ g: Int32) -> Bool {
        kernel.namespaceInodes(of: kernel.handle(ofPid: g)).map { $0.pid == $0.pidForChildren } ?? false
    }

    func childless(_ g: Int32) -> Bool {
        (kernel.threads(ofGroup: g) ?? []).allSatisfy { (kernel.children(of: $0.tid) ?? []).isEmpty }
    }

    /// Whether a process outside `g`'s pid namespace is in its group: the group's pid is held
    /// in that namespace too, where no task shows it.
    func groupHeldFromOutside(_ g: Int32) -> Bool {
        guard let depth = status(g)?.nsPid.count else { return false }
        return kernel.threadGroups(from: 2, limit: Int.max).contains { status($0.tid).map { $0.pgid == g && $0.nsPid.count < depth } == true }
    }

    /// Whether a group led in init `i`'s pid namespace has a member outside it.
    func heldByAGroupOutside(_ i: Int32) -> Bool {
        let ns = kernel.namespaceInodes(of: kernel.handle(ofPid: i))?.pid
        return ordinaryProcesses.contains { g in
            status(g)?.pgid == g && kernel.namespaceInodes(of: kernel.handle(ofPid: g))?.pid == ns && groupHeldFromOutside(g)
        }
    }

    /// After the world is built: sessions and groups made by processes without children (so
    /// that later children inherit them), forks into them, zombies (a parent at SIG_DFL, a
    /// child that exits with a code), group leaders that exit (their pid stays held by the
    /// group), session leaders that exit (their members go to the init; the session holds the
    /// pid), members with children that leave by setsid or exit, a process that joins the
    /// group of a leader in a pid namespace below its own (and may then make a child in a new
    /// pid namespace, in that group by birth), and inits that exit: one whose
    /// namespace's pids a group outside it or a zombie of an outside parent holds is a dying
    /// init. A group leader whose group is held from outside its namespace does not exit
    /// while its init lives (the tree would not show the pid its group holds there).
    mutating func sessions() {
        for _ in 0..<rng.int(0...12) {
            guard let p: Int32 = rng.pick(ordinaryProcesses) else { return }
            switch rng.weighted([(0, 5), (1, 3), (2, 4), (3, 4), (4, 3), (5, 2), (6, 5), (7, 2), (8, 2), (9, 2), (10, 2)]) {
            case 0:
                // a new session, with members most often
                guard childless(p), case .success = call(p, .setsid) else { break }
                for _ in 0..<rng.int(0...3) { call(p, .fork) }
            case 1: if childless(p) { call(p, .setpgid(pid: 0, pgid: 0)) }
            case 2:
                // (a group leader's group, most often)
                let leaders = ordinaryProcesses.filter { status($0)?.pgid == $0 }
                guard childless(p), let me = status(p), let q: Int32 = rng.pick(rng.chance(80) ? leaders : ordinaryProcesses),
                      let other = status(q),
                      other.nsPid.count == me.nsPid.count, let pgid = other.nsPgid.last, pgid != 0 else { break }
                call(p, .setpgid(pid: 0, pgid: pgid))
            case 3: call(p, .fork)
            case 4:
                call(p, .sigchld(ignore: false))
                guard case .success = call(p, .fork), let c = kernel.children(of: p)?.last else { break }
                if rng.chance(70) { call(c, .exit(code: UInt8(rng.int(0...255)))) }
            case 5:
                // a group leader (not a session leader) without children exits
                let leaders = ordinaryProcesses.filter { g in
                    status(g).map { $0.pgid == g && $0.sid != g } == true && childless(g) && !groupHeldFromOutside(g)
                }
                guard let l: Int32 = rng.pick(leaders) else { break }
                call(l, .exit(code: UInt8(rng.int(0...3))))
            case 6:
                // a session leader exits (a zombie if its parent is at SIG_DFL)
                let leaders = ordinaryProcesses.filter { g in status(g)?.sid == g && forksInItsNamespace(g) }
                let withMembers = leaders.filter { !childless($0) }
                guard let l: Int32 = rng.pick(rng.chance(80) && !withMembers.isEmpty ? withMembers : leaders) else { break }
                call(l, .exit(code: UInt8(rng.int(0...3))))
            case 7:
                // a process with children leaves for a session of its own (EPERM for a group
                // leader); its children stay in the old one
                if !childless(p) { call(p, .setsid) }
            case 9:
                // a childless process joins the group of a process of its session one pid
                // namespace below its own, which leads it (deeper, the group would hold pids in
                // namespaces between them that no task shows)
                guard childless(p), let me = status(p), let q: Int32 = rng.pick(ordinaryProcesses.filter { g in
                    status(g).map { $0.nsPid.count == me.nsPid.count + 1 && $0.sid == me.sid } == true && childless(g)
                }) else { break }
                if status(q)?.pgid != q { call(q, .setpgid(pid: 0, pgid: 0)) }
                guard let other = status(q), other.pgid == q,
                      case .success = call(p, .setpgid(pid: 0, pgid: other.nsPid[me.nsPid.count - 1])) else { break }
                // its child in a new pid namespace (beside the leader's, most often) is in the
                // group by birth: it sees the group as 0 (genworld.py makes it only by chance,
                // so that the worlds of its campaigns stay as they were)
                if rng.chance(30) { call(p, forksInItsNamespace(p) ? .clone(.newPid) : .fork) }
                guard rng.chance(50), !kernel.threadGroups(from: 2, limit: Int.max).contains(where: { status($0.tid)?.state == .dying })
                else { break }
                // the leader's init exits: it waits for the group's pid (a dying init; one at a
                // time: two side by side, each held only by a group outside, the image could not
                // tell apart)
                let ns = kernel.namespaceInodes(of: kernel.handle(ofPid: q))?.pid
                if let i = kernel.threadGroups(from: 2, limit: Int.max).map(\.tid).first(where: { g in
                    status(g)?.nsPid.last == 1 && kernel.namespaceInodes(of: kernel.handle(ofPid: g))?.pid == ns
                }) { call(i, .exit(code: UInt8(rng.int(0...3)))) }
            case 10:
                // an init exits (it kills its namespace; it is dying while pids of it are held
                // from outside); one whose namespace a group outside holds not while another is
                // dying (two side by side, each held only by a group outside, the image could
                // not tell apart)
                let dying = kernel.threadGroups(from: 2, limit: Int.max).contains { status($0.tid)?.state == .dying }
                let inits = kernel.threadGroups(from: 2, limit: Int.max).map(\.tid).filter {
                    status($0).map { $0.state == .sleeping && $0.nsPid.last == 1 } == true && !(dying && heldByAGroupOutside($0))
                }
                guard let i: Int32 = rng.pick(inits) else { break }
                call(i, .exit(code: UInt8(rng.int(0...3))))
            default:
                // a member of a session other than 1 with children exits: they go to the init
                let members = ordinaryProcesses.filter { g in
                    status(g).map { $0.sid != g && $0.sid != 1 } == true && !childless(g) && forksInItsNamespace(g)
                }
                guard let m: Int32 = rng.pick(members) else { break }
                call(m, .exit(code: 0))
            }
        }
    }

    mutating func build() {
        let target = rng.int(10...150)
        call(1, .sigchld(ignore: true))
        if rng.chance(30) {
            let pm = rng.int(400...2000)
            sysctl(.pidMax, pm, of: nil)
            sysctl(.nsLastPid, pm - rng.int(1...5), of: nil)
            for _ in 0..<rng.int(2...6) { call(1, .fork) }
        }
        if rng.chance(60) { deepChain(rng.pick(threads)) }
        var budget = target * 6
        while budget > 0 && threads.count < target {
            budget -= 1
            step(rng.pick(threads))
        }
        if rng.chance(70) { sessions() }
        let ts = threads.filter { status($0)?.state != .zombie }
        for t in rng.sample(ts, rng.int(0...6)) { pending(t, n: rng.int(1...4), range: 1...40000) }
        for t in rng.sample(ts, rng.int(0...3)) where uid(t) == 0 {
            sysctl(SysctlName(rawValue: "\(rng.pick(IpcKind.allCases).name)_next_id")!, rng.int(0...200_000), of: status(t)!.tgid)
        }
        for t in rng.sample(ts, rng.int(0...2)) where uid(t) == 0 {
            sysctl(.nsLastPid, rng.int(0...300), of: status(t)!.tgid)
        }
    }
}
