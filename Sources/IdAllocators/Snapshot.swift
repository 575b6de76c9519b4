/// The whole state of a machine in a canonical, comparable form: two machines with equal
/// snapshots give the same results to every later operation. Namespaces are named by their
/// place in the world, not by inode number (which differs between two machines built alike).
public struct MachineSnapshot: Sendable, Equatable {
    public var pidNamespaces: [PidNamespace]
    public var ipcNamespaces: [IpcNamespace]
    /// By root tgid.
    public var processes: [Process]

    /// A pid namespace: named after the root pid of its init, or, when no task is in it (never
    /// had an init, or its init died), after the process whose pid_for_children it is.
    public enum PidNamespaceName: Sendable, Hashable, Comparable, CustomStringConvertible {
        case initPid(Int32)
        case pidForChildren(of: Int32)

        public var description: String {
            switch self {
            case .initPid(let p): "p\(p)"
            case .pidForChildren(let g): "pfc(\(g))"
            }
        }
    }

    /// An IPC namespace: the machine's root one, or named after its smallest member tgid.
    public enum IpcNamespaceName: Sendable, Hashable, Comparable, CustomStringConvertible {
        case root
        case member(Int32)

        public var description: String {
            switch self {
            case .root: "root"
            case .member(let g): "i\(g)"
            }
        }
    }

    public struct PidNamespace: Sendable, Equatable {
        public var name: PidNamespaceName
        public var parent: PidNamespaceName?
        public var level: Int
        public var pidMax: Int
        public var cursor: Int
        /// False once its init has died (PIDNS_ADDING cleared).
        public var acceptsTasks: Bool
        public var hadInit: Bool
    }

    public struct IpcNamespace: Sendable, Equatable {
        public var name: IpcNamespaceName
        /// msg, sem, shm.
        public var nextIds: [Int]
        public var allocators: [IpcAllocatorState]
        /// msg, sem, shm tables, by idx.
        public var objects: [[IpcObjectView]]
        public var usedSems: Int
        public var shmPages: UInt64
    }

    public struct Process: Sendable, Equatable {
        public var tgid: Int32
        public var pidNamespace: PidNamespaceName
        public var pidForChildren: PidNamespaceName
        public var ipcNamespace: IpcNamespaceName
        public var uid: UInt32
        public var gid: UInt32
        /// The root tid of the thread that is its parent; 0 for the root init.
        public var parentTid: Int32
        /// Leader first, then in creation order (the kernel's thread list).
        public var threads: [Thread]
    }

    public struct Thread: Sendable, Equatable {
        public var tid: Int32
        /// Root namespace first.
        public var pids: [Int32]
        public var comm: [UInt8]
        public var pendingIds: [Int32]?
        /// Root pids, in the kernel's order.
        public var children: [Int32]
        /// The ctl read-back (nil before any command).
        public var lastResult: Int64?
        public var startTime: UInt64
    }
}

extension Machine {
    func snapshot() -> MachineSnapshot {
        var leaders: [TaskIndex] = []
        pidNamespaces[Int(rootPidNamespace)].idr.forEach { _, t in
            if tasks[Int(t)].isLeader { leaders.append(t) }
        }
        let pidNames = pidNamespaceNames(leaders)
        let ipcNames = ipcNamespaceNames(leaders)

        var snap = MachineSnapshot(pidNamespaces: [], ipcNamespaces: [], processes: [])
        for (index, name) in pidNames.sorted(by: { $0.value < $1.value }) {
            let ns = pidNamespaces[Int(index)]
            snap.pidNamespaces.append(MachineSnapshot.PidNamespace(
                name: name, parent: ns.parent < 0 ? nil : pidNames[ns.parent], level: ns.level, pidMax: ns.pidMax,
                cursor: ns.idr.cursor, acceptsTasks: ns.adding, hadInit: ns.childReaper != noTask))
        }
        for (index, name) in ipcNames.sorted(by: { $0.value < $1.value }) {
            let ns = ipcNamespaces[Int(index)]
            snap.ipcNamespaces.append(MachineSnapshot.IpcNamespace(
                name: name, nextIds: ns.ids.map(\.nextId), allocators: ipcAllocators(namespace: index),
                objects: IpcKind.allCases.map { ipcTable($0, namespace: index) }, usedSems: ns.usedSems,
                shmPages: ns.shmPages))
        }
        for leader in leaders {
            let p = tasks[Int(leader)]
            let threads = self.threads(ofLeader: leader).map { t in
                let task = tasks[Int(t)]
                return MachineSnapshot.Thread(
                    tid: task.numbers.root, pids: task.numbers.all, comm: task.comm.bytes,
                    pendingIds: pendingIds(of: t), children: children(ofThread: t).map { tasks[Int($0)].numbers.root },
                    lastResult: task.lastResult == Task.noResult ? nil : task.lastResult, startTime: task.startTime)
            }
            snap.processes.append(MachineSnapshot.Process(
                tgid: p.numbers.root, pidNamespace: pidNames[p.pidNamespace]!, pidForChildren: pidNames[p.pidForChildren]!,
                ipcNamespace: ipcNames[p.ipcNamespace]!, uid: p.uid, gid: p.gid,
                parentTid: p.parent == noTask ? 0 : tasks[Int(p.parent)].numbers.root, threads: threads))
        }
        return snap
    }

    /// Every pid namespace a live process uses, with its canonical name.
    private func pidNamespaceNames(_ leaders: [TaskIndex]) -> [Int32: MachineSnapshot.PidNamespaceName] {
        var names: [Int32: MachineSnapshot.PidNamespaceName] = [:]
        for leader in leaders where tasks[Int(leader)].numbers.innermost == 1 {
            names[tasks[Int(leader)].pidNamespace] = .initPid(tasks[Int(leader)].numbers.root)
        }
        for leader in leaders where names[tasks[Int(leader)].pidForChildren] == nil {
            names[tasks[Int(leader)].pidForChildren] = .pidForChildren(of: tasks[Int(leader)].numbers.root)
        }
        return names
    }

    private func ipcNamespaceNames(_ leaders: [TaskIndex]) -> [Int32: MachineSnapshot.IpcNamespaceName] {
        var names: [Int32: MachineSnapshot.IpcNamespaceName] = [rootIpcNamespace: .root]
        for leader in leaders where names[tasks[Int(leader)].ipcNamespace] == nil {
            names[tasks[Int(leader)].ipcNamespace] = .member(tasks[Int(leader)].numbers.root)
        }
        return names
    }
}

extension Kernel {
    /// The whole machine, canonically (see `MachineSnapshot`).
    public func snapshot() -> MachineSnapshot {
        withMachine { $0.snapshot() }
    }
}
