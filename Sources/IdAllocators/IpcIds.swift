/// ipc_idr_alloc, ipc_addid and ipc_rmid (ipc/util.c): how an IPC object gets its idx and seq.
extension Machine {
    /// ipc_idr_alloc. With `{msg,sem,shm}_next_id` unset: idx cycles below
    /// max(in_use * 3/2, 64) and seq grows whenever idx does not move forward. With it set (it is
    /// consumed either way): seq from the value, idx the lowest free one at or above the value's
    /// idx, which silently differs from the request when that idx is taken.
    func ipcIdrAlloc(_ ids: IpcIds, object: Int32) -> (idx: Int, seq: Int)? {
        let nextId = ids.nextId
        ids.nextId = -1
        if nextId < 0 {
            let maxIdx = min(max(ids.inUse * 3 / 2, Limits.ipcMinCycle), Limits.ipcMni)
            guard let idx = ids.idr.allocCyclic(start: 0, end: maxIdx, value: object) else { return nil }
            if idx <= ids.lastIdx {
                ids.seq += 1
                if ids.seq >= Limits.ipcSeqMax { ids.seq = 0 }
            }
            ids.lastIdx = idx
            return (idx, ids.seq)
        }
        // idr_alloc(idx, ipc_mni): the search stops at IPCMNI, the idr's capacity (Linux's "ipc:
        // limit next_id allocation to the valid id range"); nothing free up there is ENOSPC.
        guard let idx = ids.idr.allocLowest(from: nextId & (Limits.ipcMni - 1), value: object) else {
            return nil
        }
        return (idx, nextId >> Limits.ipcIdxShift)
    }

    /// ipc_addid: the namespace limit, then an idx. `exactId` is a pending id of the 2008
    /// interface: exactly that id, or EBUSY (and `*_next_id` is left alone).
    func ipcAddId(_ ids: IpcIds, kind: IpcKind, exactId: Int32?) -> Result<(idx: Int, seq: Int), Errno> {
        guard ids.inUse < min(kind.limit, Limits.ipcMni) else { return .failure(.ENOSPC) }
        if let id = exactId {
            let idx = Int(id) & (Limits.ipcMni - 1)
            guard ids.idr.allocExact(idx, value: 0) else { return .failure(.EBUSY) }
            return .success((idx, Int(id) >> Limits.ipcIdxShift))
        }
        guard let slot = ipcIdrAlloc(ids, object: 0) else { return .failure(.ENOSPC) }
        return .success(slot)
    }

    /// ipc_obtain_object_check: the object an id names, or EINVAL (free idx, stale seq).
    func ipcObject(_ ids: IpcIds, id: Int32) -> IpcObject? {
        guard id >= 0 else { return nil }
        let idx = Int(id) & (Limits.ipcMni - 1)
        guard let object = ids.objects[idx], object.seq == Int(id) >> Limits.ipcIdxShift else { return nil }
        return object
    }

    /// ipc_rmid and the type's own teardown (semaphore and shm page accounting).
    func ipcRemoveObject(_ object: IpcObject, kind: IpcKind, namespace ns: Int32) {
        let ids = ipcNamespaces[Int(ns)].ids[kind.rawValue]
        ids.idr.remove(object.idx)
        ids.objects[object.idx] = nil
        if object.key != IpcGetRequest.privateKey { ids.byKey[object.key] = nil }
        switch kind {
        case .msg: break
        case .sem: ipcNamespaces[Int(ns)].usedSems -= object.nsems
        case .shm: ipcNamespaces[Int(ns)].shmPages &-= shmPages(object.size)
        }
    }

    func shmPages(_ size: UInt64) -> UInt64 {
        let (sum, overflow) = size.addingReportingOverflow((1 << Limits.pageShift) - 1)
        return overflow ? (UInt64.max >> Limits.pageShift) + 1 : sum >> Limits.pageShift
    }
}
