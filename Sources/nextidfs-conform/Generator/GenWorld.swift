import IdAllocators
import NextIdFS

/// What the generator knows about the machine its script is building: the simulation itself
/// (every operation written so far has run on it) plus the pid namespace tree, which the
/// kernel's views do not show and the generator records as namespaces appear.
final class GenWorld {
    let runner: ScriptRunner<SimulatedTarget>
    var kernel: Kernel { runner.target.kernel }

    struct PidNamespace {
        var parent: UInt32?
        var level: Int
        var pidMax: Int
        /// The handle that took pid 1 in it (alive or not).
        var initHandle: Int?
    }

    enum InitState: Equatable {
        /// No task has taken pid 1 yet: only a forced or automatic pid 1 comes first.
        case none
        case alive(Int)
        /// Its init has exited: the namespace takes no new pids (ENOMEM).
        case dead
    }

    private(set) var namespaces: [UInt32: PidNamespace] = [:]
    /// The thread whose `unshare pid` made its process's current pid_for_children.
    private var unsharers: [Int: Int] = [:]
    /// Each handle's own pid namespace (never changes).
    private var activeNamespace: [Int: UInt32] = [:]
    let rootNamespace = Limits.rootPidNamespaceInode

    init(pidMax: Int) {
        runner = ScriptRunner(target: SimulatedTarget(pidMax: pidMax))
        namespaces[rootNamespace] = PidNamespace(parent: nil, level: 0, pidMax: pidMax, initHandle: 0)
        activeNamespace[0] = rootNamespace
    }

    // MARK: tasks

    var handleCount: Int { runner.handles.count }
    var live: [Int] { runner.handles.liveHandles }
    func alive(_ h: Int) -> Bool { runner.handles.live(h) != nil }
    func task(_ h: Int) -> TaskRef { runner.handles[h].task }
    func pids(_ h: Int) -> [Int32] { runner.handles[h].pids }
    func isThread(_ h: Int) -> Bool { runner.handles[h].isThread }
    func leader(_ h: Int) -> Int { runner.handles[h].leader }
    func uid(_ h: Int) -> UInt32 { kernel.identity(of: kernel.handle(ofPid: task(h).tid))?.uid ?? 0 }
    func gid(_ h: Int) -> UInt32 { kernel.identity(of: kernel.handle(ofPid: task(h).tid))?.gid ?? 0 }
    func isRoot(_ h: Int) -> Bool { uid(h) == 0 }
    func active(_ h: Int) -> UInt32 { activeNamespace[h]! }
    func pidForChildren(_ h: Int) -> UInt32 { kernel.namespaceInodes(of: kernel.handle(ofPid: task(h).tid))?.pidForChildren ?? active(h) }
    func ipcNamespace(_ h: Int) -> UInt32 { kernel.namespaceInodes(of: kernel.handle(ofPid: task(h).tid))?.ipc ?? 0 }
    func level(_ h: Int) -> Int { pids(h).count - 1 }
    /// The live handles of the process `h` belongs to.
    func threads(ofProcessOf h: Int) -> [Int] { live.filter { leader($0) == leader(h) } }
    func pending(_ h: Int) -> [Int32]? { (try? kernel.pendingIds(of: kernel.handle(ofPid: task(h).tid)).get())??.ids }
    func unsharer(ofProcessOf h: Int) -> Int? { unsharers[leader(h)] }
    /// Processes forked by (or reparented to) any thread of `h`'s process.
    func childCount(ofProcessOf h: Int) -> Int {
        threads(ofProcessOf: h).reduce(0) { $0 + (kernel.children(of: kernel.handle(ofPid: task($1).tid))?.count ?? 0) }
    }

    // MARK: pid namespaces

    func namespace(_ ns: UInt32) -> PidNamespace { namespaces[ns]! }
    func level(ofNamespace ns: UInt32) -> Int { namespaces[ns]!.level }
    func pidMax(_ ns: UInt32) -> Int { namespaces[ns]!.pidMax }

    /// `ns` and its ancestors, innermost first.
    func chain(_ ns: UInt32) -> [UInt32] {
        var out: [UInt32] = []
        var current: UInt32? = ns
        while let c = current {
            out.append(c)
            current = namespaces[c]?.parent
        }
        return out
    }

    func initState(_ ns: UInt32) -> InitState {
        guard let h = namespaces[ns]?.initHandle else { return .none }
        return alive(h) ? .alive(h) : .dead
    }

    /// Live tasks whose own namespace is `ns`.
    func members(_ ns: UInt32) -> [Int] { live.filter { active($0) == ns } }

