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
        let live = m.liveTasks()
        let actor = live[bits(0, live.count)]
        let level = m.pidNamespaces[Int(m.tasks[Int(actor)].pidNamespace)].level
        switch bits(8, 16) {
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
                let ended = m.taskAndNumbers(actor)
                _ = m.exitTask(actor)
                m.checkFreed(ended)
            }
        case 6:
            _ = m.unshare(actor: actor, flags: [[.pid], [.ipc], [.pid, .ipc]][bits(12, 3)])
        case 7:
            _ = m.setUID(actor: actor, uid: bits(12, 4) == 0 ? 1000 : 0)
        case 8:
            let ns = m.tasks[Int(actor)].pidNamespace
            _ = m.writeSysctl(.nsLastPid, value: Int64(bits(12, 1300)), uid: m.uid(of: actor), pidNamespace: ns, ipcNamespace: 0)
        case 9:
            let ns = m.tasks[Int(actor)].pidNamespace
            _ = m.writeSysctl(.pidMax, value: Int64(301 + bits(12, 1000)), uid: m.uid(of: actor), pidNamespace: ns, ipcNamespace: 0)
        case 10, 11, 12:
            let kind = IpcKind(rawValue: bits(12, 3))!
            let key = Int32(bits(14, 4))
            let request = IpcGetRequest(kind: kind, key: key, flags: IpcFlags.create | (bits(16, 2) == 0 ? IpcFlags.exclusive : 0) | 0o600, nsems: 1, size: 4096)
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
                              value: Int64(bits(14, 100)), uid: m.uid(of: actor), pidNamespace: 0, ipcNamespace: ipcNS)
        default:
            _ = m.copyProcess(actor: actor, flags: [])
        }
    }
}

extension Machine {
    func liveTasks() -> [TaskIndex] {
        tasks.indices.filter { tasks[$0].serial != 0 }.map { TaskIndex($0) }
    }

    func namespaceChain(of t: TaskIndex) -> [Int32] {
        pidNamespaceChain(from: tasks[Int(t)].pidNamespace)
    }

    func taskAndNumbers(_ t: TaskIndex) -> [(TaskIndex, UInt64, PidNumbers, [Int32])] {
        let group = groupLeader(t)
        let members = tasks[Int(t)].isLeader ? threads(ofLeader: group) : [t]
        return members.map { ($0, tasks[Int($0)].serial, tasks[Int($0)].numbers, namespaceChain(of: $0)) }
    }

    /// For each namespace on the chain of `actor`'s children, the pids in use.
    func snapshotUsedPids(for actor: TaskIndex) -> [Int32: Set<Int>] {
        var used: [Int32: Set<Int>] = [:]
        for ns in pidNamespaceChain(from: tasks[Int(groupLeader(actor))].pidForChildren) {
            var s = Set<Int>()
            pidNamespaces[Int(ns)].idr.forEach { nr, _ in s.insert(nr) }
            used[ns] = s
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
            let numbers = tasks[Int(child)].numbers.all
            #expect(Array(numbers.reversed().prefix(ids.count)) == ids)
        case .failure(.EEXIST):
            let chain = pidNamespaceChain(from: tasks[Int(groupLeader(actor))].pidForChildren)
            let collided = zip(ids, chain).contains { id, ns in usedBefore[ns]?.contains(Int(id)) ?? false }
            #expect(collided, "EEXIST only when a forced pid was in use")
        case .failure(.EPERM):
            #expect(uid(of: actor) != 0)
        case .failure(let e):
            #expect([.EINVAL, .ENOMEM, .EAGAIN, .ENOSPC].contains(e))
        }
    }

    /// After an exit, none of the ended tasks' pids points at them any more.
    func checkFreed(_ ended: [(TaskIndex, UInt64, PidNumbers, [Int32])]) {
        for (t, serial, numbers, chain) in ended where tasks[Int(t)].serial != serial {
            for (level, ns) in chain.reversed().enumerated() where pidNamespaces[Int(ns)].live {
                let holder = pidNamespaces[Int(ns)].idr.value(at: Int(numbers[level]))
                #expect(holder == nil || tasks[Int(holder!)].serial != serial)
            }
        }
    }

    func checkInvariants() {
        let live = liveTasks()
        var pidRefs: [Int32: Int] = [0: 1]
        var ipcRefs: [Int32: Int] = [0: 1]
        for t in live {
            let task = tasks[Int(t)]
            let chain = namespaceChain(of: t)
            #expect(chain.count == task.numbers.level + 1, "NSpid has one pid per level")
            for (level, ns) in chain.reversed().enumerated() {
                #expect(pidNamespaces[Int(ns)].idr.value(at: Int(task.numbers[level])) == t, "each pid maps back to its task")
            }
            #expect(task.hasPendingIds == (pendingIds[t] != nil), "pending-id flag and table agree")
            pidRefs[task.pidNamespace, default: 0] += 1
            if task.isLeader {
                pidRefs[task.pidForChildren, default: 0] += 1
                ipcRefs[task.ipcNamespace, default: 0] += 1
                let members = threads(ofLeader: t)
                #expect(members.count == Int(task.threadCount))
                for member in members.dropFirst() {
                    #expect(tasks[Int(member)].leader == t)
                    #expect(tasks[Int(member)].pidNamespace == task.pidNamespace)
                }
                if t != rootInit {
                    #expect(children(ofThread: task.parent).filter { $0 == t }.count == 1, "listed once by its parent")
                }
            }
            for child in children(ofThread: t) {
                #expect(tasks[Int(child)].parent == t && tasks[Int(child)].isLeader && tasks[Int(child)].serial != 0)
            }
            // NStgid, level by level, names the group leader in that level's namespace
            let nsTgid = status(of: t).nsTgid
            #expect(nsTgid.count == chain.count)
            for (level, ns) in chain.reversed().enumerated() where level < nsTgid.count {
                #expect(pidNamespaces[Int(ns)].idr.value(at: Int(nsTgid[level])) == groupLeader(t), "NStgid names the leader")
            }
        }
        for ns in pidNamespaces where ns.live {
            #expect(ns.allocated == ns.idr.count)
            if ns.parent >= 0 { pidRefs[ns.parent, default: 0] += 1 }
            ns.idr.forEach { nr, t in
                #expect(tasks[Int(t)].serial != 0, "no pid of an ended task stays allocated")
                #expect(tasks[Int(t)].numbers[ns.level] == Int32(nr))
            }
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
