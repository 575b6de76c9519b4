import Foundation
import IdAllocators
import NextIdFS
@testable import Restore
import Testing

/// RESTORE_BIG=1: the benchmark's world (bench/clients/world.py: 10,000 processes in a
/// two-level tree, 10,000 queues) restored in process, each phase timed.
@Suite struct BigWorldTiming {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["RESTORE_BIG"] != nil))
    func benchmarkWorld() throws {
        var rng = Rng(seed: 1)
        let k = Kernel.ticking(pidMax: Limits.pidMaxLimit)
        var pids = Set<Int32>()
        while pids.count < 10_000 { pids.insert(Int32(rng.int(300...399_999))) }
        let all = Array(pids)
        let leaders = Array(all.prefix(100))
        for p in leaders { _ = k.call(.setNextId(PendingIds([p])), by: 1); _ = k.call(.fork, by: 1) }
        for (i, p) in all.dropFirst(100).enumerated() {
            let parent = leaders[i % 100]
            _ = k.call(.setNextId(PendingIds([p])), by: parent); _ = k.call(.fork, by: parent)
        }
        var idxs = Set<Int>()
        while idxs.count < 10_000 { idxs.insert(rng.int(0...32767)) }
        for (n, idx) in idxs.enumerated() {
            _ = k.call(.setNextId(PendingIds([Int32((rng.int(1...59) << 15) + idx)])), by: 1)
            _ = k.call(.ipcGet(IpcGetRequest(kind: .msg, key: Int32(0x10000 + n), flags: [.create, .exclusive, 0o600])), by: 1)
        }
        func time<T>(_ what: String, _ body: () throws -> T) rethrows -> T {
            let start = Date()
            let r = try body()
            print("\(what): \(String(format: "%.3f", Date().timeIntervalSince(start))) s")
            return r
        }
        let image = try time("dump") { try Dumper(tree: InProcessTree(Filesystem(kernel: k))).dump() }
        let text = time("image text") { ImageText.write(image) }
        if let path = ProcessInfo.processInfo.environment["RESTORE_BIG_IMAGE"] {
            _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        }
        let parsed = try time("image parse") { try ImageText.parse(text) }
        let plan = try time("plan") { try Planner.plan(parsed) }
        let program = time("render") { ProgramText.render(plan) }
        let writes = try time("program parse") { try ProgramText.parse(program) }
        let restored = Kernel.ticking()
        let failure = time("run") { ProgramRunner(Filesystem(kernel: restored)).run(writes) }
        #expect(failure == nil)
        print("program: \(program.utf8.count) bytes, \(writes.count) writes")
        #expect(k.snapshot().restorable == restored.snapshot().restorable)
    }
}
