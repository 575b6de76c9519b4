@testable import IdAllocators
import Testing

/// alloc_pid: automatic cyclic allocation, RESERVED_PIDS, set_tid and their errnos.
@Suite struct PidAllocationTests {
    @Test func worldAtMountTime() {
        let w = World()
        let s = w.kernel.status(of: 1)!
        #expect(s.pid == 1 && s.tgid == 1 && s.ppid == 0 && s.uid == 0 && s.gid == 0)
        #expect(s.name == Array("init".utf8))
        #expect(w.sysctl(.nsLastPid, of: 1) == 1)
        #expect(w.sysctl(.pidMax, of: 1) == 32768)
        #expect(w.kernel.threadGroups(from: 0, limit: 10).map(\.tid) == [1])
    }

    @Test func forksCountUpFromTheCursor() {
        let w = World()
        #expect(w.value(1, .fork) == 2)
        #expect(w.value(1, .fork) == 3)
        #expect(w.sysctl(.nsLastPid, of: 1) == 3)
        w.setSysctl(.nsLastPid, 99, by: 1)
        #expect(w.value(1, .fork) == 100)
    }

    /// kernel-semantics.md, seen on 6.18: pid_max 400 and ns_last_pid 395 in a new namespace;
    /// after two forks take 396 and 397, forks get 398 399 300 301 302.
    @Test func seenHereWrapToReservedPids() {
        let w = World()
        let initOfNew = w.spawn(1, .newPid)
        #expect(w.nspid(initOfNew) == [2, 1])
        #expect(w.setSysctl(.pidMax, 400, by: initOfNew) == .success(0))
        #expect(w.setSysctl(.nsLastPid, 395, by: initOfNew) == .success(0))
        let got = (0..<7).map { _ in w.value(initOfNew, .fork) }
        #expect(got == [396, 397, 398, 399, 300, 301, 302])
    }

    @Test func wrapSkipsPidsInUseAndStaysAboveReserved() {
        let w = World(pidMax: 305)
        w.setSysctl(.nsLastPid, 300, by: 1)
        let got = (0..<4).map { _ in w.value(1, .fork) }  // 301..304
        #expect(got == [301, 302, 303, 304])
        // cursor 305 == pid_max: wraps to 300 (cursor > RESERVED_PIDS), not to 2.
        #expect(w.value(1, .fork) == 300)
        #expect(w.errno(1, .fork) == .EAGAIN)
        #expect(w.sysctl(.nsLastPid, of: 1) == 300, "a failed allocation leaves the cursor")
    }

    @Test func nsLastPidAtPidMaxWrapsToReservedPids() {
        let w = World(pidMax: 4000)
        w.setSysctl(.nsLastPid, 4000, by: 1)
        #expect(w.sysctl(.nsLastPid, of: 1) == 4000)
        #expect(w.setSysctl(.nsLastPid, 4001, by: 1) == .failure(.EINVAL))
        // cursor 4001 > 300: wraps to 300.
        #expect(w.value(1, .fork) == 300)
    }

    @Test func whileTheCursorIsBelowReservedPidsTheWrapGoesToOne() {
        let w = World(pidMax: 301)
        var tids: [Int32] = []
        while case .success(let pid) = w.call(1, .fork) { tids.append(Int32(pid)) }
        #expect(tids == Array(2...300))
        _ = w.call(5, .exit(code: 0))
        // cursor 251: 251...300 are taken, the wrap goes to pid_min 1 and finds 5.
        w.setSysctl(.nsLastPid, 250, by: 1)
        #expect(w.value(1, .fork) == 5)
    }

    @Test func newNamespaceStartsAtPidMaxLimitNotTheParentsValue() {
        let w = World(pidMax: 500)
        let ns1 = w.spawn(1, .newPid)
        #expect(w.sysctl(.pidMax, of: ns1) == Int64(Limits.pidMaxLimit))
        // Each level checks its own pid_max: the inner number may exceed the parent's limit.
        w.setSysctl(.nsLastPid, 1000, by: ns1)
        w.setSysctl(.nsLastPid, 495, by: 1)
        let child = w.spawn(ns1)
        #expect(w.nspid(child) == [496, 1001])
    }

