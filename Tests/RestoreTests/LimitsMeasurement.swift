import Foundation
import IdAllocators
@testable import Restore
import Testing

/// RESTORE_LIMITS=N: over N random worlds, how often each thing a restore leaves different
/// differs (docs/restore.md, known limits): the numbers there come from here.
@Suite struct LimitsMeasurement {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["RESTORE_LIMITS"] != nil))
    func measure() {
        let n = Int(ProcessInfo.processInfo.environment["RESTORE_LIMITS"]!)!
        var counts: [String: Int] = [:]
        var objects = 0, threads = 0
        for i in 0..<n {
            var trip = RoundTrip(WorldGenerator.world(seed: 7_000_000 + UInt64(i)))
            if let why = trip.run() {
                counts["not restored", default: 0] += 1
                print("not restored: world \(7_000_000 + UInt64(i)): \(why)")
                continue
            }
            let a = trip.original.snapshot(), b = trip.restored.snapshot()
            threads += a.processes.reduce(0) { $0 + $1.threads.count }
            func differs(_ what: String, _ d: Bool) { if d { counts[what, default: 0] += 1 } }
            let shmA = a.ipcNamespaces.flatMap { $0.objects[2] }, shmB = b.ipcNamespaces.flatMap { $0.objects[2] }
            objects += a.ipcNamespaces.reduce(0) { $0 + $1.objects.reduce(0) { $0 + $1.count } }
            differs("shm cpid", zip(shmA, shmB).contains { $0.creatorPid != $1.creatorPid })
            let tA = a.processes.flatMap(\.threads), tB = b.processes.flatMap(\.threads)
            differs("ctl read-back", zip(tA, tB).contains { $0.lastResult != $1.lastResult })
            differs("start time", zip(tA, tB).contains { $0.startTime != $1.startTime })
            let deadA = a.pidNamespaces.filter { !$0.acceptsTasks }, deadB = b.pidNamespaces.filter { !$0.acceptsTasks }
            differs("dead pid namespace pid_max", zip(deadA, deadB).contains { $0.pidMax != $1.pidMax })
            differs("dead pid namespace cursor", zip(deadA, deadB).contains { $0.cursor != $1.cursor })
            differs("worlds with a dead pid namespace", !deadA.isEmpty)
            let tgids = Set(a.processes.map(\.tgid))
            differs("worlds with zombies", a.processes.contains { $0.state == .zombie })
            differs("worlds with sessions other than 1", a.processes.contains { $0.sid != 1 })
            differs("worlds with a group whose leader is gone", a.processes.contains { !tgids.contains($0.pgid) })
            let goneSession = a.processes.filter { !tgids.contains($0.sid) }
            differs("worlds with a session whose leader is gone", !goneSession.isEmpty)
            differs("worlds with a session whose leader is gone, in a nested pid namespace", goneSession.contains(where: { $0.pidNamespace != .initPid(1) }))
            let dying = a.processes.filter { $0.state == .dying }
            differs("worlds with a dying init", !dying.isEmpty)
            differs("worlds with two dying inits or more", dying.count > 1)
            differs("worlds with a dying init killed by another", dying.contains { $0.exitCode == 9 })
            if let image = trip.image, let facts = try? Facts(image) {
                // (neither the root group nor its parent's own: its maker joined the group first)
                differs("worlds with a member of another's group by birth", facts.tgids.contains { g in
                    guard let group = facts.birthGroup(g) else { return false }
                    return group != 1 && group != facts.parentGroup(g)
                })
            }
            var future = FutureOperations(seed: 7_000_000 + UInt64(i), original: trip.original, restored: trip.restored)
            if let why = future.run(count: 60) {
                counts["futures differ", default: 0] += 1
                print("future differs: world \(7_000_000 + UInt64(i)): \(why)")
            }
            differs("worlds with a zombie session leader", a.processes.contains(where: { $0.state == .zombie && $0.sid == $0.tgid }))
        }
        print("limits over \(n) worlds (\(threads) threads, \(objects) IPC objects): \(counts.sorted { $0.key < $1.key })")
    }
}
