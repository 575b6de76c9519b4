/// Flags of the simulated clone (docs/interface.md §4.2: `clone [newpid] [newipc] [thread]`).
public struct CloneFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let newPid = CloneFlags(rawValue: 1)
    public static let newIpc = CloneFlags(rawValue: 2)
    public static let thread = CloneFlags(rawValue: 4)
}

/// copy_process (kernel/fork.c): fork, clone and clone-thread, with the kernel's checks in the
/// kernel's order.
extension Machine {
    /// Creates a task on behalf of thread `actor`; returns the child's pid in the actor's own pid
    /// namespace (what fork/clone return).
    func copyProcess(actor: TaskIndex, flags: CloneFlags) -> Result<Int64, Errno> {
        let process = groupLeader(actor)
        let active = activeNamespace(of: actor)
        let forChildren = tasks[Int(process)].pidForChildren
        let uid = tasks[Int(process)].uid

        // A thread shares its creator's namespaces and semaphore undo list: CLONE_THREAD with
        // CLONE_NEWPID, or with CLONE_NEWIPC (which clashes with CLONE_SYSVSEM), is an invalid
        // argument and leaves the pending ids alone. The errno follows the kernel's order of
        // checks: the namespace of a new thread, then the capability, then the clash.
        if flags.contains(.thread) && !flags.isDisjoint(with: [.newPid, .newIpc]) {
            if flags.contains(.newPid) || active != forChildren { return .failure(.EINVAL) }
            return .failure(uid == 0 ? .EINVAL : .EPERM)
        }
        let setTid = takePendingIds(of: actor) ?? []

        // A new thread must land in its group's own namespace.
        if flags.contains(.thread) && active != forChildren { return .failure(.EINVAL) }
        if !flags.isDisjoint(with: [.newPid, .newIpc]) && uid != 0 { return .failure(.EPERM) }

        var childNamespace = forChildren
        var createdNamespace: Int32? = nil
        if flags.contains(.newPid) {
            // copy_pid_ns: only from a task whose pid_for_children is its own namespace.
            guard active == forChildren else { return .failure(.EINVAL) }
            switch createPidNamespace(parent: forChildren) {
            case .failure(let e): return .failure(e)
            case .success(let ns):
                createdNamespace = ns
                childNamespace = ns
            }
        }

        let allocation = allocPid(in: childNamespace, setTid: setTid, uid: uid)
        // The creator's hold on a namespace it made passes to nobody: the pid holds its own.
        if let created = createdNamespace { putPidNamespace(created) }
        let pid: PidIndex
        switch allocation {
        case .failure(let e): return .failure(e)
        case .success(let p): pid = p
        }

        let slot = newTaskSlot()
        forks += 1
        var child = Task(
            serial: takeSerial(), pid: pid, leader: noTask,
            comm: tasks[Int(actor)].comm, startTime: ticks(),
            pidForChildren: childNamespace, ipcNamespace: tasks[Int(process)].ipcNamespace,
            uid: uid, gid: tasks[Int(process)].gid)
        pids[Int(pid)].task = slot

        if flags.contains(.thread) {
            child.leader = process
            child.parent = noTask
            tasks[Int(slot)] = child
            linkThread(slot, into: process)
        } else {
            if flags.contains(.newIpc) { child.ipcNamespace = createIpcNamespace() }
            ipcNamespaces[Int(child.ipcNamespace)].references += 1
            getPidNamespace(childNamespace)  // as pid_for_children
            child.lastThread = slot
            // The signal disposition is copied; session leadership is not inherited.
            child.ignoresSigchld = tasks[Int(process)].ignoresSigchld
            tasks[Int(slot)] = child
            changeSession(of: slot, to: tasks[Int(process)].session)
            changeGroup(of: slot, to: tasks[Int(process)].pgrp)
            linkChild(slot, toParent: actor)
        }
        // is_child_reaper: the task that takes pid 1 becomes its namespace's init.
        let numbers = pids[Int(pid)].numbers
        if numbers.innermost == 1 { pidNamespaces[Int(childNamespace)].childReaper = slot }

        return .success(Int64(numbers[pidNamespaces[Int(active)].level]))
    }

    /// Appends thread `t` to the thread list of `leader`.
    func linkThread(_ t: TaskIndex, into leader: TaskIndex) {
        let last = tasks[Int(leader)].lastThread
        tasks[Int(last)].nextThread = t
        tasks[Int(t)].prevThread = last
        tasks[Int(t)].nextThread = noTask
        tasks[Int(leader)].lastThread = t
        tasks[Int(leader)].threadCount += 1
    }

    /// Appends process `child` to the children list of thread `parent` (list_add_tail).
    func linkChild(_ child: TaskIndex, toParent parent: TaskIndex) {
        tasks[Int(child)].parent = parent
        tasks[Int(child)].nextSibling = noTask
        let last = tasks[Int(parent)].lastChild
        tasks[Int(child)].prevSibling = last
        if last == noTask { tasks[Int(parent)].firstChild = child } else { tasks[Int(last)].nextSibling = child }
        tasks[Int(parent)].lastChild = child
    }

    func unlinkChild(_ child: TaskIndex) {
        let parent = tasks[Int(child)].parent
        guard parent != noTask else { return }
        let prev = tasks[Int(child)].prevSibling
        let next = tasks[Int(child)].nextSibling
        if prev == noTask { tasks[Int(parent)].firstChild = next } else { tasks[Int(prev)].nextSibling = next }
        if next == noTask { tasks[Int(parent)].lastChild = prev } else { tasks[Int(next)].prevSibling = prev }
        tasks[Int(child)].parent = noTask
        tasks[Int(child)].prevSibling = noTask
        tasks[Int(child)].nextSibling = noTask
    }
}