    /// docs/interface.md §3.4: a forced id at or above the pid_max of ITS level is EINVAL,
    /// consumed, and nothing is allocated; the levels above keep their own limits.
    @Test func forcedIdAtOrAboveItsOwnLevelsPidMax() {
        let w = World()
        let ns1 = w.spawn(1, .newPid)
        #expect(w.setSysctl(.pidMax, 400, by: ns1) == .success(0))
        let before = w.kernel.allThreads(from: 0, limit: 100).count
        _ = w.call(ns1, w.pending(400))
        #expect(w.errno(ns1, .fork) == .EINVAL)
        #expect(w.pendingIds(ns1) == nil, "consumed")
        #expect(w.kernel.allThreads(from: 0, limit: 100).count == before, "nothing allocated")
        _ = w.call(ns1, w.pending(399))
        #expect(w.value(ns1, .fork) == 399, "just below it is fine")
        _ = w.call(1, w.pending(1, 32767))
        #expect(w.value(1, .clone([.newPid])) == 32767, "the root level's own limit is 32768")
    }

    /// docs/interface.md §5.2: the lower bounds of the cursors are accepted.
    @Test func cursorsAcceptTheirLowerBounds() {
        let w = World()
        #expect(w.setSysctl(.nsLastPid, 0, by: 1) == .success(0))
        #expect(w.value(1, .fork) == 1 + 1, "the cursor at 0: the next pid is the lowest free one")
        #expect(w.setSysctl(.msgNextId, 0, by: 1) == .success(0))
        #expect(w.value(1, w.msgget()) == 0)
    }

    @Test func setTidForcesInnermostLevelsOnly() {
        let w = World()
        _ = w.call(1, w.pending(1, 500))
        let ns1 = w.spawn(1, .newPid)
        #expect(w.nspid(ns1) == [500, 1])
        #expect(w.sysctl(.nsLastPid, of: 1) == 1, "forced pids leave the cursor alone")
        // One id for a level-1 task: the inner level is forced, the root level automatic.
        _ = w.call(ns1, w.pending(77))
        #expect(w.sysctl(.nsLastPid, of: ns1) == -1, "a forced init leaves the new namespace's cursor at 0")
        let c = w.spawn(ns1)
        #expect(w.nspid(c) == [2, 77])
        #expect(w.sysctl(.nsLastPid, of: ns1) == -1)
        _ = w.call(ns1, w.pending(78, 4000))
        #expect(w.value(ns1, .fork) == 78)
        #expect(w.nspid(w.kernel.children(of: ns1)!.last!) == [4000, 78])
        #expect(w.value(ns1, .fork) == 2, "automatic allocation from cursor 0 finds 2")
    }

    @Test func setTidErrnos() {
        let w = World()
        // More ids than levels.
        _ = w.call(1, w.pending(5, 6))
        #expect(w.errno(1, .fork) == .EINVAL)
        #expect(w.pendingIds(1) == nil, "consumed by the failed fork")
        // X < 1, X >= pid_max.
        _ = w.call(1, w.pending(0))
        #expect(w.errno(1, .fork) == .EINVAL)
        _ = w.call(1, w.pending(32768))
        #expect(w.errno(1, .fork) == .EINVAL)
        _ = w.call(1, w.pending(32767))
        #expect(w.value(1, .fork) == 32767)
        // Taken.
        _ = w.call(1, w.pending(1))
        #expect(w.errno(1, .fork) == .EEXIST)
        // A new namespace has no init: only 1 may be first.
        _ = w.call(1, w.pending(2, 600))
        #expect(w.errno(1, .clone(.newPid)) == .EINVAL)
        // Non-root: EPERM, but only after the EINVAL checks.
        let user = w.spawn(1)
        _ = w.call(user, .setuid(1000))
        _ = w.call(user, w.pending(40000))
        #expect(w.errno(user, .fork) == .EINVAL)
        _ = w.call(user, w.pending(4000))
        #expect(w.errno(user, .fork) == .EPERM)
        #expect(w.value(user, .fork) > 0, "no pending ids: a plain fork works for anyone")
    }

