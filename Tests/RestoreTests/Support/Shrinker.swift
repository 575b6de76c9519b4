import IdAllocators
import NextIdFS
@testable import Restore

/// One thing the generator did to its kernel.
enum GeneratorOp {
    case call(Int32, Syscall)
    case sysctl(SysctlName, Int64, Int32?)
}

/// The generator's operations, in order.
final class GeneratorLog { var ops: [GeneratorOp] = [] }

/// Shrinks a generated world to fewer operations whose restore still fails the same way: the
/// operations are run again on a fresh kernel without a chunk of them (a call by a task that
/// no longer exists fails and changes nothing), halving the chunks down to one operation.
enum Shrinker {
    static func operations(seed: UInt64) -> [GeneratorOp] {
        var g = WorldGenerator(seed: seed)
        g.log = GeneratorLog()
        g.build()
        return g.log!.ops
    }

    /// The operations run on a fresh kernel. A task an operation names is the one the same
    /// creation made in the generator's run (`created`), so that an operation left out does
    /// not move later ones onto other tasks; an operation of a task not made is left out.
    static func run(_ ops: [(op: GeneratorOp, made: Int32?)]) -> Kernel {
        let k = Kernel.ticking()
        var now: [Int32: Int32] = [1: 1]
        for (op, made) in ops {
            switch op {
            case .call(let t, let s):
                guard let actor = now[t] else { continue }
                let before = made.map { _ in Set(k.allThreads(from: 0, limit: Int.max).map(\.tid)) }
                _ = k.call(s, by: actor)
                if let made, let before, let new = k.allThreads(from: 0, limit: Int.max).map(\.tid).first(where: { !before.contains($0) }) {
                    now[made] = new
                }
            case .sysctl(let name, let value, let tgid):
                guard let g = tgid.map({ now[$0] }) else { _ = k.writeSysctl(name, value: value, as: nil); continue }
                if let g { _ = k.writeSysctl(name, value: value, as: g) }
            }
        }
        return k
    }

    /// Each operation with the task it made in the generator's run.
    static func created(_ ops: [GeneratorOp]) -> [(op: GeneratorOp, made: Int32?)] {
        let k = Kernel.ticking()
        var out: [(op: GeneratorOp, made: Int32?)] = []
        for op in ops {
            let before = Set(k.allThreads(from: 0, limit: Int.max).map(\.tid))
            switch op {
            case .call(let t, let s): _ = k.call(s, by: t)
            case .sysctl(let name, let value, let tgid): _ = k.writeSysctl(name, value: value, as: tgid)
            }
            out.append((op, k.allThreads(from: 0, limit: Int.max).map(\.tid).first { !before.contains($0) }))
        }
        return out
    }

    /// What goes wrong when the world is restored (the dump refused, the plan refused, a step
    /// failed, a state differs), its numbers written N so that a smaller world can fail the
    /// same way; nil when it restores.
    static func failure(_ k: Kernel) -> String? {
        var trip = RoundTrip(k)
        guard let why = trip.run(), !why.hasPrefix("dump") else { return nil }
        return why.replacing(/[0-9]+/, with: "N")
    }

    static func shrink<Op>(_ ops: [Op], while fails: ([Op]) -> Bool) -> [Op] {
        var ops = ops
        var chunk = max(ops.count / 2, 1)
        while true {
            var i = 0
            var removed = false
            while i < ops.count {
                var fewer = ops
                fewer.removeSubrange(i..<min(i + chunk, ops.count))
                if fails(fewer) { ops = fewer; removed = true } else { i += chunk }
            }
            if chunk == 1 && !removed { return ops }
            chunk = max(chunk / 2, 1)
        }
    }
}
