/// setsid and setpgid (kernel/sys.c, docs/interface.md §4.7), with the kernel's checks in the
/// kernel's order. Process group and session belong to the process; pids in arguments are
/// numbers in the calling thread's pid namespace.
extension Machine {
    /// setsid: the process leads a new session and a new group, both its own pid. Returns the
    /// session id in the caller's namespace.
    func setsid(actor: TaskIndex) -> Result<Int64, Errno> {
        let leader = groupLeader(actor)
        let sid = tasks[Int(leader)].pid
        guard !tasks[Int(leader)].isSessionLeader else { return .failure(.EPERM) }
        // Its pid must not be a process group id already (its own group, or one it left).
        guard pids[Int(sid)].groupMembers == 0 else { return .failure(.EPERM) }
        tasks[Int(leader)].isSessionLeader = true
        if tasks[Int(leader)].session != sid { changeSession(of: leader, to: sid) }
        if tasks[Int(leader)].pgrp != sid { changeGroup(of: leader, to: sid) }
        return .success(Int64(number(of: sid, in: activeNamespace(of: actor))))
    }

    /// setpgid(pid, pgid): 0 means the caller's process, and a pgid of 0 the pid itself. The
    /// target is the caller's process or a child of it (of any of its threads) in the caller's
    /// session; a group other than the target's own pid must exist in that session. There is
    /// no exec, so the kernel's EACCES (a child that has exec'd) never applies.
    func setpgid(actor: TaskIndex, pid: Int32, pgid: Int32) -> Result<Int64, Errno> {
        let caller = groupLeader(actor)
        let ns = activeNamespace(of: actor)
        let pid = pid == 0 ? number(of: tasks[Int(caller)].pid, in: ns) : pid
        let pgid = pgid == 0 ? pid : pgid
        guard pgid >= 0 else { return .failure(.EINVAL) }
        guard let p = findTask(pid, in: ns) else { return .failure(.ESRCH) }
        guard tasks[Int(p)].isLeader else { return .failure(.EINVAL) }
        let parent = tasks[Int(p)].parent
        if parent != noTask && groupLeader(parent) == caller {
            guard tasks[Int(p)].session == tasks[Int(caller)].session else { return .failure(.EPERM) }
        } else {
            guard p == caller else { return .failure(.ESRCH) }
        }
        guard !tasks[Int(p)].isSessionLeader else { return .failure(.EPERM) }
        var pgrp = tasks[Int(p)].pid
        if pgid != pid {
            guard let group = findPid(pgid, in: ns), pids[Int(group)].groupMembers > 0,
                  pids[Int(group)].groupSession == tasks[Int(caller)].session else { return .failure(.EPERM) }
            pgrp = group
        }
        if tasks[Int(p)].pgrp != pgrp { changeGroup(of: p, to: pgrp) }
        return .success(0)
    }
}
