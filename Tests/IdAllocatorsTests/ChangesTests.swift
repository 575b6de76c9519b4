@testable import IdAllocators
import Testing

/// A batch's outcome says what it changed that a view of the machine may hold: the tasks it
/// released and the processes whose owner changed, with the facts a view needs (leaders,
/// threads), taken when it happened.
@Suite struct ChangesTests {
    func run(_ w: World, _ tid: Int32, _ calls: Syscall...) -> BatchOutcome {
        w.kernel.run(calls.map { .success($0) }, by: w.kernel.handle(ofPid: tid))
    }

    func handle(_ w: World, _ tid: Int32) -> TaskHandle { w.kernel.handle(ofPid: tid) }

    @Test func ownerChangesNameTheProcessAndItsThreads() {
        let w = World()
        let a = w.spawn(1)
        let t = w.spawn(a, .thread)
        let (ha, ht) = (handle(w, a), handle(w, t))
        let outcome = run(w, t, .setgid(5), .setuid(1000))
        #expect(outcome.completed == 2)
        let owner = Changes.NewOwner(process: ha, threads: [ha, ht])
        #expect(outcome.changes.newOwners == [owner, owner] && outcome.changes.released.isEmpty)
        #expect(run(w, a, .setuid(0)).changes == Changes(), "a failing setuid changes nothing")
    }

    @Test func releasedTasksComeWithTheirLeaders() {
        let w = World()
        let a = w.spawn(1)
        let t = w.spawn(a, .thread)
        let (ha, ht) = (handle(w, a), handle(w, t))
        #expect(run(w, t, .exit(code: 0)).changes.released == [Changes.Released(task: ht, leader: ha)])
        let u = w.spawn(a, .thread)
        let hu = handle(w, u)
        // The init reaps at once: the process's other threads, then its leader.
        #expect(run(w, a, .exit(code: 0)).changes.released == [Changes.Released(task: hu, leader: ha), Changes.Released(task: ha, leader: ha)])
    }

    @Test func aZombieIsReleasedWhenItIsReaped() {
        let w = World()
        let p = w.spawn(1)
        let c = w.spawn(p)
        let hc = handle(w, c)
        #expect(run(w, c, .exit(code: 3)).changes.released.isEmpty, "a zombie keeps its pid and its files")
        let reaped = run(w, p, .wait(pid: nil))
        #expect(reaped.changes.released == [Changes.Released(task: hc, leader: hc)])
        #expect(w.kernel.call(.fork, by: handle(w, p)).map { $0 > 0 } == .success(true))
    }

    @Test func aGroupsThreadsAreListedByTidFromAnyPoint() {
        let w = World()
        let a = w.spawn(1)
        #expect(w.value(a, w.pending(900)) == 0)
        let high = w.spawn(a, .thread)
        let low = w.spawn(a, .thread)
        #expect((high, low) == (900, 3), "creation order is not tid order")
        let group = handle(w, a)
        #expect(w.kernel.threads(ofGroup: group, from: 0, limit: 10)?.map(\.tid) == [a, low, high])
        #expect(w.kernel.threads(ofGroup: group, from: 3, limit: 10)?.map(\.tid) == [low, high])
        #expect(w.kernel.threads(ofGroup: group, from: 0, limit: 2)?.map(\.tid) == [a, low])
        #expect(w.kernel.threads(ofGroup: group, from: 901, limit: 2)?.map(\.tid) == [])
        #expect(w.kernel.threads(ofGroup: handle(w, low), from: 0, limit: 2) == nil, "only a leader names a group")
    }
}
