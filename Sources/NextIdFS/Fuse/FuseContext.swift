import CFuse
import Dispatch
import Glibc
import IdAllocators
import Synchronization

/// What every request reaches through the session's userdata: the tree, and what the kernel's
/// caches hold of it (for invalidation notices).
final class FuseContext: Sendable {
    let filesystem: Filesystem
    /// The session, once created (for cache invalidation notices).
    let session = Atomic<Int>(0)
    /// Entry cache time: a day, as every change of a name is told (`invalidate`); none for what
    /// depends on who asks (the reader's own entry, self).
    static func entrySeconds(_ caching: NodeKind.Caching) -> Double { caching == .reader ? 0 : day }
    /// Attribute cache time: a day for what changes only by writes (they tell), none for what
    /// changes by itself (each read asks for the size, and the content when it changed) or with
    /// the reader.
    static func attributeSeconds(_ caching: NodeKind.Caching) -> Double {
        switch caching {
        case .machine, .constant: day
        case .live, .reader: 0
        }
    }
    static let day: Double = 86_400
    /// Whether the kernel sends OPEN and OPENDIR (set at INIT): only if it cannot do without.
    let opens = Atomic<Bool>(true)

    /// Cache invalidations run here, off the worker threads: a notice about a directory
    /// entry takes that directory's lock, which a lookup waiting for a worker may hold.
    let notifier = DispatchQueue(label: "nextidfs.invalidate")
    /// What the kernel holds: notices go only to that.
    let lookups = LookupCounts()
    /// The files whose attributes the kernel keeps: a write's sweep tells only those.
    let given = GivenAttributes()
    /// Name notices queued and not yet sent. Past `maxPendingNames` more are dropped: a name the
    /// kernel keeps for a task that ended answers ESTALE, so it looks the name up again anyway.
    let pendingNames = Atomic<Int>(0)
    static let maxPendingNames = 65_536

    init(filesystem: Filesystem) { self.filesystem = filesystem }

    /// Before the unmount: no more notices, and every queued one sent (the unmount closes the
    /// device they are written to, and the session goes after it).
    func detachSession() {
        session.store(0, ordering: .releasing)
        notifier.sync {}
    }

    /// Tells the kernel to forget what it holds of `invalidation` before the writer sees the
    /// result. Attributes are forgotten here, from the worker: that notice takes no lock a
    /// reader may hold, and the reader's next read then asks for the attributes and drops the
    /// pages whose size or version changed. Names go to the notifier thread (a name notice takes
    /// the directory's lock, which a lookup waiting for this very worker may hold), waited for a
    /// little so that the writer's next path lookup sees the change; a name the kernel still
    /// holds for an ended task leads to a node whose attributes are forgotten, and asking for
    /// them answers ESTALE, which makes the kernel look the path up again.
    func invalidate(_ invalidation: Filesystem.Invalidation) {
        let bits = session.load(ordering: .acquiring)
        guard bits != 0 else { return }
        var notices = lookups.held(invalidation)
        if invalidation.machineNodes {
            notices.inodes += given.sweep(but: invalidation.written, own: invalidation.own, named: invalidation.inodes)
        }
        let se = OpaquePointer(bitPattern: bits)
        for inode in notices.inodes { fuse_lowlevel_notify_inval_inode(se, inode, -1, 0) }
        if !notices.names.isEmpty,
           pendingNames.wrappingAdd(notices.names.count, ordering: .relaxed).newValue > FuseContext.maxPendingNames {
            pendingNames.wrappingSubtract(notices.names.count, ordering: .relaxed)
            notices.names = []
        }
        guard !notices.names.isEmpty else { return }
        let done = DispatchSemaphore(value: 0)
        notifier.async { [notices] in
            let se = OpaquePointer(bitPattern: bits)
            for entry in notices.names {
                _ = CChars.with(entry.name) { fuse_lowlevel_notify_inval_entry(se, entry.parent, $0, $1) }
            }
            self.pendingNames.wrappingSubtract(notices.names.count, ordering: .relaxed)
            done.signal()
        }
        _ = done.wait(timeout: .now() + .milliseconds(50))
    }

    /// The result of a write, once the kernel was told what to forget and, after many
    /// tasks were released at once (a pid namespace's init took its namespace with it), once
    /// their memory went back to the system: glibc keeps freed memory in the arena of the thread
    /// that freed it (each worker has its own) until malloc_trim.
    func settle<R>(_ body: () -> Filesystem.Settled<R>) -> R {
        // The notices' arrays are freed before the trim.
        let (result, released) = { () -> (R, Int) in
            let settled = body()
            invalidate(settled.invalidate)
            return (settled.result, settled.released)
        }()
        if released >= FuseContext.trimAfterReleased { malloc_trim(0) }
        return result
    }
    static let trimAfterReleased = 10_000

    func stat(_ a: NodeAttributes) -> stat {
        var st = Glibc.stat()
        st.st_ino = UInt(a.inode)
        let type: UInt32
        switch a.type {
        case .directory: type = 0o040000
        case .regular: type = 0o100000
        case .symlink: type = 0o120000
        }
        st.st_mode = type | a.permissions
        st.st_nlink = a.type == .directory ? 2 : 1
        st.st_uid = a.uid
        st.st_gid = a.gid
        st.st_size = Int(a.size)
        st.st_blksize = 4096
        // Timestamps of every node: when the simulated machine started (as its uptime counts),
        // and the content's version in the nanoseconds of mtime and ctime.
        st.st_atim.tv_sec = Int(filesystem.kernel.bootTime)
        st.st_mtim.tv_sec = Int(filesystem.kernel.bootTime)
        st.st_mtim.tv_nsec = Int(a.version % 1_000_000_000)
        st.st_ctim = st.st_mtim
        return st
    }
}
