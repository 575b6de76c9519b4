/// What holds between any two operations, whatever happened before: the property tests and the
/// fuzzer (Fuzz/) check these after every step.
extension Kernel {
    /// One line per broken rule; empty when the machine is consistent.
    public func invariantViolations() -> [String] {
        machine.withLock { $0.invariantViolations() }
    }
}

extension Machine {
    /// Every task not released: running, dying or zombie.
    func liveTasks() -> [TaskIndex] {
        tasks.indices.filter { tasks[$0].serial != 0 }.map { TaskIndex($0) }
    }

    /// The pid namespaces of task `t`, its own first.
    func namespaceChain(of t: TaskIndex) -> [Int32] {
        pidNamespaceChain(from: activeNamespace(of: t))
    }

    func invariantViolations() -> [String] {
        var broken: [String] = []
        func check(_ rule: Bool, _ what: @autoclosure () -> String) {
            if !rule { broken.append(what()) }
        }
        let live = liveTasks()
        var pidRefs: [Int32: Int] = [0: 1]
        var ipcRefs: [Int32: Int] = [0: 1]
        var groupMembers: [PidIndex: Int32] = [:]
        var sessionMembers: [PidIndex: Int32] = [:]
        // How many children lists name each task.
        var listed: [TaskIndex: Int] = [:]
        for t in live {
            let task = tasks[Int(t)]
            let chain = namespaceChain(of: t)
            let own = numbers(of: t)
            let name = "task \(own.root)"
            check(pids[Int(task.pid)].task == t, "\(name): its struct pid names it")
            check(chain.count == own.level + 1, "\(name): NSpid has one pid per level")
            for (level, ns) in chain.reversed().enumerated() where level <= own.level {
                check(pidNamespaces[Int(ns)].idr.value(at: Int(own[level])) == task.pid, "\(name): its pid at level \(level) maps back to it")
            }
            check(task.hasPendingIds == (pendingIds[t] != nil), "\(name): pending-id flag and table agree")
            if task.isLeader {
                groupMembers[task.pgrp, default: 0] += 1
                sessionMembers[task.session, default: 0] += 1
                check(pids[Int(task.pgrp)].groupSession == task.session, "\(name): its group lies in its session")
                if task.isSessionLeader {
                    check(task.pgrp == task.pid && task.session == task.pid, "\(name): a session leader leads its group")
                }
                let members = threads(ofLeader: t)
                check(members.count == Int(task.threadCount), "\(name): thread count \(task.threadCount), \(members.count) listed")
                for member in members.dropFirst() {
                    check(tasks[Int(member)].leader == t, "\(name): thread \(numbers(of: member).root) names its leader")
                    check(activeNamespace(of: member) == activeNamespace(of: t), "\(name): thread \(numbers(of: member).root) in the leader's pid namespace")
                }
                switch task.exitState {
                case .running:
                    pidRefs[task.pidForChildren, default: 0] += 1
                    ipcRefs[task.ipcNamespace, default: 0] += 1
                case .zombie:
                    check(members.count == 1 && children(ofThread: t).isEmpty, "\(name): a zombie has no threads and no children")
                    check(!task.hasPendingIds, "\(name): a zombie has no pending ids")
                    let parent = groupLeader(task.parent)
                    check(pidNamespaces[Int(activeNamespace(of: parent))].childReaper != parent, "\(name): a zombie of an init (which reaps at once)")
                case .dying:
                    let ns = activeNamespace(of: t)
                    check(pidNamespaces[Int(ns)].childReaper == t && !pidNamespaces[Int(ns)].adding, "\(name): only an init waits")
                    check(pidNamespaces[Int(ns)].allocated > 1, "\(name): it waits for other pids of its namespace")
                    check(members.count == 1, "\(name): a dying init has no other threads")
                }
            }
            for child in children(ofThread: t) {
                listed[child, default: 0] += 1
                let childName = "\(name): child \(numbers(of: child).root)"
                check(tasks[Int(child)].parent == t && tasks[Int(child)].isLeader && tasks[Int(child)].serial != 0,
                      "\(childName) is a live leader whose parent it is")
                check(isRunning(t) || tasks[Int(child)].exitState == .dying,
                      "\(childName): only a running task has children (a dying init may wait for a dying one)")
            }
            // NStgid, level by level, names the group leader in that level's namespace.
            let nsTgid = status(of: t).nsTgid
            check(nsTgid.count == chain.count, "\(name): NStgid has one pid per level")
            for (level, ns) in chain.reversed().enumerated() where level < nsTgid.count {
                check(pidNamespaces[Int(ns)].idr.value(at: Int(nsTgid[level])) == tasks[Int(groupLeader(t))].pid,
                      "\(name): NStgid names the leader at level \(level)")
            }
        }
        for t in live where tasks[Int(t)].isLeader && t != rootInit {
            check(listed[t] == 1, "task \(numbers(of: t).root): listed once by its parent, not \(listed[t] ?? 0) times")
        }
        // struct pids: attached exactly as the processes say, in the idr exactly while attached.
        var inIdr: [PidIndex: Int] = [:]
        for (i, ns) in pidNamespaces.enumerated() where ns.live {
            check(ns.allocated == ns.idr.count, "pid namespace \(i): \(ns.allocated) allocated, \(ns.idr.count) in the idr")
            if ns.parent >= 0 { pidRefs[ns.parent, default: 0] += 1 }
            ns.idr.forEach { nr, p in
                inIdr[p, default: 0] += 1
                check(pids[Int(p)].isAttached, "pid namespace \(i): pid \(nr) stays allocated with nothing attached")
                check(pids[Int(p)].numbers.level >= ns.level && pids[Int(p)].numbers[ns.level] == Int32(nr),
                      "pid namespace \(i): pid \(nr) names a struct pid with another number there")
                check(number(of: p, in: Int32(i)) == Int32(nr), "pid namespace \(i): pid \(nr) is not its number there")
            }
        }
        let freeSlots = Set(freePidSlots)
        for (i, pid) in pids.enumerated() where !freeSlots.contains(PidIndex(i)) {
            let p = PidIndex(i)
            check(pid.groupMembers == groupMembers[p, default: 0], "struct pid \(i): \(pid.groupMembers) group members, \(groupMembers[p, default: 0]) processes")
            check(pid.sessionMembers == sessionMembers[p, default: 0], "struct pid \(i): \(pid.sessionMembers) session members, \(sessionMembers[p, default: 0]) processes")
            check(pid.task == noTask || tasks[Int(pid.task)].pid == p, "struct pid \(i): its task does not name it")
            check(inIdr[p, default: 0] == pid.numbers.level + 1, "struct pid \(i): a number at \(inIdr[p, default: 0]) of \(pid.numbers.level + 1) levels")
            pidRefs[pid.namespace, default: 0] += 1
        }
        for (i, ns) in pidNamespaces.enumerated() where ns.live {
            check(ns.references == pidRefs[Int32(i), default: 0], "pid namespace \(i): \(ns.references) references, \(pidRefs[Int32(i), default: 0]) holders")
        }
        for (i, ns) in ipcNamespaces.enumerated() where ns.live {
            check(ns.references == ipcRefs[Int32(i), default: 0], "ipc namespace \(i): \(ns.references) references, \(ipcRefs[Int32(i), default: 0]) holders")
            for kind in IpcKind.allCases {
                let ids = ns.ids[kind.rawValue]
                check(ids.objects.count == ids.inUse, "ipc namespace \(i) \(kind): \(ids.objects.count) objects, \(ids.inUse) ids")
                check(ids.byKey.values.allSatisfy { ids.objects[$0] != nil }, "ipc namespace \(i) \(kind): a key names no object")
            }
        }
        return broken
    }
}
