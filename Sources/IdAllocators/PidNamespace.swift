/// A pid namespace (struct pid_namespace).
struct PidNamespace {
    var level: Int
    var parent: Int32
    /// Per-namespace pid_max (Linux 6.14+). A new namespace starts at PID_MAX_LIMIT, not at its
    /// parent's value: measured on this machine's 6.18 kernel (`unshare --pid` shows 4194304
    /// under a parent set to 500); the first contract said "inherited", the kernel wins
    /// (docs/interface.md §8.1).
    var pidMax: Int
    var idr: Idr
    /// The namespace's init once it has one; kept after the init died, as the kernel does.
    var childReaper: TaskIndex = noTask
    /// PIDNS_ADDING: cleared when the init dies; no pid is handed out afterwards (ENOMEM).
    var adding = true
    /// pid_allocated without the PIDNS_ADDING bit: pids of this namespace in use.
    var allocated = 0
    var inode: UInt32
    /// Holders: tasks with a pid here (through their own namespace), processes using it as
    /// pid_for_children, child namespaces. At zero the namespace is freed.
    var references = 0
    var live = true

    /// ns_last_pid as its file shows it (pid_ns_ctl_handler: the cursor minus one).
    var lastPid: Int { idr.cursor - 1 }

    init(level: Int, parent: Int32, pidMax: Int, inode: UInt32) {
        self.level = level
        self.parent = parent
        self.pidMax = pidMax
        self.idr = Idr(capacity: Limits.pidMaxLimit)
        self.inode = inode
    }
}

extension Machine {
    /// create_pid_namespace: a child of `parent`, or ENOSPC beyond MAX_PID_NS_LEVEL. The new
    /// namespace comes with one hold, the creator's, which it passes on or puts back.
    func createPidNamespace(parent: Int32) -> Result<Int32, Errno> {
        let level = pidNamespaces[Int(parent)].level + 1
        guard level <= Limits.maxPidNamespaceLevel else { return .failure(.ENOSPC) }
        var ns = PidNamespace(level: level, parent: parent, pidMax: Limits.pidMaxLimit, inode: allocateNamespaceInode())
        ns.references = 1
        let index: Int32
        if let free = freePidNamespaces.popLast() {
            index = free
            pidNamespaces[Int(index)] = ns
        } else {
            index = Int32(pidNamespaces.count)
            pidNamespaces.append(ns)
        }
        getPidNamespace(parent)
        return .success(index)
    }

    func getPidNamespace(_ ns: Int32) {
        pidNamespaces[Int(ns)].references += 1
    }

    /// put_pid_ns: the last holder gone frees the namespace and drops its hold on the parent.
    func putPidNamespace(_ ns: Int32) {
        var current = ns
        while current >= 0 {
            pidNamespaces[Int(current)].references -= 1
            guard pidNamespaces[Int(current)].references == 0, current != rootPidNamespace else { return }
            let parent = pidNamespaces[Int(current)].parent
            pidNamespaces[Int(current)].live = false
            pidNamespaces[Int(current)].idr = Idr(capacity: IdPage.size)  // drop the pages
            freePidNamespaces.append(current)
            current = parent
        }
    }

    /// The namespaces from `ns` up to the root, `ns` first.
    func pidNamespaceChain(from ns: Int32) -> [Int32] {
        var chain: [Int32] = []
        var current = ns
        while current >= 0 {
            chain.append(current)
            current = pidNamespaces[Int(current)].parent
        }
        return chain
    }

    func allocateNamespaceInode() -> UInt32 {
        defer { nextNamespaceInode &+= 1 }
        return nextNamespaceInode
    }
}