    /// Pids in use in `ns`: every task in it or below it that is not reaped has one there, and
    /// so have their process groups and sessions.
    func pidsInUse(_ ns: UInt32) -> [Int32] {
        let level = level(ofNamespace: ns)
        var used = Set<Int32>()
        for h in existing where chain(active(h)).contains(ns) {
            guard let s = status(h) else { continue }
            used.formUnion([s.nsPid[level], s.nsPgid[level], s.nsSid[level]])
        }
        used.remove(0)
        return used.sorted()
    }

    // MARK: sessions, groups, zombies

    /// Handles whose task is still there: running, zombie or dying.
    var existing: [Int] { runner.handles.presentHandles }

    /// Processes that exited and wait to be reaped.
    var zombies: [Int] { existing.filter { !isThread($0) && status($0)?.state == .zombie } }

    /// The kernel's handle of `h`'s task (its pid and serial).
    func kernelHandle(_ h: Int) -> TaskHandle { TaskHandle(tid: task(h).tid, serial: runner.handles[h].serial) }

    func status(_ h: Int) -> TaskStatus? {
        runner.handles[h].present ? kernel.status(of: kernelHandle(h)) : nil
    }

    /// The number of `h`'s pid in the pid namespace of `viewer`, nil where it has none.
    func number(of h: Int, seenBy viewer: Int) -> Int32? {
        guard chain(active(h)).contains(active(viewer)) else { return nil }
        return pids(h)[level(viewer)]
    }

    /// The handle of the task whose root pid is `pid` (and which is still there).
    func handle(rootPid pid: Int32) -> Int? {
        existing.last { pids($0)[0] == pid }
    }

    /// The processes forked by (or reparented to) any thread of `h`'s process, zombies included.
    func children(ofProcessOf h: Int) -> [Int] {
        threads(ofProcessOf: h).flatMap { kernel.children(of: kernelHandle($0)) ?? [] }.compactMap { handle(rootPid: $0) }
    }

    /// Process group and session of `h`, as the root namespace numbers them.
    func pgid(_ h: Int) -> Int32 { status(h)?.pgid ?? 0 }
    func sid(_ h: Int) -> Int32 { status(h)?.sid ?? 0 }
    func isInit(_ h: Int) -> Bool { !isThread(h) && pids(h).last == 1 }

    /// ns_last_pid of `ns`, read through one of its tasks.
    func lastPid(_ ns: UInt32) -> Int? {
        guard let h = members(ns).first else { return nil }
        return (try? kernel.readSysctl(.nsLastPid, as: .task(kernel.handle(ofPid: task(h).tid))).get()).map(Int.init)
    }

    // MARK: IPC

    func ipcRows(_ h: Int, _ kind: IpcKind) -> [IpcRow] {
        (try? runner.target.ipcTable(kind, by: task(h)).get()) ?? []
    }

    func nextId(_ h: Int, _ kind: IpcKind) -> Int64 {
        (try? kernel.readSysctl(kind.nextIdName, as: .task(kernel.handle(ofPid: task(h).tid))).get()) ?? -1
    }

    // MARK: running

    /// Runs one operation on the simulation and records the namespaces it made.
    func apply(_ h: Int, _ command: String) -> OpResult {
        let before = alive(h) ? (active: active(h), pfc: pidForChildren(h)) : nil
        let result = runner.execute(handle: h, command: command)
        guard let before else { return result }
        if case .created(_, let child, let childPids) = result {
            record(child: child, pids: childPids, creatorPidForChildren: before.pfc, thread: isThread(child), creator: h)
        } else if case .value = result, Words.split(Substring(command)).first == "unshare", alive(h) {
            let pfc = pidForChildren(h)
            if pfc != before.pfc { unsharers[leader(h)] = h }
            if namespaces[pfc] == nil {
                namespaces[pfc] = PidNamespace(parent: before.active, level: level(h) + 1, pidMax: Limits.pidMaxLimit)
            }
        } else if case .value = result, case .sysctl(.pidMax, let text) = Command(command),
                  let value = KernelInteger.parse(Array(text.utf8)) {
            namespaces[before.active]?.pidMax = Int(value)
        }
        return result
    }

    func record(child: Int, pids: [Int32], creatorPidForChildren pfc: UInt32, thread: Bool, creator: Int) {
        let ns = thread ? active(creator) : (kernel.namespaceInodes(of: kernel.handle(ofPid: task(child).tid))?.pid ?? pfc)
        activeNamespace[child] = ns
        if namespaces[ns] == nil {
            // clone newpid: a namespace below the creator's pid_for_children
            namespaces[ns] = PidNamespace(parent: pfc, level: pids.count - 1, pidMax: Limits.pidMaxLimit)
        }
        if pids.last == 1 { namespaces[ns]?.initHandle = child }
    }
}

extension IpcKind {
    var nextIdName: SysctlName {
        switch self {
        case .msg: .msgNextId
        case .sem: .semNextId
        case .shm: .shmNextId
        }
    }
}
