import IdAllocators

/// What exists so far while the plan is made: the processes made (the world's and helpers),
/// where each one is, the IPC namespaces founded, the keepers, the pids helpers may take.
struct Progress {
    struct Group {
        var tgid: Int32
        /// Root namespace first.
        var pids: [Int32]
        var pidNamespace: PidNamespaceName
        var pidForChildren: PidNamespaceName
        var ipc: IpcNamespaceName
        var isHelper: Bool
        /// Its session and process group (root pids) and SIGCHLD disposition so far, inherited
        /// from its maker.
        var sid: Int32 = 1
        var pgid: Int32 = 1
        var ignoresSigchld = false
    }

    var groups: [Int32: Group] = [:]
    /// Every thread made so far: its comm.
    var comm: [Int32: [UInt8]] = [:]
    var hasInit = Set<PidNamespaceName>()
    var founded = Set<IpcNamespaceName>()
    /// A helper holding a context (pid namespace, IPC namespace) for helpers made later.
    var keepers: [Reach.Pair: Int32] = [:]
    /// The keepers' contexts in the order they were made (for a deterministic choice).
    var keeperOrder: [Reach.Pair] = []
    /// Pids no helper may take: the world's, and helpers' (never reused).
    var taken: [PidNamespaceName: Set<Int32>] = [:]
    var nextHelperPid: [PidNamespaceName: Int32] = [:]

    init(_ facts: Facts) {
        for g in facts.tgids {
            let chain = facts.chain(facts.process(g).pidNamespace)
            for t in facts.process(g).threads {
                for (level, pid) in t.pids.enumerated() { taken[chain[level], default: []].insert(pid) }
            }
        }
    }

    /// Fresh pids for a helper in `ns` (root namespace first), counting down from the top of
    /// the range in each namespace of the chain; `innermost` forces the last one (an init).
    mutating func helperPids(_ chain: [PidNamespaceName], innermost: Int32? = nil) throws(PlanError) -> [Int32] {
        var out: [Int32] = []
        for (i, n) in chain.enumerated() {
            if i == chain.count - 1, let forced = innermost {
                out.append(forced)
                continue
            }
            var p = nextHelperPid[n] ?? Int32(Limits.pidMaxLimit - 1)
            while taken[n, default: []].contains(p) { p -= 1 }
            guard p > 1 else { throw PlanError("no free pid left for a helper in \(n)") }
            taken[n, default: []].insert(p)
            nextHelperPid[n] = p - 1
            out.append(p)
        }
        return out
    }

    func keeper(_ pid: PidNamespaceName?, _ ipc: IpcNamespaceName?) -> Int32? {
        if let pid, let ipc { return keepers[Reach.Pair(pid: pid, ipc: ipc)] }
        return keeperOrder.first { (pid == nil || $0.pid == pid) && (ipc == nil || $0.ipc == ipc) }.map { keepers[$0]! }
    }
}
