@testable import IdAllocators
import PropertyBased
import Testing

/// Random operation sequences on a machine, with the invariants checked after every step.
@Suite struct PropertyTests {
    @Test func invariantsHoldOverRandomOperationSequences() async {
        await propertyCheck(count: 300, input: Gen.int(in: 0...Int(UInt32.max)).array(of: 1...250), Gen.int(in: 301...1200)) { ops, pidMax in
            let m = Machine(pidMax: pidMax)
            for op in ops {
                RandomOperation(op).apply(to: m)
                m.checkInvariants()
            }
        }
    }
}

/// One operation decoded from a random number: an actor among the live tasks, a call, and
/// arguments biased towards collisions (pids in use, small pid_max).
struct RandomOperation {
    let seed: Int
    init(_ seed: Int) { self.seed = seed }

    func bits(_ shift: Int, _ count: Int) -> Int { (seed >> shift) % count }

    func apply(to m: Machine) {
        let live = m.liveTasks().filter { m.isRunning($0) }
        let actor = live[bits(0, live.count)]
        let level = m.pidNamespaces[Int(m.activeNamespace(of: actor))].level
        var changes = Changes()
        defer { m.runReaperWakeups(&changes) }
        switch bits(8, 20) {
        case 0, 1, 2:
            let pending = m.pendingIds(of: actor)
            let before = m.snapshotUsedPids(for: actor)
            let flags: CloneFlags = [[], [], [.thread], [.newPid], [.newIpc]][bits(12, 5)]
            let result = m.copyProcess(actor: actor, flags: flags)
            m.checkForcedIds(pending, flags: flags, result: result, actor: actor, usedBefore: before)
        case 3:
            // Force ids, often colliding with pids in use.
            let n = 1 + bits(12, level + 2)
            let ids = (0..<n).map { i -> Int32 in
                bits(16 + i, 3) == 0 ? Int32(1 + bits(20 + i, 40)) : Int32(1 + bits(14 + i, 1300))
            }
            _ = m.setPendingIds(of: actor, PendingIds(ids))
        case 4, 5:
            if actor != m.rootInit || bits(12, 4) == 0 {
                _ = m.exitTask(actor, code: UInt8(bits(12, 256)), &changes)
            }
        case 6:
            _ = m.unshare(actor: actor, flags: [[.pid], [.ipc], [.pid, .ipc]][bits(12, 3)])
        case 7:
            _ = m.setCredentials(actor: actor, &changes) { $0.uid = bits(12, 4) == 0 ? 1000 : 0 }
        case 8:
            let ns = m.activeNamespace(of: actor)
            _ = m.writeSysctl(.nsLastPid, .number(Int64(bits(12, 1300))), uid: m.uid(of: actor), pidNamespace: ns, ipcNamespace: 0)
        case 9:
            let ns = m.activeNamespace(of: actor)
            _ = m.writeSysctl(.pidMax, .number(Int64(301 + bits(12, 1000))), uid: m.uid(of: actor), pidNamespace: ns, ipcNamespace: 0)
        case 10, 11, 12:
            let kind = IpcKind(rawValue: bits(12, 3))!
            let key = Int32(bits(14, 4))
            let request = IpcGetRequest(kind: kind, key: key, flags: [.create, bits(16, 2) == 0 ? .exclusive : [], 0o600], nsems: 1, size: 4096)
            _ = m.ipcGet(actor: actor, request)
        case 13:
            let kind = IpcKind(rawValue: bits(12, 3))!
            let ns = m.tasks[Int(m.groupLeader(actor))].ipcNamespace
            let table = m.ipcTable(kind, namespace: ns)
            if !table.isEmpty { _ = m.ipcRemove(actor: actor, kind: kind, id: table[bits(14, table.count)].id) }
        case 14:
            let kind = IpcKind(rawValue: bits(12, 3))!
            let ipcNS = m.tasks[Int(m.groupLeader(actor))].ipcNamespace
            _ = m.writeSysctl(kind == .msg ? .msgNextId : kind == .sem ? .semNextId : .shmNextId,
                              .number(Int64(bits(14, 100))), uid: m.uid(of: actor), pidNamespace: 0, ipcNamespace: ipcNS)
        case 15:
            _ = m.setsid(actor: actor)
        case 16:
            // A pid and a group among the numbers in use in the actor's namespace (zombies,
            // dead leaders' groups), 0, or anything.
            let used = m.usedNumbers(in: m.activeNamespace(of: actor))
            func pick(_ shift: Int) -> Int32 {
                switch bits(shift, 4) {
                case 0: 0
                case 1: Int32(bits(shift + 2, 1300)) - 2
                default: used.isEmpty ? 1 : used[bits(shift + 2, used.count)]
                }
            }
            _ = m.setpgid(actor: actor, pid: pick(12), pgid: pick(18))
        case 17:
            let used = m.usedNumbers(in: m.activeNamespace(of: actor))
            _ = m.wait(actor: actor, pid: bits(12, 2) == 0 || used.isEmpty ? nil : used[bits(14, used.count)], &changes)
        case 18:
            _ = m.setSigchld(actor: actor, ignore: bits(12, 3) == 0)
        default:
            _ = m.copyProcess(actor: actor, flags: [])
        }
    }
}

