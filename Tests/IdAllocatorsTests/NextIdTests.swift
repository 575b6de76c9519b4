@testable import IdAllocators
import Testing

/// The 2008 proposal: per-thread pending ids and when they are consumed (docs/interface.md §3).
@Suite struct NextIdTests {
    @Test func pendingIdsArePerThreadAndConsumedByTheNextCreation() {
        let w = World()
        let p = w.spawn(1)
        let t = w.spawn(p, .thread)
        _ = w.call(p, w.pending(4242))
        #expect(w.pendingIds(p) == [4242])
        #expect(w.pendingIds(t) == nil)
        #expect(w.value(t, .fork) != 4242, "another thread's pending id is not used")
        #expect(w.value(p, .fork) == 4242)
        #expect(w.pendingIds(p) == nil)
        _ = w.call(p, w.pending(5000))
        _ = w.call(p, .setNextId(nil))
        #expect(w.pendingIds(p) == nil)
        #expect(w.value(p, .fork) != 5000)
    }

    @Test func consumedByFailedCreationsButNotByInvalidFlagsOrNonCreatingCalls() {
        let w = World()
        _ = w.call(1, w.pending(1))
        #expect(w.errno(1, .fork) == .EEXIST)
        #expect(w.pendingIds(1) == nil)
        _ = w.call(1, w.pending(700))
        #expect(w.errno(1, .clone([.newPid, .thread])) == .EINVAL)
        #expect(w.pendingIds(1) == [700], "an invalid flag combination is not a creation")
        _ = w.call(1, .comm(Array("x".utf8)))
        _ = w.call(1, .setuid(0))
        #expect(w.pendingIds(1) == [700])
        _ = w.call(1, w.msgget(3))
        #expect(w.pendingIds(1) == nil, "an IPC creation takes it, even the pid-shaped one")
        #expect(w.ids(.msg, of: 1) == [700])
        _ = w.call(1, w.pending(900))
        _ = w.call(1, w.msgget(3))
        #expect(w.pendingIds(1) == [900], "a get that finds its key creates nothing")
        #expect(w.errno(1, w.msgget(4, 0o600)) == .ENOENT)
        #expect(w.pendingIds(1) == [900])
        _ = w.call(1, .ipcGet(IpcGetRequest(kind: .sem, key: 5, flags: .create, nsems: 0)))
        #expect(w.pendingIds(1) == [900], "invalid arguments (nsems 0) are not a creation")
    }

    @Test func ipcPendingIdIsExactOrEBUSY() {
        let w = World()
        w.setSysctl(.msgNextId, 100, by: 1)
        _ = w.call(1, w.pending(2 * 32768 + 5))
        #expect(w.value(1, w.msgget()) == 2 * 32768 + 5)
        #expect(w.sysctl(.msgNextId, of: 1) == 100, "msg_next_id is left as it was")
        _ = w.call(1, w.pending(5))
        #expect(w.errno(1, w.msgget()) == .EBUSY, "idx 5 is taken whatever the seq")
        #expect(w.pendingIds(1) == nil)
        #expect(w.sysctl(.msgNextId, of: 1) == 100)
        _ = w.call(1, w.pending(6, 7))
        #expect(w.errno(1, w.msgget()) == .EINVAL)
        #expect(w.value(1, w.msgget()) == 100, "the sysctl still applies to the next creation")
        // Automatic allocation state was untouched by the exact ids.
        #expect(w.value(1, w.msgget()) == 0)
        let user = w.spawn(1)
        _ = w.call(user, .setuid(1))
        _ = w.call(user, w.pending(9))
        #expect(w.errno(user, w.msgget()) == .EPERM)
        #expect(w.pendingIds(user) == nil)
    }

    @Test func canonicalForm() {
        #expect(PendingIds([4242])!.description == "LONG 4242")
        #expect(PendingIds([1, 4242])!.description == "LONG2 1 4242")
        #expect(PendingIds([]) == nil)
        #expect(PendingIds([-1]) == nil)
        #expect(PendingIds(Array(repeating: 1, count: 33)) == nil)
    }
}
