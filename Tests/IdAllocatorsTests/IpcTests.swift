@testable import IdAllocators
import Testing

/// ipc_idr_alloc, ipc_addid, ipcget key rules, IPC_RMID, IPC_SET, limits and namespaces.
@Suite struct IpcTests {
    func sem(_ key: Int32, _ nsems: Int32, _ flags: IpcFlags = [.create, 0o600]) -> Syscall {
        .ipcGet(IpcGetRequest(kind: .sem, key: key, flags: flags, nsems: nsems))
    }

    func shm(_ key: Int32, _ size: UInt64, _ flags: IpcFlags = [.create, 0o600]) -> Syscall {
        .ipcGet(IpcGetRequest(kind: .shm, key: key, flags: flags, size: size))
    }

    @Test func automaticIdsCycleAndBumpSeq() {
        let w = World()
        #expect((0..<3).map { _ in w.value(1, w.msgget()) } == [0, 1, 2])
        _ = w.call(1, .ipcRemove(.msg, id: 1))
        #expect(w.value(1, w.msgget()) == 3, "the cursor moves on; idx 1 is not reused yet")
        // Churn one object through the 64-slot cycle: idx 4...63, then back to 0 with seq 1.
        let w2 = World()
        var got: [Int64] = []
        for _ in 0..<66 {
            let id = w2.value(1, w2.msgget())
            got.append(id)
            _ = w2.call(1, .ipcRemove(.msg, id: Int32(id)))
        }
        #expect(Array(got[0..<64]) == (0..<64).map(Int64.init))
        #expect(got[64] == 32768 && got[65] == 32769)
    }

