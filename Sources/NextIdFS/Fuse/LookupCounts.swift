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

/// The files whose attributes (size, version) the kernel was given to keep for a day since it
/// last forgot them. After a write that ran anything, those of them any task can change are told,
/// once each: a file told and not asked again since has nothing to forget, so a write costs one
/// notice per file read since the last one, not one per file the kernel holds. A thread's own ctl
/// and next_id are told only when its own lines changed them (a fork consumes the pending ids),
/// and only if given since the kernel last forgot them: the write that set the ids made the kernel
/// forget next_id's size and version itself, so a `next_id` + `fork` pair needs no notice unless
/// someone read next_id in between. A reply rendered across a write (the epoch moved between the
/// request's start and its reply) is given with no cache time instead, as a write may have missed it.
final class GivenAttributes: Sendable {
    private struct Given {
        /// Files any task can change.
        var shared: Set<UInt64> = []
        /// Threads' own ctl and next_id.
        var own: Set<UInt64> = []
    }

    private let given = Lock<Given>(Given())
    /// Sweeps so far; moved only under `given`'s lock, read without it when a request starts
    /// (every request does: an atomic load, no lock).
    private let sweeps = Atomic<UInt64>(0)

    /// Read when a request starts, before anything is rendered for it.
    var epoch: UInt64 { sweeps.load(ordering: .acquiring) }

    /// Whether `inode`'s attributes, rendered since `epoch`, may be kept for their full time.
    func give(_ inode: UInt64, since epoch: UInt64) -> Bool {
        guard let kept = GivenAttributes.kept(inode) else { return true }
        return given.withLock { given in
            guard sweeps.load(ordering: .relaxed) == epoch else { return false }
            switch kept {
            case .shared: given.shared.insert(inode)
            case .own: given.own.insert(inode)
            }
            return true
        }
    }

    /// After the machine changed: every shared file given since the last sweep, but `written`
    /// (the kernel forgot its attributes itself), and of `own` (the writer's own files its lines
    /// changed) those given since they were last told; none of them is given any more, nor
    /// `named` (told anyway: the files of tasks that ended).
    func sweep(but written: UInt64, own: [UInt64] = [], named: [UInt64] = []) -> [UInt64] {
        given.withLock { given in
            sweeps.wrappingAdd(1, ordering: .releasing)
            var told: [UInt64] = given.shared.filter { $0 != written }
            given.shared.removeAll(keepingCapacity: true)
            for inode in own where given.own.remove(inode) != nil { told.append(inode) }
            if !given.own.isEmpty { for inode in named { given.own.remove(inode) } }
            return told
        }
    }

    enum Kept { case shared, own }

    /// Which files the kernel keeps attributes of that a write may change: regular files that
    /// follow the machine, any task's (`.shared`) or a thread's own ctl and next_id (`.own`);
    /// nil for the rest.
    static func kept(_ inode: UInt64) -> Kept? {
        guard let kind = NodeRef(inode: inode)?.kind, kind.spec.caching == .machine, kind.spec.type == .regular else { return nil }
        return Filesystem.Invalidation.threadPrivate.contains(kind) ? .own : .shared
    }
}
