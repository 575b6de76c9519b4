import IdAllocators

/// The same random operations on two machines (the original world and its restore), chosen
/// from the first one's state: every result (ids, errnos) and the state afterwards must be the
/// same. Automatic pids and IPC ids come from the restored cursors, sequence counters and
/// cyclic cursors; collisions with the world's ids are sought on purpose.
struct FutureOperations {
    var rng: Rng
    let a: Kernel
    let b: Kernel

    init(seed: UInt64, original: Kernel, restored: Kernel) {
        rng = Rng(seed: seed)
        a = original
        b = restored
    }

    /// nil when both machines agreed on every operation and end equal.
    mutating func run(count: Int) -> String? {
        for i in 0..<count {
            let running = a.allThreads(from: 0, limit: Int.max).filter { a.status(of: $0.tid)?.state == .sleeping }
            let t = rng.pick(running).tid
            let op = next(t)
            let ra = op(a), rb = op(b)
            if ra != rb { return "operation \(i) by thread \(t) (\(describe)): \(ra) in the original, \(rb) after the restore" }
        }
        let sa = a.snapshot().restorable, sb = b.snapshot().restorable
        return sa == sb ? nil : "after the operations the states differ: " + difference(sa, sb)
    }

    var describe = ""

    /// One operation, as a function of the machine.
    mutating func next(_ t: Int32) -> (Kernel) -> String {
        let status = a.status(of: t)!
        let level = status.nsPid.count - 1
        let kind: IpcKind = rng.pick(IpcKind.allCases)
        let ids = a.ipcTable(kind, as: a.actor(t))!.map(\.id)
        let process = (tgid: status.tgid, ())
        /// A dead pid_for_children keeps a pid_max nobody can read: no forced pids into it.
        func deadPfc() -> Bool {
            let snap = a.snapshot()
            let p = snap.processes.first { $0.tgid == status.tgid }!
            return snap.pidNamespaces.first { $0.name == p.pidForChildren }.map { !$0.acceptsTasks } ?? false
        }
        func call(_ s: Syscall) -> (Kernel) -> String {
            describe = "\(s)"
            return { k in "\(k.call(s, by: t))" }
        }
        switch rng.below(24) {
        case 20: return call(.wait(pid: nil))
        case 21: return call(rng.chance(50) ? .setsid : .setpgid(pid: 0, pgid: 0))
        case 22: return call(.sigchld(ignore: rng.chance(50)))
        case 23: return call(.exit(code: UInt8(rng.int(0...255))))
        case 0, 1, 2: return call(.fork)
        case 3: return call(.clone(rng.pick([[.thread], [.newPid], [.newIpc], [.newPid, .newIpc]])))
        case 4:
            guard !deadPfc() else { return call(.fork) }
            let n = rng.int(1...min(level + 2, 3))
            let ids = (0..<n).map { _ in Int32(rng.chance(50) ? rng.int(1...40) : rng.int(1...1200)) }
            let set = call(.setNextId(PendingIds(ids)))
            let fork = call(.fork)
            describe = "next_id \(ids), fork"
            return { k in set(k) + " " + fork(k) }
        case 5: return call(.unshare(rng.pick([.pid, .ipc, [.pid, .ipc]])))
        case 6: return call(.exit(code: 0))
        case 7, 8, 9:
            let key = rng.chance(60) ? IpcGetRequest.privateKey : rng.pick(WorldGenerator.keys)
            return call(.ipcGet(IpcGetRequest(kind: kind, key: key, flags: [.create, 0o600], nsems: 2, size: 4096)))
        case 10:
            let id = Int32(rng.int(0...5) * 32768 + rng.int(0...90))
            let set = call(.setNextId(PendingIds([id])))
            let get = call(.ipcGet(IpcGetRequest(kind: kind, key: IpcGetRequest.privateKey, flags: [.create, 0o600], nsems: 1, size: 1)))
            describe = "next_id \(id), \(kind.name)get"
            return { k in set(k) + " " + get(k) }
        case 11, 12:
            guard let id: Int32 = rng.pick(ids) else { return call(.ipcRemove(kind, id: Int32(rng.int(0...70000)))) }
            return call(.ipcRemove(kind, id: id))
        case 13:
            let id = ids.isEmpty ? 0 : rng.pick(ids)
            return call(.ipcSet(kind, id: id, uid: rng.pick(WorldGenerator.uids), gid: rng.pick(WorldGenerator.gids), mode: 0o640))
        case 14: return call(rng.chance(50) ? .setuid(rng.pick(WorldGenerator.uids)) : .setgid(rng.pick(WorldGenerator.gids)))
        case 15: return call(.comm(Array("later".utf8)))
        case 16:
            let name: SysctlName = rng.pick([SysctlName.nsLastPid, .msgNextId, .semNextId, .shmNextId])
            let value = Int64(name == .nsLastPid ? rng.int(0...400) : rng.int(0...100_000))
            describe = "write \(name.rawValue) \(value)"
            return { k in "\(k.writeSysctl(name, value: value, as: process.tgid))" }
        default:
            let name: SysctlName = rng.pick(SysctlName.allCases)
            describe = "read \(name.rawValue)"
            return { k in "\(k.readSysctl(name, as: k.actor(process.tgid)))" }
        }
    }
}
