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
                #expect(m.invariantViolations() == [])
            }
        }
    }

    /// The checker the fuzzer relies on does see a broken machine.
    @Test func invariantViolationsNameWhatIsBroken() {
        let m = Machine(pidMax: 400)
        _ = m.copyProcess(actor: m.rootInit, flags: [])
        #expect(m.invariantViolations() == [])
        m.tasks[1].hasPendingIds = true
        m.pidNamespaces[0].references += 1
        m.tasks[Int(m.rootInit)].firstChild = noTask
        #expect(m.invariantViolations() == [
            "task 2: pending-id flag and table agree",
            "task 2: listed once by its parent, not 0 times",
            "pid namespace 0: 6 references, 5 holders",
        ])
        #expect(Kernel().invariantViolations() == [])
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
}
