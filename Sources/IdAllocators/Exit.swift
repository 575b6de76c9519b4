/// do_exit, exit_notify and release_task (kernel/exit.c), with the reparenting rules of
/// forget_original_parent and the namespace teardown of zap_pid_ns_processes.
///
/// Ended tasks are released at once (as if every parent ignored SIGCHLD): no zombies, so a
/// task's pids are free again as soon as it has exited.
extension Machine {
    /// `exit` by `actor`: a non-leader thread ends alone; the leader ends its whole group.
    func exitTask(_ actor: TaskIndex) -> Result<Int64, Errno> {
        guard tasks[Int(actor)].isLeader else {
            exitThread(actor)
            return .success(0)
        }
        // The root init has no parent namespace to be reaped into.
        guard actor != rootInit else { return .failure(.EBUSY) }
        exitGroup(actor)
        return .success(0)
    }

    /// A non-leader thread ends: find_alive_thread gives its children to the group leader.
    func exitThread(_ t: TaskIndex) {
        let leader = tasks[Int(t)].leader
        reparentChildren(of: t, to: leader)
        endedTasks?.append(entry(t))
        unlinkThread(t)
        releaseTask(t)
    }

    /// A thread group ends. Its children go to the init of its pid namespace; if it is that init,
    /// every task of the namespace and of the namespaces below it ends with it.
    func exitGroup(_ leader: TaskIndex) {
        let ns = tasks[Int(leader)].pidNamespace
        if isChildReaper(leader) {
            zapPidNamespace(ns, dyingInit: leader)
        } else {
            let reaper = pidNamespaces[Int(ns)].childReaper
            forEachThread(ofLeader: leader) { reparentChildren(of: $0, to: reaper) }
        }
        endProcess(leader)
    }

    /// Whether the live process `leader` is the init of its pid namespace.
    func isChildReaper(_ leader: TaskIndex) -> Bool {
        let ns = tasks[Int(leader)].pidNamespace
        return pidNamespaces[Int(ns)].adding && pidNamespaces[Int(ns)].childReaper == leader
    }

    /// zap_pid_ns_processes: the namespace takes no new pids and every other task with a pid in it
    /// ends. Their children all live in the same namespace or below, so nobody is reparented.
    func zapPidNamespace(_ ns: Int32, dyingInit: TaskIndex) {
        pidNamespaces[Int(ns)].adding = false
        var victims: [TaskIndex] = []
        var seen = Set<TaskIndex>()
        pidNamespaces[Int(ns)].idr.forEach { _, task in
            let leader = groupLeader(task)
            if leader != dyingInit, seen.insert(leader).inserted { victims.append(leader) }
        }
        for victim in victims where isChildReaper(victim) {
            pidNamespaces[Int(tasks[Int(victim)].pidNamespace)].adding = false
        }
        for victim in victims {
            let parent = tasks[Int(victim)].parent
            if parent != noTask {
                let parentGroup = groupLeader(parent)
                if parentGroup != dyingInit && !seen.contains(parentGroup) { unlinkChild(victim) }
            }
            tasks[Int(victim)].parent = noTask
        }
        for victim in victims { endProcess(victim) }
    }

    /// Moves every child of thread `from` to the end of thread `to`'s children list, in order.
    func reparentChildren(of from: TaskIndex, to reaper: TaskIndex) {
        var child = tasks[Int(from)].firstChild
        while child != noTask {
            let next = tasks[Int(child)].nextSibling
            linkChild(child, toParent: reaper)
            child = next
        }
        tasks[Int(from)].firstChild = noTask
        tasks[Int(from)].lastChild = noTask
    }

    func unlinkThread(_ t: TaskIndex) {
        let leader = tasks[Int(t)].leader
        let prev = tasks[Int(t)].prevThread
        let next = tasks[Int(t)].nextThread
        tasks[Int(prev)].nextThread = next
        if next == noTask { tasks[Int(leader)].lastThread = prev } else { tasks[Int(next)].prevThread = prev }
        tasks[Int(leader)].threadCount -= 1
    }

    /// Releases a whole thread group: off its parent's children list, out of its namespaces,
    /// every thread's pids freed.
    func endProcess(_ leader: TaskIndex) {
        unlinkChild(leader)
        let process = tasks[Int(leader)]
        leaveIpcNamespace(process.ipcNamespace)
        forEachThread(ofLeader: leader) { thread in
            endedTasks?.append(entry(thread))
            releaseTask(thread)
        }
        putPidNamespace(process.pidForChildren)
    }

    /// release_task for one thread: its pids are free again.
    func releaseTask(_ t: TaskIndex) {
        let task = tasks[Int(t)]
        freePid(task.numbers, innermost: task.pidNamespace)
        putPidNamespace(task.pidNamespace)
        if task.hasPendingIds { pendingIds[t] = nil }
        releaseTaskSlot(t)
    }
}