extension Machine {
    /// Every task not released: running, dying or zombie.
    func liveTasks() -> [TaskIndex] {
        tasks.indices.filter { tasks[$0].serial != 0 }.map { TaskIndex($0) }
    }

    func namespaceChain(of t: TaskIndex) -> [Int32] {
        pidNamespaceChain(from: activeNamespace(of: t))
    }

    /// The numbers taken in `ns`, whatever holds them.
    func usedNumbers(in ns: Int32) -> [Int32] {
        var out: [Int32] = []
        pidNamespaces[Int(ns)].idr.forEach { nr, _ in out.append(Int32(nr)) }
        return out
    }

    /// For each namespace on the chain of `actor`'s children, the pids in use.
    func snapshotUsedPids(for actor: TaskIndex) -> [Int32: Set<Int>] {
        var used: [Int32: Set<Int>] = [:]
        for ns in pidNamespaceChain(from: tasks[Int(groupLeader(actor))].pidForChildren) {
            used[ns] = Set(usedNumbers(in: ns).map(Int.init))
        }
        return used
    }

    /// Forced ids are honoured exactly, or the failure is one the rules give.
    func checkForcedIds(_ pending: [Int32]?, flags: CloneFlags, result: Result<Int64, Errno>, actor: TaskIndex, usedBefore: [Int32: Set<Int>]) {
        guard let ids = pending, !(flags.contains(.thread) && !flags.isDisjoint(with: [.newPid, .newIpc])) else { return }
        #expect(pendingIds(of: actor) == nil && pendingIds[actor] == nil, "pending ids are consumed by a creation")
        switch result {
        case .success:
            let process = groupLeader(actor)
            let child = flags.contains(.thread) ? tasks[Int(process)].lastThread : tasks[Int(actor)].lastChild
            let numbers = numbers(of: child).all
            #expect(Array(numbers.reversed().prefix(ids.count)) == ids)
        case .failure(.EEXIST):
            let chain = pidNamespaceChain(from: tasks[Int(groupLeader(actor))].pidForChildren)
            let collided = zip(ids, chain).contains { id, ns in usedBefore[ns]?.contains(Int(id)) ?? false }
            #expect(collided, "EEXIST only when a forced pid was in use (by a task, a zombie, a group or a session)")
        case .failure(.EPERM):
            #expect(uid(of: actor) != 0)
        case .failure(let e):
            #expect([.EINVAL, .ENOMEM, .EAGAIN, .ENOSPC].contains(e))
        }
    }

