import Glibc
import Synchronization

// scripts/tsan.sh builds this with Lock.swift under ThreadSanitizer before it trusts a quiet
// run: two threads add to a counter a million times, through `Lock` (TSan must stay quiet),
// with no lock (TSan must report the race: the options still find races), or through
// Synchronization.Mutex (TSan reports races that are not there: why nextidfs uses Lock).
// Usage: canary lock|none|mutex

final class Counters: @unchecked Sendable {
    let lock = Lock(0)
    let mutex = Mutex(0)
    var bare = 0
    let mode = CommandLine.arguments.dropFirst().first ?? "lock"

    func add() {
        switch mode {
        case "none": bare += 1
        case "mutex": mutex.withLock { $0 += 1 }
        default: lock.withLock { $0 += 1 }
        }
    }
}

let counters = Counters()

/// A thread's work (outside main, which runs on the main actor).
func hammer(_: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    for _ in 0..<1_000_000 { counters.add() }
    return nil
}

@main struct Canary {
    static func main() {
        var threads = [pthread_t(), pthread_t()]
        for i in threads.indices { pthread_create(&threads[i], nil, hammer, nil) }
        for thread in threads { pthread_join(thread, nil) }
    }
}
