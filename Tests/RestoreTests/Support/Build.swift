import Foundation
import IdAllocators
import NextIdFS
@testable import Restore
import Testing

/// Builds a world by ctl lines, as tests/restore/worlds/*.sh do through a mount.
struct Build {
    let kernel = Kernel.ticking()

    /// One ctl line by thread `tid`, which must succeed; returns its value.
    @discardableResult
    func c(_ tid: Int32, _ line: String, sourceLocation: SourceLocation = #_sourceLocation) -> Int64 {
        let outcome = kernel.run([CtlLanguage.parse(ArraySlice(Array(line.utf8)))], by: tid)
        if let e = outcome.failure { Issue.record("\(tid): '\(line)': \(e)", sourceLocation: sourceLocation) }
        return (try? kernel.lastResult(of: tid).get()).flatMap { $0 } ?? 0
    }

    /// The `c PID TID 'LINE'` commands of a fixed world script in tests/restore/worlds/, run in
    /// order (the same world the mount tests build).
    static func world(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Build {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../tests/restore/worlds")
        let text = try String(contentsOf: root.appendingPathComponent(name + ".sh"), encoding: .utf8)
        let w = Build()
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.hasPrefix(".") {
            let code = line.split(separator: "#", maxSplits: 1).first ?? ""
            for command in code.split(separator: ";") {
                let words = command.split(separator: " ", maxSplits: 3)
                guard words.count == 4, words[0] == "c", let tid = Int32(words[2]) else { continue }
                w.c(tid, words[3].trimmingCharacters(in: CharacterSet(charactersIn: "' ")), sourceLocation: sourceLocation)
            }
        }
        return w
    }

    /// Process 10 under init with a second thread 11: where the shapes of a process whose
    /// threads make children start.
    static func processWithThread() -> Build {
        let w = Build()
        w.c(1, "next_id LONG 10"); w.c(1, "fork"); w.c(10, "next_id LONG 11"); w.c(10, "clone thread")
        return w
    }

    /// Process 2 under init in the group of 3, the init of a pid namespace below: where the
    /// shapes of a membership by birth start.
    static func memberOfAGroupBelow() -> Build {
        let w = Build()
        w.c(1, "next_id LONG 2"); w.c(1, "fork")
        w.c(1, "next_id LONG2 1 3"); w.c(1, "clone newpid"); w.c(3, "setpgid 0 0")
        w.c(2, "setpgid 0 3")
        return w
    }

    /// The process groups of those of `tgids` that exist, in tgid order.
    func pgids(_ tgids: Set<Int32>) -> [Int32] {
        kernel.snapshot().processes.filter { tgids.contains($0.tgid) }.map(\.pgid)
    }

    func sysctl(_ name: SysctlName, _ value: Int64, of tgid: Int32? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        if case .failure(let e) = kernel.writeSysctl(name, value: value, as: tgid) {
            Issue.record("\(name.rawValue) \(value): \(e)", sourceLocation: sourceLocation)
        }
    }

    /// Restored in process, the whole state and the image equal afterwards.
    func expectRestored(sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(restore().why == nil, sourceLocation: sourceLocation)
    }

    /// Restored in process: nil, or what went wrong; the plan and the program.
    func restore() -> (why: String?, plan: Plan?, program: String) {
        var trip = RoundTrip(kernel)
        let why = trip.run()
        return (why, trip.image.flatMap { try? Planner.plan($0) }, trip.program)
    }
}

extension Plan {
    /// Every action of every batch, with the thread that does it.
    var actions: [(tid: Int32, action: Action)] {
        steps.flatMap { step -> [(tid: Int32, action: Action)] in
            guard case .ctl(let b) = step else { return [] }
            return b.actions.map { (b.tid, $0) }
        }
    }

    /// The root pids of the processes and threads it creates, in order.
    var created: [Int32] {
        actions.compactMap { if case .create(let pids, _) = $0.action { pids[0] } else { nil } }
    }

    /// Tasks it creates that are not in the world (helpers).
    func helpers(_ image: Image) -> [Int32] {
        let world = Set(image.processes.flatMap { $0.threads.map(\.tid) })
        return created.filter { !world.contains($0) }
    }
}
