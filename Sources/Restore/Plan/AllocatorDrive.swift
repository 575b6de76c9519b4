import IdAllocators

/// How a restore brings an IPC id type of a fresh namespace to a given allocator state (seq,
/// last_idx; the cursor follows last_idx) with ordinary automatic creations and removals, before
/// the namespace's objects are made with forced ids (which leave the state alone).
///
/// Each wrap of idx below max(in_use * 3/2, 64) raises seq by one, so seq S costs S walks of
/// 64 creations; idx L >= 64 needs about 2L/3 objects alive at once when it is handed out (the
/// objects kept are the lowest, which the cursor has passed). The ids are those a scratch kernel
/// hands out for the same moves: the planner does not re-implement the allocator.
enum AllocatorDrive {
    static func actions(_ kind: IpcKind, to target: IpcAllocatorState) throws(PlanError) -> [Action] {
        if target.seq == 0 && target.lastIdx == -1 { return [] }
        guard target.lastIdx >= 0, target.lastIdx < Limits.ipcMni, target.seq >= 0, target.seq < Limits.ipcSeqMax,
              target.cursor == target.lastIdx + 1 else {
            throw PlanError("\(kind.name) allocator state seq \(target.seq) last_idx \(target.lastIdx) idr_next \(target.cursor) cannot be reached")
        }
        let scratch = Kernel(pidMax: Limits.defaultPidMax)
        let initTask = scratch.handle(ofPid: 1)
        var out: [Action] = []
        var alive: [Int32] = []
        var state = IpcAllocatorState.pristine(kind)
        func create() throws(PlanError) {
            guard case .success(let id) = scratch.call(.ipcGet(IpcGetRequest(kind: kind, key: IpcGetRequest.privateKey,
                                                                              flags: [.create, 0o600], nsems: 1, size: 1)), by: initTask),
                  let now = scratch.ipcAllocators(as: .task(initTask))?[kind.rawValue] else {
                throw PlanError("\(kind.name) allocator state seq \(target.seq) last_idx \(target.lastIdx) cannot be reached")
            }
            out.append(.ipcAuto(kind))
            alive.append(Int32(id))
            state = now
        }
        func remove(_ id: Int32) {
            _ = scratch.call(.ipcRemove(kind, id: id), by: initTask)
            out.append(.ipcRemove(kind, id: id))
            alive.removeAll { $0 == id }
        }
        // The seq: walk idx round until it wraps, one object at a time (the last stays).
        while state.seq != target.seq || state.lastIdx < 0 {
            if let last = alive.last { remove(last) }
            try create()
        }
        // The idx: walk up to it, keeping enough objects alive for max_idx to stay above it
        // at every step (the lowest go first: the cursor has passed them).
        func need(_ idx: Int) -> Int {
            guard idx >= Limits.ipcMinCycle else { return 0 }
            var n = idx * 2 / 3
            while n * 3 / 2 <= idx { n += 1 }
            return n
        }
        // keep[j]: objects alive before idx j is handed out, so that every later step has enough.
        var keep = [Int](repeating: 0, count: target.lastIdx + 2)
        for j in stride(from: target.lastIdx, through: 0, by: -1) { keep[j] = max(need(j), keep[j + 1] - 1) }
        while state.lastIdx < target.lastIdx {
            let next = state.lastIdx + 1
            while alive.count > keep[next] { remove(alive.first!) }
            try create()
            guard state.lastIdx == next else { throw PlanError("internal: the \(kind.name) ids did not move to idx \(next)") }
        }
        while let id = alive.first { remove(id) }
        return out
    }
}
