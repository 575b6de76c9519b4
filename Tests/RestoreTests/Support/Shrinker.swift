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

    static func run(_ ops: [GeneratorOp]) -> Kernel {
        let k = Kernel.ticking()
        for op in ops {
            switch op {
            case .call(let t, let s): _ = k.call(s, by: t)
            case .sysctl(let name, let value, let tgid): _ = k.writeSysctl(name, value: value, as: tgid)
            }
        }
        return k
    }

    /// What goes wrong when the world is restored (the dump refused, the plan refused, a step
    /// failed, a state differs), its numbers written N so that a smaller world can fail the
    /// same way; nil when it restores.
    static func failure(_ k: Kernel) -> String? {
        var trip = RoundTrip(k)
        guard let why = trip.run(), !why.hasPrefix("dump") else { return nil }
        return why.replacing(/[0-9]+/, with: "N")
    }

    static func shrink(_ ops: [GeneratorOp], while fails: ([GeneratorOp]) -> Bool) -> [GeneratorOp] {
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
