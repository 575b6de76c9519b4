/// Index of a struct pid in `Machine.pids`; `noPid` where there is none.
typealias PidIndex = Int32
let noPid: PidIndex = -1

/// struct pid (kernel/pid.c): one number per level, from the namespace it was allocated in up
/// to the root, and what is attached to it. Its numbers stay taken in every level's idr while
/// anything is attached: the task that has it as pid (until it is reaped, so a zombie holds
/// it), and the processes that have it as process group or session id. A dead leader's pid is
/// therefore not reused while its group or session lives on, for automatic allocation and
/// for forced ids (EEXIST) alike.
struct Pid {
    var numbers: PidNumbers
    /// ns_of_pid: the innermost namespace.
    var namespace: Int32
    /// PIDTYPE_PID (and PIDTYPE_TGID for a leader): the task, until it is released.
    var task: TaskIndex = noTask
    /// PIDTYPE_PGID: processes whose process group this is.
    var groupMembers: Int32 = 0
    /// PIDTYPE_SID: processes whose session this is.
    var sessionMembers: Int32 = 0
    /// The session of the group's members while it has any: a group never spans sessions
    /// (setpgid joins only a group of the caller's session, setsid leaves the group).
    var groupSession: PidIndex = noPid

    var isAttached: Bool { task != noTask || groupMembers > 0 || sessionMembers > 0 }
}

extension Machine {
    func numbers(of t: TaskIndex) -> PidNumbers { pids[Int(tasks[Int(t)].pid)].numbers }

    /// task_active_pid_ns.
    func activeNamespace(of t: TaskIndex) -> Int32 { pids[Int(tasks[Int(t)].pid)].namespace }

    /// find_vpid: the struct pid with number `nr` in namespace `ns`.
    func findPid(_ nr: Int32, in ns: Int32) -> PidIndex? {
        pidNamespaces[Int(ns)].idr.value(at: Int(nr))
    }

    /// find_task_by_pid_ns: the task whose pid in `ns` is `nr`.
    func findTask(_ nr: Int32, in ns: Int32) -> TaskIndex? {
        guard let p = findPid(nr, in: ns), pids[Int(p)].task != noTask else { return nil }
        return pids[Int(p)].task
    }

    /// pid_nr_ns: the number of `p` in namespace `ns`, 0 when it has none there.
    func number(of p: PidIndex, in ns: Int32) -> Int32 {
        let pid = pids[Int(p)]
        let level = pidNamespaces[Int(ns)].level
        guard level <= pid.numbers.level else { return 0 }
        var current = pid.namespace
        for _ in 0..<(pid.numbers.level - level) { current = pidNamespaces[Int(current)].parent }
        return current == ns ? pid.numbers[level] : 0
    }

    /// detach_pid(PIDTYPE_PID): the task is released; its pid goes unless a group or session
    /// still uses it.
    func detachTask(from p: PidIndex) {
        pids[Int(p)].task = noTask
        freeIfUnattached(p)
    }

    /// change_pid(PIDTYPE_PGID) of process `leader` (nil: detach only).
    func changeGroup(of leader: TaskIndex, to new: PidIndex?) {
        let old = tasks[Int(leader)].pgrp
        if let new {
            if pids[Int(new)].groupMembers == 0 { pids[Int(new)].groupSession = tasks[Int(leader)].session }
            pids[Int(new)].groupMembers += 1
        }
        tasks[Int(leader)].pgrp = new ?? noPid
        guard old != noPid else { return }
        pids[Int(old)].groupMembers -= 1
        if pids[Int(old)].groupMembers == 0 { pids[Int(old)].groupSession = noPid }
        freeIfUnattached(old)
    }

    /// change_pid(PIDTYPE_SID) of process `leader` (nil: detach only).
    func changeSession(of leader: TaskIndex, to new: PidIndex?) {
        let old = tasks[Int(leader)].session
        if let new { pids[Int(new)].sessionMembers += 1 }
        tasks[Int(leader)].session = new ?? noPid
        guard old != noPid else { return }
        pids[Int(old)].sessionMembers -= 1
        freeIfUnattached(old)
    }

    /// free_pid once nothing is attached: its numbers leave every level's idr.
    func freeIfUnattached(_ p: PidIndex) {
        guard !pids[Int(p)].isAttached else { return }
        let pid = pids[Int(p)]
        var current = pid.namespace
        for i in stride(from: pid.numbers.level, through: 0, by: -1) {
            pidNamespaces[Int(current)].idr.remove(Int(pid.numbers[i]))
            pidNamespaces[Int(current)].allocated -= 1
            // The last pid besides its own wakes an init waiting for its namespace to empty.
            if pidNamespaces[Int(current)].allocated == 1 { wakeReaper(of: current) }
            current = pidNamespaces[Int(current)].parent
        }
        putPidNamespace(pid.namespace)
        pids[Int(p)] = Pid(numbers: PidNumbers(root: 0, deeper: []), namespace: -1)
        freePidSlots.append(p)
    }
}
