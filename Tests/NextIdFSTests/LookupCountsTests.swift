@testable import NextIdFS
import Testing

/// Invalidation notices go only to what the kernel holds: inodes it looked up and has not
/// forgotten.
@Suite struct LookupCountsTests {
    @Test func onlyWhatTheKernelHoldsIsInvalidated() {
        let counts = LookupCounts()
        counts.lookedUp([10])
        counts.lookedUp([10])
        counts.lookedUp([20])
        counts.forget(20, 1)
        let all = Filesystem.Invalidation(inodes: [10, 20, 30], names: [
            .init(parent: 1, child: 10, pid: 5), .init(parent: 1, child: 20, pid: 6), .init(parent: 2, child: 30, pid: 7),
        ])
        #expect(counts.held(all) == Filesystem.Invalidation(inodes: [10], names: [.init(parent: 1, child: 10, pid: 5)]))
        counts.forget(10, 1)
        #expect(counts.held(all).inodes == [10], "one lookup left")
        counts.forget(10, 5)
        #expect(counts.held(all).isEmpty)
        #expect(counts.count == 0, "forgotten inodes leave the table")
        #expect(all.names[0].name == Array("5".utf8))
    }

    /// A write's sweep tells each file given since the last sweep once; a file given across a
    /// sweep gets no cache time; ctl and next_id are not swept, and files that change by themselves are never kept.
    @Test func aSweepTellsWhatWasGivenSinceTheLastOne() {
        let given = GivenAttributes()
        let status = NodeRef(kind: .processStatus, tid: 5, serial: 1).inode
        let stat = NodeRef(kind: .processStat, tid: 5, serial: 1).inode
        let ctl = NodeRef(kind: .ctl, tid: 5, serial: 1).inode
        let uptime = NodeRef(kind: .uptime).inode
        let start = given.epoch
        #expect(given.give(status, since: start) && given.give(stat, since: start))
        #expect(given.give(ctl, since: start) && given.give(uptime, since: start), "not swept: nothing to remember")
        #expect(Set(given.sweep(but: 0)) == [status, stat])
        #expect(given.sweep(but: 0).isEmpty, "told once: the kernel asks again before it keeps anything")
        #expect(!given.give(status, since: start), "rendered before the sweep: no cache time")
        #expect(given.sweep(but: 0).isEmpty)
        let now = given.epoch
        #expect(given.give(status, since: now) && given.give(stat, since: now))
        #expect(given.sweep(but: stat) == [status], "the written file's attributes the kernel forgot itself")
    }

    /// A thread's own ctl and next_id are told when its lines changed them, and only if given
    /// since they were last told: the write that set the pending ids made the kernel forget
    /// next_id itself, so a next_id + fork pair sends nothing unless next_id was read in between.
    @Test func ownFilesAreToldOnlyIfGivenSinceTheyWereLastTold() {
        let given = GivenAttributes()
        let nextId = NodeRef(kind: .nextId, tid: 5, serial: 1).inode
        let ctl = NodeRef(kind: .ctl, tid: 5, serial: 1).inode
        let ended = NodeRef(kind: .nextId, tid: 6, serial: 1).inode
        #expect(given.give(nextId, since: given.epoch) && given.give(ended, since: given.epoch))
        #expect(given.sweep(but: 0).isEmpty, "another task's write does not change them")
        #expect(given.sweep(but: ctl, own: [nextId]) == [nextId], "the fork that consumed the ids")
        #expect(given.sweep(but: ctl, own: [nextId]).isEmpty, "not read since: the next pair's fork tells nothing")
        let start = given.epoch
        #expect(given.give(nextId, since: start))
        #expect(given.sweep(but: 0, own: [nextId, ctl]) == [nextId], "read again, told again; ctl was never given")
        #expect(!given.give(nextId, since: start), "rendered before a fork: no cache time")
        #expect(given.sweep(but: 0, own: [nextId]).isEmpty)
        #expect(given.sweep(but: 0, named: [ended]).isEmpty)
        #expect(given.sweep(but: 0, own: [ended]).isEmpty, "the files of a task that ended are forgotten with it")
    }
}
