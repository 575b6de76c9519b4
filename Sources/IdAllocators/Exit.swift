/// do_exit, exit_notify and release_task (kernel/exit.c), with the reparenting rules of
/// forget_original_parent and the namespace teardown of zap_pid_ns_processes
/// (docs/interface.md §4.5).
///
/// A thread that exits alone is released at once. A process that exits leaves its namespaces,
/// loses its threads, gives its children to the init of its pid namespace, and stays a zombie
/// (its pid, process group and session still attached) until its parent reaps it, unless the
/// parent reaps at once: an init does (as every real init does), and so does a process that
/// ignores SIGCHLD (do_notify_parent's autoreap).
extension Machine {
    /// `exit CODE` by `actor`: a non-leader thread ends alone; the leader ends its whole group
    /// (exit_group), with exit_code `CODE << 8`.
    func exitTask(_ actor: TaskIndex, code: UInt8, _ changes: inout Changes) -> Result<Int64, Errno> {
        guard tasks[Int(actor)].isLeader else {
            exitThread(actor, &changes)
            return .success(0)
        }
        // The root init has no parent namespace to be reaped into.
        guard actor != rootInit else { return .failure(.EBUSY) }
        exitGroup(actor, code: Int32(code) << 8, &changes)
        return .success(0)
    }

    /// A non-leader thread ends: find_alive_thread gives its children to the group leader (a
    /// reparent inside the group tells nobody: its zombies stay zombies).
    func exitThread(_ t: TaskIndex, _ changes: inout Changes) {
        reparentChildren(of: t, to: tasks[Int(t)].leader, &changes)
        unlinkThread(t)
        releaseTask(t, &changes)
    }

    /// A thread group ends with exit code `code`. Its children go to the init of its pid
    /// namespace; if it is that init, every other process of the namespace and of the
    /// namespaces below it is killed first, and the init waits (dying) until the last other
    /// pid of its namespace is gone.
    func exitGroup(_ leader: TaskIndex, code: Int32, _ changes: inout Changes) {
        let ns = activeNamespace(of: leader)
        let isInit = isChildReaper(leader)
        tasks[Int(leader)].exitCode = code
        tasks[Int(leader)].exitState = .dying
        if isInit {
            zapPidNamespace(ns, dyingInit: leader, &changes)
            // What its threads still hold (an init of a namespace below that waits) goes to it.
            forEachThread(ofLeader: leader) { if $0 != leader { reparentChildren(of: $0, to: leader, &changes) } }
        } else {
            let reaper = pidNamespaces[Int(ns)].childReaper
            forEachThread(ofLeader: leader) { reparentChildren(of: $0, to: reaper, &changes) }
        }
        exitNamespaces(leader)
        releaseOtherThreads(of: leader, &changes)
        if isInit && pidNamespaces[Int(ns)].allocated > 1 { return }
        notifyParent(leader, &changes)
    }

    /// Whether the live process `leader` is the init of its pid namespace.
    func isChildReaper(_ leader: TaskIndex) -> Bool {
        let ns = activeNamespace(of: leader)
        return pidNamespaces[Int(ns)].adding && pidNamespaces[Int(ns)].childReaper == leader
    }

    /// zap_pid_ns_processes: the namespace takes no new pids and every other running process
    /// with a pid in it is killed (SIGKILL). Zombies are dead already; a process whose parent
    /// is outside the namespace becomes that parent's zombie like any other.
    func zapPidNamespace(_ ns: Int32, dyingInit: TaskIndex, _ changes: inout Changes) {
        pidNamespaces[Int(ns)].adding = false
        var victims: [(TaskIndex, serial: UInt64)] = []
        var seen = Set<TaskIndex>()
        pidNamespaces[Int(ns)].idr.forEach { _, p in
            let t = pids[Int(p)].task
            guard t != noTask else { return }
            let leader = groupLeader(t)
            if leader != dyingInit, seen.insert(leader).inserted { victims.append((leader, tasks[Int(leader)].serial)) }
        }
        // A nested init takes its own namespace's processes along: those are gone or dead.
        for (victim, serial) in victims where tasks[Int(victim)].serial == serial && tasks[Int(victim)].exitState == .running {
            exitGroup(victim, code: Machine.killedBySigkill, &changes)
        }
    }

    /// exit_code of a process killed by SIGKILL.
    static let killedBySigkill: Int32 = 9

    /// exit_notify once the threads are gone: the parent is told, and reaps at once or leaves
    /// a zombie.
    func notifyParent(_ leader: TaskIndex, _ changes: inout Changes) {
        tasks[Int(leader)].exitState = .zombie
        let parent = tasks[Int(leader)].parent
        if parent == noTask || reapsAtOnce(groupLeader(parent)) { releaseProcess(leader, &changes) }
    }

