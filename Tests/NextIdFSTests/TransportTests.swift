@testable import NextIdFS
import Testing

/// What the daemon does about FUSE over io_uring for each --transport (docs/interface.md §9).
@Suite struct TransportTests {
    @Test func autoClaimsTheRingQuietly() throws {
        #expect(try RingPlan(.auto, singleThreaded: false) == RingPlan(claim: true, insist: false))
    }

    @Test func singleThreadedKeepsDevFuse() throws {
        #expect(try RingPlan(.auto, singleThreaded: true) == RingPlan(claim: false, insist: false))
        #expect(RingPlan.devfuseReason(.auto) == "nextidfs: transport: /dev/fuse (-s)\n")
    }

    @Test func devfuseNeverClaims() throws {
        for single in [false, true] {
            #expect(try RingPlan(.devfuse, singleThreaded: single) == RingPlan(claim: false, insist: false))
        }
        #expect(RingPlan.devfuseReason(.devfuse) == "nextidfs: transport: /dev/fuse (--transport devfuse)\n")
    }

    @Test func uringSaysItsFallback() throws {
        #expect(try RingPlan(.uring, singleThreaded: false) == RingPlan(claim: true, insist: true))
    }

    @Test func uringWithSingleThreadIsRefused() {
        #expect(throws: DaemonError.self) { try RingPlan(.uring, singleThreaded: true) }
    }
}