    @Test func cycleGrowsWithObjectsInUse() {
        let w = World()
        for i in 0..<64 { #expect(w.value(1, w.msgget()) == Int64(i)) }
        // in_use 64: max_idx = 96, so idx keeps growing instead of wrapping.
        #expect(w.value(1, w.msgget()) == 64)
        _ = w.call(1, .ipcRemove(.msg, id: 3))
        for i in 65..<96 { #expect(w.value(1, w.msgget()) == Int64(i)) }
        // cursor 96, in_use 96: max_idx 144; next is 96.
        #expect(w.value(1, w.msgget()) == 96)
    }

    /// kernel-semantics.md, seen on 6.18: msg_next_id=12345 then msgget gave 12345, the next 0.
    @Test func seenHereNextIdThenAutomatic() {
        let w = World()
        let p = w.spawn(1, .newIpc)
        #expect(w.sysctl(.msgNextId, of: p) == -1)
        #expect(w.setSysctl(.msgNextId, 12345, by: p) == .success(0))
        #expect(w.value(p, w.msgget()) == 12345)
        #expect(w.sysctl(.msgNextId, of: p) == -1)
        #expect(w.value(p, w.msgget()) == 0)
        #expect(w.ids(.msg, of: p) == [0, 12345], "tables list objects in idx order")
        #expect(w.ids(.msg, of: 1) == [], "the root namespace saw nothing")
    }

    @Test func nextIdTakesSeqAndFallsBackToTheLowestFreeIdxAbove() {
        let w = World()
        w.setSysctl(.semNextId, 3 * 32768 + 7, by: 1)
        #expect(w.value(1, sem(IpcGetRequest.privateKey, 1)) == 3 * 32768 + 7)
        w.setSysctl(.semNextId, 5 * 32768 + 7, by: 1)
        #expect(w.value(1, sem(IpcGetRequest.privateKey, 1)) == 5 * 32768 + 8, "idx 7 taken: quietly 8")
        // seq, last_idx and the cursor were not touched.
        #expect(w.value(1, sem(IpcGetRequest.privateKey, 1)) == 0)
    }

    /// Found by the conformance runner (regress/ipc-next-id-end.ops): the kernel's fallback
    /// search ends at IPCMNI, so a taken idx 32767 gives ENOSPC, never an idx of 32768.
    @Test func nextIdFallbackStopsAtTheEndOfTheIdxSpace() {
        let w = World()
        w.setSysctl(.msgNextId, 2 * 32768 + 32767, by: 1)
        #expect(w.value(1, w.msgget()) == 2 * 32768 + 32767)
        w.setSysctl(.msgNextId, 37237 * 32768 + 32767, by: 1)
        #expect(w.errno(1, w.msgget()) == .ENOSPC)
        #expect(w.sysctl(.msgNextId, of: 1) == -1, "consumed by the failed attempt")
        #expect(w.ids(.msg, of: 1) == [2 * 32768 + 32767])
        #expect(w.value(1, w.msgget()) == 0)
    }

    @Test func nextIdIsConsumedOnlyByACreationThatAllocates() {
        let w = World()
        _ = w.value(1, w.msgget(0x1234))
        w.setSysctl(.msgNextId, 500, by: 1)
        #expect(w.value(1, w.msgget(0x1234, 0o600)) == 0, "an existing key consumes nothing")
        #expect(w.errno(1, w.msgget(0x999, 0o600)) == .ENOENT)
        #expect(w.sysctl(.msgNextId, of: 1) == 500)
        #expect(w.value(1, w.msgget(0x999)) == 500)
        #expect(w.sysctl(.msgNextId, of: 1) == -1)
        // Early failures (the namespace limit) do not consume it either.
        for _ in 0..<Limits.shmmni { _ = w.value(1, shm(IpcGetRequest.privateKey, 4096)) }
        w.setSysctl(.shmNextId, 42, by: 1)
        #expect(w.errno(1, shm(IpcGetRequest.privateKey, 4096)) == .ENOSPC)
        #expect(w.sysctl(.shmNextId, of: 1) == 42)
    }

    @Test func keyRules() {
        let w = World()
        let a = w.value(1, w.msgget(77))
        #expect(w.value(1, w.msgget(77)) == a, "IPC_CREAT on an existing key returns it")
        #expect(w.errno(1, w.msgget(77, [.create, .exclusive, 0o600])) == .EEXIST)
        #expect(w.errno(1, w.msgget(78, 0o600)) == .ENOENT)
        #expect(w.value(1, w.msgget()) != w.value(1, w.msgget()), "IPC_PRIVATE always creates")
        // Keys are per type: a sem set may use the same key.
        #expect(w.value(1, sem(77, 2)) == 0)
    }

    @Test func permissionsOnGetRemoveAndSet() {
        let w = World()
        let q = Int32(w.value(1, w.msgget(5, [.create, 0o640])))
        let user = w.spawn(1)
        _ = w.call(user, .setgid(50))
        _ = w.call(user, .setuid(1000))
        #expect(w.errno(user, w.msgget(5, 0o600)) == .EACCES)
        #expect(w.value(user, w.msgget(5, 0)) == Int64(q), "asking for no permission passes")
        #expect(w.errno(user, .ipcRemove(.msg, id: q)) == .EPERM)
        #expect(w.errno(user, .ipcSet(.msg, id: q, uid: 1000, gid: 50, mode: 0o600)) == .EPERM)
        // Root hands the queue to the user: owner (not creator) may then change and remove it.
        #expect(w.value(1, .ipcSet(.msg, id: q, uid: 1000, gid: 0, mode: 0o600)) == 0)
        let row = w.kernel.ipcTable(.msg, as: w.actor(1))!.first!
        #expect(row.uid == 1000 && row.cuid == 0 && row.mode == 0o600)
        #expect(w.value(user, w.msgget(5, 0o600)) == Int64(q))
        #expect(w.value(user, .ipcSet(.msg, id: q, uid: 1000, gid: 50, mode: 0o644)) == 0)
        #expect(w.value(user, .ipcRemove(.msg, id: q)) == 0)
        // Group class.
        let s = Int32(w.value(1, sem(6, 1, [.create, 0o660])))
        _ = w.call(1, .ipcSet(.sem, id: s, uid: 0, gid: 50, mode: 0o660))
        #expect(w.value(user, sem(6, 1, 0o660)) == Int64(s))
    }

    @Test func removeAndSetNeedALiveId() {
        let w = World()
        let q = Int32(w.value(1, w.msgget()))
        #expect(w.errno(1, .ipcRemove(.msg, id: -1)) == .EINVAL)
        #expect(w.errno(1, .ipcRemove(.msg, id: q + 32768)) == .EINVAL, "stale seq")
        #expect(w.errno(1, .ipcRemove(.sem, id: q)) == .EINVAL, "another type")
        #expect(w.value(1, .ipcRemove(.msg, id: q)) == 0)
        #expect(w.errno(1, .ipcRemove(.msg, id: q)) == .EINVAL)
        #expect(w.errno(1, .ipcSet(.msg, id: q, uid: 0, gid: 0, mode: 0o600)) == .EINVAL)
    }

    @Test func semaphoreAndSharedMemoryArguments() {
        let w = World()
        #expect(w.errno(1, sem(IpcGetRequest.privateKey, 0)) == .EINVAL)
        #expect(w.errno(1, sem(IpcGetRequest.privateKey, -1)) == .EINVAL)
        #expect(w.errno(1, sem(IpcGetRequest.privateKey, 32001)) == .EINVAL)
        #expect(w.value(1, sem(9, 4)) == 0)
        #expect(w.value(1, sem(9, 0, 0o600)) == 0, "nsems 0 is fine for an existing set")
        #expect(w.errno(1, sem(9, 5, 0o600)) == .EINVAL)
        #expect(w.errno(1, shm(IpcGetRequest.privateKey, 0)) == .EINVAL)
        #expect(w.value(1, shm(10, 8192)) == 0)
        #expect(w.value(1, shm(10, 0, 0o600)) == 0)
        #expect(w.errno(1, shm(10, 8193, 0o600)) == .EINVAL)
        let row = w.kernel.ipcTable(.shm, as: w.actor(1))!.first!
        #expect(row.size == 8192 && row.creatorPid == 1)
        #expect(w.kernel.ipcTable(.sem, as: w.actor(1))!.first!.nsems == 4)
    }

    @Test func messageQueueLimit() {
        let w = World()
        for _ in 0..<Limits.msgmni { _ = w.call(1, w.msgget()) }
        #expect(w.ids(.msg, of: 1).count == Limits.msgmni)
        #expect(w.errno(1, w.msgget()) == .ENOSPC)
    }

    @Test func namespaceGoesAwayWithItsLastProcess() {
        let m = Machine()
        let a = m.task(rootTid: 1)!
        _ = m.copyProcess(actor: a, flags: .newIpc)
        let c = m.children(ofThread: a).last!
        let ns = m.tasks[Int(c)].ipcNamespace
        _ = m.copyProcess(actor: c, flags: [])
        let g = m.children(ofThread: c).last!
        _ = m.ipcGet(actor: c, IpcGetRequest(kind: .msg, key: 1, flags: [.create, 0o600]))
        var changes = Changes()
        _ = m.exitTask(c, code: 0, &changes)
        #expect(m.ipcNamespaces[Int(ns)].live && m.ipcTable(.msg, namespace: ns).count == 1)
        _ = m.exitTask(g, code: 0, &changes)
        #expect(!m.ipcNamespaces[Int(ns)].live)
    }
}

/// The sysctl files: ranges, EPERM before EINVAL, per-namespace values.
@Suite struct SysctlTests {
    @Test func rangesAndPermission() {
        let w = World()
        #expect(w.setSysctl(.nsLastPid, -1, by: 1) == .failure(.EINVAL))
        #expect(w.setSysctl(.nsLastPid, 32768, by: 1) == .success(0))
        #expect(w.setSysctl(.nsLastPid, 32769, by: 1) == .failure(.EINVAL))
        #expect(w.setSysctl(.pidMax, 300, by: 1) == .failure(.EINVAL))
        #expect(w.setSysctl(.pidMax, 301, by: 1) == .success(0))
        #expect(w.setSysctl(.pidMax, 4_194_305, by: 1) == .failure(.EINVAL))
        #expect(w.setSysctl(.pidMax, 4_194_304, by: 1) == .success(0))
        #expect(w.setSysctl(.shmNextId, -1, by: 1) == .failure(.EINVAL))
        #expect(w.setSysctl(.shmNextId, Int64(Int32.max), by: 1) == .success(0))
        #expect(w.setSysctl(.shmNextId, Int64(Int32.max) + 1, by: 1) == .failure(.EINVAL))
        #expect(w.kernel.writeSysctl(.nsLastPid, .notANumber, as: w.actor(1)) == .failure(.EINVAL))
        let user = w.spawn(1)
        _ = w.call(user, .setuid(7))
        for name in SysctlName.allCases {
            #expect(w.kernel.writeSysctl(name, .notANumber, as: w.actor(user)) == .failure(.EPERM))
            #expect(w.kernel.writeSysctl(name, .number(1000), as: .host(uid: 7)) == .failure(.EPERM))
        }
        #expect(w.kernel.writeSysctl(.nsLastPid, .number(1000), as: .host(uid: 0)) == .success(0))
        #expect(w.sysctl(.nsLastPid, of: user) == 1000)
        #expect(w.kernel.readSysctl(.nsLastPid, as: w.actor(99999)) == .failure(.ESRCH))
    }
}
