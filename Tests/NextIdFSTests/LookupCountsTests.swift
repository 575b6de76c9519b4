@testable import NextIdFS
import Testing

/// Invalidation notices go only to what the kernel holds: inodes it looked up and has not
/// forgotten.
@Suite struct LookupCountsTests {
    @Test func onlyWhatTheKernelHoldsIsInvalidated() {
        let counts = LookupCounts()
        counts.lookedUp(10)
        counts.lookedUp(10)
        counts.lookedUp(20)
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
}