    /// do_notify_parent's autoreap: the process ignores SIGCHLD, or it is an init (a dying
    /// one ignores SIGCHLD too).
    func reapsAtOnce(_ process: TaskIndex) -> Bool {
        tasks[Int(process)].ignoresSigchld || pidNamespaces[Int(activeNamespace(of: process))].childReaper == process
    }

    /// Moves every child of thread `from` to the end of thread `reaper`'s children list, in
    /// order. reparent_leader tells a new parent outside the group of a child that already
    /// exited, which a parent that reaps at once then reaps.
    func reparentChildren(of from: TaskIndex, to reaper: TaskIndex, _ changes: inout Changes) {
        let notify = groupLeader(from) != groupLeader(reaper) && reapsAtOnce(groupLeader(reaper))
        var child = tasks[Int(from)].firstChild
        tasks[Int(from)].firstChild = noTask
        tasks[Int(from)].lastChild = noTask
        while child != noTask {
            let next = tasks[Int(child)].nextSibling
            linkChild(child, toParent: reaper)
            if notify && tasks[Int(child)].exitState == .zombie { releaseProcess(child, &changes) }
            child = next
        }
    }

    /// exit_task_namespaces: a dead process is in no IPC namespace and makes no children.
    func exitNamespaces(_ leader: TaskIndex) {
        leaveIpcNamespace(tasks[Int(leader)].ipcNamespace)
        putPidNamespace(tasks[Int(leader)].pidForChildren)
        tasks[Int(leader)].ipcNamespace = -1
        tasks[Int(leader)].pidForChildren = -1
        if tasks[Int(leader)].hasPendingIds { _ = takePendingIds(of: leader) }
    }

    /// The threads of an exiting group other than its leader are released as they exit.
    func releaseOtherThreads(of leader: TaskIndex, _ changes: inout Changes) {
        var t = tasks[Int(leader)].nextThread
        while t != noTask {
            let next = tasks[Int(t)].nextThread
            unlinkThread(t)
            releaseTask(t, &changes)
            t = next
        }
    }

    func unlinkThread(_ t: TaskIndex) {
        let leader = tasks[Int(t)].leader
        let prev = tasks[Int(t)].prevThread
        let next = tasks[Int(t)].nextThread
        tasks[Int(prev)].nextThread = next
        if next == noTask { tasks[Int(leader)].lastThread = prev } else { tasks[Int(next)].prevThread = prev }
        tasks[Int(leader)].threadCount -= 1
    }

    /// release_task of a process's leader (reaped, or never a zombie): off its parent's
    /// children list, then released.
    func releaseProcess(_ leader: TaskIndex, _ changes: inout Changes) {
        unlinkChild(leader)
        releaseTask(leader, &changes)
    }

    /// release_task for one thread: __unhash_process detaches its pid, and a leader's process
    /// group and session; each goes when nothing else holds it.
    func releaseTask(_ t: TaskIndex, _ changes: inout Changes) {
        let task = tasks[Int(t)]
        changes.released.append(Changes.Released(task: handle(of: t), leader: handle(of: groupLeader(t))))
        if task.isLeader {
            changeGroup(of: t, to: nil)
            changeSession(of: t, to: nil)
        }
        if task.hasPendingIds { pendingIds[t] = nil }
        releaseTaskSlot(t)
        detachTask(from: task.pid)
    }

    // MARK: dying inits

    /// free_pid's wake_up_process: the init of `ns`, if it is dying, may finish once the
    /// call is done.
    func wakeReaper(of ns: Int32) {
        let r = pidNamespaces[Int(ns)].childReaper
        guard r != noTask, tasks[Int(r)].exitState == .dying else { return }
        reaperWakeups.append((r, tasks[Int(r)].serial))
    }

    /// Each woken init whose namespace holds no other pid any more finishes its exit (after
    /// the call that freed the last one: the woken init runs after it).
    func runReaperWakeups(_ changes: inout Changes) {
        while !reaperWakeups.isEmpty {
            let (r, serial) = reaperWakeups.removeFirst()
            guard tasks[Int(r)].serial == serial, tasks[Int(r)].exitState == .dying else { continue }
            let ns = activeNamespace(of: r)
            guard pidNamespaces[Int(ns)].childReaper == r, pidNamespaces[Int(ns)].allocated == 1 else { continue }
            notifyParent(r, &changes)
        }
    }
}