    @Test func forcedPidOnePlusParentCollisionResetsTheFreshNamespaceCursor() {
        let w = World()
        _ = w.call(1, .unshare(.pid))
        // Outer level taken: EEXIST; the fresh namespace forgets the pid 1 it had allocated.
        _ = w.call(1, w.pending(1, 1))
        #expect(w.errno(1, .fork) == .EEXIST)
        let first = w.spawn(1)
        #expect(w.nspid(first) == [2, 1], "the namespace's first automatic pid is still 1")
    }

    @Test func innerAutomaticAllocationMovesTheCursorEvenWhenAnOuterLevelFails() {
        let w = World(pidMax: 301)
        let ns1 = w.spawn(1, .newPid)  // [2, 1]
        // Fill the root namespace: pids 3...300 (pid_max 301).
        while case .success = w.call(1, .fork) {}
        #expect(w.sysctl(.nsLastPid, of: ns1) == 1)
        #expect(w.errno(ns1, .fork) == .EAGAIN)
        #expect(w.sysctl(.nsLastPid, of: ns1) == 2, "the inner level took pid 2 before the root level failed")
    }

    @Test func deadNamespaceGivesENOMEMAfterMovingCursors() {
        let w = World()
        _ = w.call(1, .unshare(.pid))
        let nsInit = w.spawn(1)  // [2, 1]
        #expect(w.value(nsInit, .exit(code: 0)) == 0)
        #expect(w.kernel.status(of: nsInit) == nil)
        let before = w.sysctl(.nsLastPid, of: 1)
        #expect(w.errno(1, .fork) == .ENOMEM)
        #expect(w.sysctl(.nsLastPid, of: 1) == before + 1, "the root level was allocated, then freed")
        // Even a forced pid 1 cannot revive it.
        _ = w.call(1, w.pending(1))
        #expect(w.errno(1, .fork) == .ENOMEM)
        // And the process cannot start another namespace: pid_for_children is not its own.
        #expect(w.errno(1, .unshare(.pid)) == .EINVAL)
        #expect(w.errno(1, .clone(.newPid)) == .EINVAL)
    }

    @Test func namespacesNestThirtyTwoLevels() {
        let w = World()
        var t: Int32 = 1
        for level in 1...32 {
            t = w.spawn(t, .newPid)
            #expect(w.nspid(t).count == level + 1)
        }
        #expect(w.errno(t, .clone(.newPid)) == .ENOSPC)
        #expect(w.errno(t, .unshare(.pid)) == .ENOSPC)
        // The deepest task still forks and can force its 32 inner levels (set_tid holds at
        // most MAX_PID_NS_LEVEL ids); the root level is automatic.
        let inner = (1...32).map { Int32(10 + $0) }
        _ = w.call(t, .setNextId(PendingIds(inner)!))
        let deep = w.spawn(t)
        #expect(Array(w.nspid(deep).dropFirst()) == inner.reversed())
        #expect(w.nspid(deep).count == 33)
        #expect(PendingIds(inner + [5]) == nil, "next_id holds at most 32 ids")
    }

    @Test func pidMaxLoweredBelowLivePids() {
        let w = World()
        w.setSysctl(.nsLastPid, 999, by: 1)
        #expect(w.value(1, .fork) == 1000)
        #expect(w.setSysctl(.pidMax, 500, by: 1) == .success(0))
        // cursor 1001 beyond pid_max: wraps to 300.
        #expect(w.value(1, .fork) == 300)
        _ = w.call(1, w.pending(600))
        #expect(w.errno(1, .fork) == .EINVAL)
    }
}
