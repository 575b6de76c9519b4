/// What a pid namespace's own sys/kernel files show, for every namespace the machine keeps:
/// also one without tasks (its init died, or is dying), whose files nobody can read any more
/// and whose pid_max and cursor still decide what a fork into it gives (EINVAL above pid_max,
/// the cursor moving even when the fork then fails with ENOMEM). nextidfs shows them read-only
/// in `pid_namespaces` (a documented extension) so that a restore can reproduce them.
public struct PidNamespaceState: Sendable, Equatable, Hashable {
    /// Its `ns/pid` inode number.
    public var inode: UInt32
    /// The parent's inode number; 0 for the root namespace.
    public var parentInode: UInt32
    public var level: Int
    public var pidMax: Int
    /// ns_last_pid as its file shows it: the cursor minus one, -1 before the first automatic pid.
    public var lastPid: Int

    public init(inode: UInt32, parentInode: UInt32, level: Int, pidMax: Int, lastPid: Int) {
        (self.inode, self.parentInode, self.level, self.pidMax, self.lastPid) = (inode, parentInode, level, pidMax, lastPid)
    }
}

extension Machine {
    /// Every namespace something still holds, by inode number (creation order).
    func pidNamespaceStates() -> [PidNamespaceState] {
        pidNamespaces.filter(\.live).map { ns in
            PidNamespaceState(inode: ns.inode, parentInode: ns.parent < 0 ? 0 : pidNamespaces[Int(ns.parent)].inode, level: ns.level,
                              pidMax: ns.pidMax, lastPid: ns.lastPid)
        }.sorted { $0.inode < $1.inode }
    }
}

extension Kernel {
    /// Every pid namespace of the machine, dead and dying ones too, by inode number.
    public func pidNamespaceStates() -> [PidNamespaceState] {
        withMachine { $0.pidNamespaceStates() }
    }
}
