import IdAllocators
/// The inodes the kernel holds and how many lookups it counts for each: every entry reply adds
/// one, FORGET takes its count back. Only what the kernel holds can be in its caches, so only
/// that needs an invalidation notice: the names of 200,000 tasks that ended together, never
/// looked up, need none.
final class LookupCounts: Sendable {
    private let counts = Lock<[UInt64: UInt64]>([:])

    func lookedUp(_ inode: UInt64) {
        counts.withLock { $0[inode, default: 0] += 1 }
    }

    func forget(_ inode: UInt64, _ lookups: UInt64) {
        counts.withLock { counts in
            guard let n = counts[inode] else { return }
            counts[inode] = n > lookups ? n - lookups : nil
        }
    }

    /// The part of `invalidation` the kernel may have cached.
    func held(_ invalidation: Filesystem.Invalidation) -> Filesystem.Invalidation {
        guard !invalidation.isEmpty else { return invalidation }
        return counts.withLock { counts in
            var inodes = invalidation.inodes.filter { counts[$0] != nil }
            if invalidation.machineNodes {
                inodes += counts.keys.filter { inode in
                    guard inode != invalidation.written, let kind = NodeRef(inode: inode)?.kind else { return false }
                    return kind.spec.caching == .machine && kind.spec.type == .regular
                        && !Filesystem.Invalidation.threadPrivate.contains(kind)
                }
            }
            return Filesystem.Invalidation(inodes: inodes, names: invalidation.names.filter { counts[$0.child] != nil })
        }
    }

    var count: Int { counts.withLock { $0.count } }
}
