import IdAllocators

/// Moves on SysV IPC: gets with key semantics, removal, IPC_SET, *_next_id and pending ids.
extension ScriptGenerator {
    func ipcKind() -> IpcKind { rng.weighted([(.msg, 50), (.sem, 25), (.shm, 25)]) }

    func mode() -> String { rng.weighted([("0600", 40), ("0640", 15), ("0644", 10), ("0666", 10), ("0400", 10), ("0", 5), ("0777", 10)]) }

    /// The get line: key, flags and the type's argument (nsems, size <= 1 MiB).
    func getLine(_ kind: IpcKind, key: String? = nil, flags: String? = nil) -> String {
        let key = key ?? (rng.chance(40) ? "IPC_PRIVATE" : rng.pick(keys))
        let flags = flags ?? rng.weighted([
            ("IPC_CREAT|" + mode(), 55), ("IPC_CREAT|IPC_EXCL|" + mode(), 20), (mode(), 15), ("0", 5), ("IPC_EXCL|0600", 5),
        ])
        switch kind {
        case .msg: return "msgget \(key) \(flags)"
        case .sem: return "semget \(key) \(rng.weighted([(rng.int(1...8), 85), (0, 5), (-1, 3), (32001, 2), (rng.int(9...40), 5)])) \(flags)"
        case .shm: return "shmget \(key) \(rng.weighted([(rng.int(1...8192), 70), (rng.int(8193...1 << 20), 20), (0, 5), (4096, 5)])) \(flags)"
        }
    }

    func ipcGet() {
        let actor = rng.chance(80) ? maybeUnprivileged(25) : (rng.pick(rootTasks()) ?? 0)
        emit(actor, getLine(ipcKind(), key: world.isRoot(actor) ? nil : rng.pick(keys)))
    }

    /// A live id mostly; else a stale seq, a free idx, or a negative id.
    func someId(_ rows: [IpcRow]) -> Int32 {
        let existing = rows.map(\.id)
        switch rng.weighted([("live", 75), ("stale", 10), ("random", 10), ("negative", 5)]) {
        case "live" where !existing.isEmpty: return rng.pick(existing) ?? 0
        case "stale" where !existing.isEmpty:
            let id = rng.pick(existing) ?? 0
            let seq = Int32(Limits.ipcMni)    // one seq step: the same idx, another seq
            return id >= seq && rng.chance(50) ? id - seq : id &+ seq
        case "negative": return -Int32(rng.int(1...5))
        default: return Int32(rng.int(0...70))
        }
    }

    func ipcRemove() {
        let actor = maybeUnprivileged(20)
        let kind = ipcKind()
        emit(actor, "\(kind.name)rm \(someId(world.ipcRows(actor, kind)))")
    }

    func ipcSet() {
        let actor = maybeUnprivileged(25)
        let kind = ipcKind()
        let ids: [UInt32] = [0, 1000, 1001, 65534]
        let id = someId(world.ipcRows(actor, kind))
        emit(actor, "\(kind.name)set \(id) \(rng.pick(ids) ?? 0) \(rng.pick(ids) ?? 0) \(rng.pick(["0600", "0644", "0400", "0666", "0", "0777", "07777"]))")
    }

    /// An IPC id aimed at the namespace's table: a free idx, a taken idx (the kernel's silent
    /// fallback for *_next_id, EBUSY for a pending id), with a seq, or at the end of the idx space.
    func ipcTargetId(_ rows: [IpcRow]) -> Int64 {
        let taken = Set(rows.map { Int($0.id) & 0x7fff })
        let seq = rng.weighted([(0, 50), (rng.int(1...3), 35), (rng.int(4...65535), 15)])
        let idx: Int
        switch rng.weighted([("free", 45), ("taken", 40), ("end", 5), ("far", 10)]) {
        case "taken" where !taken.isEmpty: idx = rng.pick(Array(taken).sorted()) ?? 0
        case "end": idx = 32767
        case "far": idx = rng.int(100...32766)
        default:
            idx = (0..<20).lazy.map { _ in self.rng.int(0...80) }.first { !taken.contains($0) } ?? 81
        }
        return min(Int64(seq) << 15 + Int64(idx), Int64(Int32.max))
    }

    /// `*_next_id` (the kernel's own interface), usually consumed right away by a get.
    func ipcNextIdSysctl() {
        let actor = rng.chance(90) ? (rng.pick(rootTasks()) ?? 0) : maybeUnprivileged(80)
        let kind = ipcKind()
        let value = rng.chance(6) ? rng.pick(["-1", "2147483648", "abc", "0x8000"]) : String(ipcTargetId(world.ipcRows(actor, kind)))
        emit(actor, "sysctl \(kind.name)_next_id \(value)")
        if rng.chance(75) { emit(actor, getLine(kind, key: rng.chance(70) ? "IPC_PRIVATE" : nil)) }
        if rng.chance(40) { emit(actor, "read \(kind.name)_next_id") }
    }

    /// A pending id (next_id LONG X) for an IPC object: exact, EBUSY, EINVAL for LONG2, EPERM for
    /// non-root; a get that finds its key consumes nothing.
    func ipcPending() {
        let actor = rng.chance(85) ? (rng.pick(rootTasks()) ?? 0) : anyTask()
        let kind = ipcKind()
        let x = ipcTargetId(world.ipcRows(actor, kind))
        if rng.chance(8) {
            emit(actor, "next_id LONG2 \(x) \(rng.int(0...100))")
        } else {
            emit(actor, "next_id LONG \(x)")
        }
        if rng.chance(20) { emit(actor, getLine(kind, key: rng.pick(keys), flags: "IPC_CREAT|0600")) }
        emit(actor, getLine(kind, key: rng.chance(70) ? "IPC_PRIVATE" : nil))
    }
}
