import Glibc
import IdAllocators
import Testing

@Suite struct LockTests {
    /// Read-modify-write steps from two threads at once: none is lost.
    @Test func holdersTakeTurns() {
        final class Shared: Sendable {
            let count = Lock(0)
        }
        let shared = Shared()
        onThreads(2) {
            for _ in 0..<1_000_000 { shared.count.withLock { $0 += 1 } }
        }
        #expect(shared.count.withLock { $0 } == 2_000_000)
    }

    @Test func errorsPassThrough() {
        struct Refused: Error {}
        let lock = Lock(1)
        #expect(throws: Refused.self) { try lock.withLock { (_: inout Int) throws(Refused) in throw Refused() } }
        #expect(lock.withLock { $0 } == 1)
    }

    /// Runs `body` on `count` new threads at once (not a pool's, which may run them one after
    /// the other) and waits for them.
    func onThreads(_ count: Int, _ body: @escaping @Sendable () -> Void) {
        final class Body: Sendable {
            let run: @Sendable () -> Void
            init(_ run: @escaping @Sendable () -> Void) { self.run = run }
        }
        let threads = (0..<count).map { _ in
            var thread = pthread_t()
            pthread_create(&thread, nil, { arg in
                Unmanaged<Body>.fromOpaque(arg!).takeRetainedValue().run()
                return nil
            }, Unmanaged.passRetained(Body(body)).toOpaque())
            return thread
        }
        for thread in threads { pthread_join(thread, nil) }
    }
}
