/// alloc_pid (kernel/pid.c): one number per namespace level, innermost level first.
///
/// With n forced ids (clone3 set_tid order: `setTid[0]` innermost) the innermost n levels take
/// exactly those numbers and the outer levels are allocated automatically. Every check of the
/// kernel happens at the same point of the same loop, so its side effects match too: an
/// automatic allocation moves that level's cursor even when an outer level then fails, and a
/// namespace whose init has died fails with ENOMEM only after every level was allocated.
extension Machine {
    /// A new struct pid, with nothing attached yet.
    func allocPid(in ns: Int32, setTid: [Int32], uid: UInt32) -> Result<PidIndex, Errno> {
        let level = pidNamespaces[Int(ns)].level
        guard setTid.count <= level + 1 else { return .failure(.EINVAL) }
        let slot: PidIndex
        if let free = freePidSlots.popLast() {
            slot = free
        } else {
            slot = PidIndex(pids.count)
            pids.append(Pid(numbers: PidNumbers(root: 0, deeper: []), namespace: -1))
        }
        let allocation = withUnsafeTemporaryAllocation(of: Int32.self, capacity: level + 1) { numbers in
            allocPidLevels(in: ns, level: level, setTid: setTid, uid: uid, for: slot, into: numbers)
        }
        switch allocation {
        case .success(let numbers):
            pids[Int(slot)] = Pid(numbers: numbers, namespace: ns)
            getPidNamespace(ns)
            return .success(slot)
        case .failure(let e):
            freePidSlots.append(slot)
            return .failure(e)
        }
    }

    private func allocPidLevels(in ns: Int32, level: Int, setTid: [Int32], uid: UInt32, for pid: PidIndex,
                                into numbers: UnsafeMutableBufferPointer<Int32>) -> Result<PidNumbers, Errno> {
        var forcedLeft = setTid.count
        var current = ns
        /// Levels allocated so far, from the innermost out: `numbers[level]` down to here.
        var lowestAllocated = level + 1

        func fail(_ error: Errno) -> Result<PidNumbers, Errno> {
            var levelNS = ns
            for i in stride(from: level, through: lowestAllocated, by: -1) {
                pidNamespaces[Int(levelNS)].idr.remove(Int(numbers[i]))
                levelNS = pidNamespaces[Int(levelNS)].parent
            }
            // A failed first allocation leaves a fresh namespace as it was.
            if pidNamespaces[Int(ns)].adding && pidNamespaces[Int(ns)].allocated == 0 {
                pidNamespaces[Int(ns)].idr.cursor = 0
            }
            return .failure(error)
        }

        for i in stride(from: level, through: 0, by: -1) {
            let pidMax = pidNamespaces[Int(current)].pidMax
            let idr = pidNamespaces[Int(current)].idr
            let nr: Int
            if forcedLeft > 0 {
                let tid = Int(setTid[level - i])
                guard tid >= 1, tid < pidMax else { return fail(.EINVAL) }
                // Only the init (pid 1) may be first in a namespace.
                guard tid == 1 || pidNamespaces[Int(current)].childReaper != noTask else { return fail(.EINVAL) }
                guard uid == 0 else { return fail(.EPERM) }
                forcedLeft -= 1
                guard idr.allocExact(tid, value: pid) else { return fail(.EEXIST) }
                nr = tid
            } else {
                guard let auto = idr.allocCyclic(start: pidMin(current), end: pidMax, value: pid) else {
                    return fail(.EAGAIN)
                }
                nr = auto
            }
            numbers[i] = Int32(nr)
            lowestAllocated = i
            current = pidNamespaces[Int(current)].parent
        }

        guard pidNamespaces[Int(ns)].adding else { return fail(.ENOMEM) }
        var levelNS = ns
        for _ in 0...level {
            pidNamespaces[Int(levelNS)].allocated += 1
            levelNS = pidNamespaces[Int(levelNS)].parent
        }
        return .success(PidNumbers(root: numbers[0], deeper: level == 0 ? [] : Array(numbers[1...level])))
    }

    /// init really needs pid 1, but once the cursor has passed RESERVED_PIDS automatic
    /// allocation wraps back to RESERVED_PIDS.
    func pidMin(_ ns: Int32) -> Int {
        pidNamespaces[Int(ns)].idr.cursor > Limits.reservedPids ? Limits.reservedPids : 1
    }
}
