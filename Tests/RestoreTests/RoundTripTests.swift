import Foundation
import IdAllocators
import NextIdFS
@testable import Restore
import Testing

/// Random worlds (the Swift port of genworld.py) restored in process: every one, the whole
/// state equal afterwards, and the same random operations then give the same results on both.
@Suite struct RoundTripTests {
    static var worlds: Int { Int(ProcessInfo.processInfo.environment["RESTORE_WORLDS"] ?? "") ?? 300 }
    static var firstSeed: UInt64 { UInt64(ProcessInfo.processInfo.environment["RESTORE_SEED"] ?? "") ?? 1 }

    @Test func randomWorldsRestoreToTheSameState() {
        var failures: [String] = []
        for i in 0..<Self.worlds {
            let seed = Self.firstSeed * 1_000_000 + UInt64(i)
            if ProcessInfo.processInfo.environment["RESTORE_VERBOSE"] != nil { FileHandle.standardError.write(Data("world seed \(seed)\n".utf8)) }
            var trip = RoundTrip(WorldGenerator.world(seed: seed))
            if let why = trip.run() {
                failures.append("seed \(seed): \(why)")
                continue
            }
            var future = FutureOperations(seed: seed, original: trip.original, restored: trip.restored)
            if let why = future.run(count: 60) { failures.append("seed \(seed): future: \(why)") }
        }
        for f in failures.prefix(20) { print(f) }
        #expect(failures.isEmpty, "\(failures.count) of \(Self.worlds) worlds")
    }
}

/// RESTORE_DEBUG_SEED=S: one world's image, program and outcome, printed.
@Suite struct RoundTripDebug {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["RESTORE_DEBUG_SEED"] != nil))
    func debugOneWorld() throws {
        let seed = UInt64(ProcessInfo.processInfo.environment["RESTORE_DEBUG_SEED"]!)!
        var trip = RoundTrip(WorldGenerator.world(seed: seed))
        let why = trip.run()
        print("== image\n" + (trip.image.map(ImageText.write) ?? "none"))
        print("== program\n" + trip.program)
        if let again = try? Dumper(tree: InProcessTree(Filesystem(kernel: trip.restored))).dump() {
            print("== restored image\n" + ImageText.write(again))
        }
        print("== outcome: \(why ?? "ok")")
    }
}

/// RESTORE_SHRINK_SEED=S: the world of seed S shrunk to the fewest generator operations whose
/// world still fails to restore the same way; they are printed, then its image.
@Suite struct WorldShrink {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["RESTORE_SHRINK_SEED"] != nil))
    func shrinkOneWorld() throws {
        let seed = UInt64(ProcessInfo.processInfo.environment["RESTORE_SHRINK_SEED"]!)!
        let ops = Shrinker.created(Shrinker.operations(seed: seed))
        let reason = try #require(Shrinker.failure(Shrinker.run(ops)), "world \(seed) restores")
        let small = Shrinker.shrink(ops) { Shrinker.failure(Shrinker.run($0)) == reason }
        print("== \(ops.count) operations -> \(small.count): \(reason)")
        for (op, made) in small { print(op, made.map { "makes \($0)" } ?? "") }
        let image = try Dumper(tree: InProcessTree(Filesystem(kernel: Shrinker.run(small)))).dump()
        print("== image\n" + ImageText.write(image))
    }
}

/// RESTORE_DIGEST=N: a digest of the programs of N worlds (a refactoring that should not change
/// any plan must not change it).
@Suite struct ProgramDigest {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["RESTORE_DIGEST"] != nil))
    func digest() throws {
        var h: UInt64 = 1469598103934665603
        for i in 0..<Int(ProcessInfo.processInfo.environment["RESTORE_DIGEST"]!)! {
            let k = WorldGenerator.world(seed: 9_000_000 + UInt64(i))
            let image = try Dumper(tree: InProcessTree(Filesystem(kernel: k))).dump()
            for b in ProgramText.render(try Planner.plan(image)).utf8 { h = (h ^ UInt64(b)) &* 1099511628211 }
        }
        print("program digest: \(String(h, radix: 16))")
    }
}
