import Synchronization
import IdAllocators
/// The inodes the kernel holds and how many lookups it counts for each: every entry reply adds
/// one, FORGET takes its count back. Only what the kernel holds can be in its caches, so only
/// that needs an invalidation notice: the names of 200,000 tasks that ended together, never
/// looked up, need none.
final class LookupCounts: Sendable {
    private let counts = Lock<[UInt64: UInt64]>([:])

    /// One more lookup of each of `inodes` (an entry reply, or a READDIRPLUS's entries).
    func lookedUp(_ inodes: some Collection<UInt64>) {
        guard !inodes.isEmpty else { return }
        counts.withLock { counts in for inode in inodes { counts[inode, default: 0] += 1 } }
    }

    /// A reply that did not reach the kernel: its lookups back.
    func forget(_ inodes: some Collection<UInt64>) {
        guard !inodes.isEmpty else { return }
        counts.withLock { counts in for inode in inodes { Self.forget(inode, 1, in: &counts) } }
    }

    func forget(_ inode: UInt64, _ lookups: UInt64) {
        counts.withLock { Self.forget(inode, lookups, in: &$0) }
    }

    private static func forget(_ inode: UInt64, _ lookups: UInt64, in counts: inout [UInt64: UInt64]) {
        guard let n = counts[inode] else { return }
        counts[inode] = n > lookups ? n - lookups : nil
    }

    /// The part of `invalidation` the kernel may have cached (names and explicit inodes).
    func held(_ invalidation: Filesystem.Invalidation) -> Filesystem.Invalidation {
        guard !invalidation.inodes.isEmpty || !invalidation.names.isEmpty else { return invalidation }
        return counts.withLock { counts in
            Filesystem.Invalidation(inodes: invalidation.inodes.filter { counts[$0] != nil },
                                    names: invalidation.names.filter { counts[$0.child] != nil })
        }
    }

    var count: Int { counts.withLock { $0.count } }
}

/// The files whose attributes (size, version) the kernel was given to keep for a day since a
/// write last told it to forget them. After a write that ran anything, those of them any task
/// can change are told, once each: a file told and not asked again since has nothing to forget,
/// so a write costs one notice per file read since the last one, not one per file the kernel
/// holds. A reply rendered across a write (the epoch moved between the request's start and its
/// reply) is given with no cache time instead, as a write may have missed it.
final class GivenAttributes: Sendable {
    private let inodes = Lock<Set<UInt64>>([])
    /// Sweeps so far; moved only under `inodes`' lock, read without it when a request starts
    /// (every request does: an atomic load, no lock).
    private let sweeps = Atomic<UInt64>(0)

    /// Read when a request starts, before anything is rendered for it.
    var epoch: UInt64 { sweeps.load(ordering: .acquiring) }

    /// Whether `inode`'s attributes, rendered since `epoch`, may be kept for their full time.
    func give(_ inode: UInt64, since epoch: UInt64) -> Bool {
        guard GivenAttributes.anyTaskChanges(inode) else { return true }
        return inodes.withLock { inodes in
            guard sweeps.load(ordering: .relaxed) == epoch else { return false }
            inodes.insert(inode)
            return true
        }
    }

    /// After the machine changed: every file given since the last sweep, but `written` (the
    /// kernel forgot its attributes itself), to be told; none is given any more.
    func sweep(but written: UInt64) -> [UInt64] {
        inodes.withLock { inodes in
            sweeps.wrappingAdd(1, ordering: .releasing)
            let told = inodes
            inodes.removeAll(keepingCapacity: true)
            return told.filter { $0 != written }
        }
    }

    /// A regular file that follows the machine and that any task can change (not a thread's own
    /// ctl and next_id: only its own writes change them, and those tell them by name).
    static func anyTaskChanges(_ inode: UInt64) -> Bool {
        guard let kind = NodeRef(inode: inode)?.kind else { return false }
        return kind.spec.caching == .machine && kind.spec.type == .regular && !Filesystem.Invalidation.threadPrivate.contains(kind)
    }
}