    func checkInvariants() {
        let live = liveTasks()
        var pidRefs: [Int32: Int] = [0: 1]
        var ipcRefs: [Int32: Int] = [0: 1]
        var groupMembers: [PidIndex: Int32] = [:]
        var sessionMembers: [PidIndex: Int32] = [:]
        for t in live {
            let task = tasks[Int(t)]
            let chain = namespaceChain(of: t)
            let numbers = numbers(of: t)
            #expect(pids[Int(task.pid)].task == t, "its struct pid names it")
            #expect(chain.count == numbers.level + 1, "NSpid has one pid per level")
            for (level, ns) in chain.reversed().enumerated() {
                #expect(pidNamespaces[Int(ns)].idr.value(at: Int(numbers[level])) == task.pid, "each pid maps back to its task")
            }
            #expect(task.hasPendingIds == (pendingIds[t] != nil), "pending-id flag and table agree")
            if task.isLeader {
                groupMembers[task.pgrp, default: 0] += 1
                sessionMembers[task.session, default: 0] += 1
                #expect(pids[Int(task.pgrp)].groupSession == task.session, "a group lies in one session")
                if task.isSessionLeader { #expect(task.pgrp == task.pid && task.session == task.pid, "a session leader leads its group") }
                let members = threads(ofLeader: t)
                #expect(members.count == Int(task.threadCount))
                for member in members.dropFirst() {
                    #expect(tasks[Int(member)].leader == t)
                    #expect(activeNamespace(of: member) == activeNamespace(of: t))
                }
                if t != rootInit {
                    #expect(children(ofThread: task.parent).filter { $0 == t }.count == 1, "listed once by its parent")
                }
                switch task.exitState {
                case .running:
                    pidRefs[task.pidForChildren, default: 0] += 1
                    ipcRefs[task.ipcNamespace, default: 0] += 1
                case .zombie:
                    #expect(members.count == 1 && children(ofThread: t).isEmpty, "a zombie has no threads and no children")
                    #expect(!task.hasPendingIds)
                    let parent = groupLeader(task.parent)
                    #expect(pidNamespaces[Int(activeNamespace(of: parent))].childReaper != parent, "an init reaps at once")
                case .dying:
                    let ns = activeNamespace(of: t)
                    #expect(pidNamespaces[Int(ns)].childReaper == t && !pidNamespaces[Int(ns)].adding, "only an init waits")
                    #expect(pidNamespaces[Int(ns)].allocated > 1, "it waits for other pids of its namespace")
                    #expect(members.count == 1)
                }
            }
            for child in children(ofThread: t) {
                #expect(tasks[Int(child)].parent == t && tasks[Int(child)].isLeader && tasks[Int(child)].serial != 0)
                #expect(isRunning(t) || tasks[Int(child)].exitState == .dying, "only a running task has children (a dying init may wait for a dying one)")
            }
            // NStgid, level by level, names the group leader in that level's namespace
            let nsTgid = status(of: t).nsTgid
            #expect(nsTgid.count == chain.count)
            for (level, ns) in chain.reversed().enumerated() where level < nsTgid.count {
                #expect(pidNamespaces[Int(ns)].idr.value(at: Int(nsTgid[level])) == tasks[Int(groupLeader(t))].pid, "NStgid names the leader")
            }
        }
        // struct pids: attached exactly as the processes say, in the idr exactly while attached
        var inIdr: [PidIndex: Int] = [:]
        for (i, ns) in pidNamespaces.enumerated() where ns.live {
            #expect(ns.allocated == ns.idr.count)
            if ns.parent >= 0 { pidRefs[ns.parent, default: 0] += 1 }
            ns.idr.forEach { nr, p in
                inIdr[p, default: 0] += 1
                #expect(pids[Int(p)].isAttached, "no pid stays allocated with nothing attached")
                #expect(pids[Int(p)].numbers[ns.level] == Int32(nr))
                #expect(number(of: p, in: Int32(i)) == Int32(nr))
            }
        }
        let freeSlots = Set(freePidSlots)
        for (i, pid) in pids.enumerated() where !freeSlots.contains(PidIndex(i)) {
            let p = PidIndex(i)
            #expect(pid.groupMembers == groupMembers[p, default: 0], "group members of pid \(i)")
            #expect(pid.sessionMembers == sessionMembers[p, default: 0], "session members of pid \(i)")
            #expect(pid.task == noTask || tasks[Int(pid.task)].pid == p)
            #expect(inIdr[p, default: 0] == pid.numbers.level + 1, "a live pid has a number at every level")
            pidRefs[pid.namespace, default: 0] += 1
        }
        for (i, ns) in pidNamespaces.enumerated() where ns.live {
            #expect(ns.references == pidRefs[Int32(i), default: 0], "pid namespace \(i) holders")
        }
        for (i, ns) in ipcNamespaces.enumerated() where ns.live {
            #expect(ns.references == ipcRefs[Int32(i), default: 0], "ipc namespace \(i) holders")
            for kind in IpcKind.allCases {
                let ids = ns.ids[kind.rawValue]
                #expect(ids.objects.count == ids.inUse)
                #expect(ids.byKey.values.allSatisfy { ids.objects[$0] != nil })
            }
        }
    }
}
