/// Reaping zombies: waitid(WEXITED | WNOHANG) (kernel/exit.c do_wait), and the SIGCHLD
/// disposition that decides whether children become zombies at all (docs/interface.md §4.6).
///
/// `wait` never blocks: a ctl write cannot wait for a child to exit. So, as with WNOHANG, a
/// process with children but no zombie among them gets 0, and one without children ECHILD.
extension Machine {
    /// `wait` (any child) or `wait PID`: reaps one zombie child of the caller's process and
    /// returns its pid in the caller's namespace; 0 when the children (or that child) live on.
    func wait(actor: TaskIndex, pid: Int32?, _ changes: inout Changes) -> Result<Int64, Errno> {
        let process = groupLeader(actor)
        let ns = activeNamespace(of: actor)
        guard let pid else { return waitAny(actor: actor, process: process, ns: ns, &changes) }
        // waitid(P_PID, pid): no such process, or not ours: ECHILD.
        guard pid > 0 else { return .failure(.EINVAL) }
        guard let child = findTask(pid, in: ns), tasks[Int(child)].isLeader,
              tasks[Int(child)].parent != noTask, groupLeader(tasks[Int(child)].parent) == process else {
            return .failure(.ECHILD)
        }
        return .success(reapIfZombie(child, ns: ns, &changes))
    }

    /// Children of the calling thread first, then of the group's other threads in thread
    /// order from it (while_each_thread), each list in its order: the first zombie is reaped.
    private func waitAny(actor: TaskIndex, process: TaskIndex, ns: Int32, _ changes: inout Changes) -> Result<Int64, Errno> {
        let threads = threads(ofLeader: process)
        let start = threads.firstIndex(of: actor) ?? 0
        var hasChildren = false
        for k in 0..<threads.count {
            var child = tasks[Int(threads[(start + k) % threads.count])].firstChild
            while child != noTask {
                hasChildren = true
                if tasks[Int(child)].exitState == .zombie { return .success(reapIfZombie(child, ns: ns, &changes)) }
                child = tasks[Int(child)].nextSibling
            }
        }
        return hasChildren ? .success(0) : .failure(.ECHILD)
    }

    /// wait_task_zombie: a zombie is released and its pid (in `ns`) returned; 0 otherwise.
    private func reapIfZombie(_ child: TaskIndex, ns: Int32, _ changes: inout Changes) -> Int64 {
        guard tasks[Int(child)].exitState == .zombie else { return 0 }
        let nr = number(of: tasks[Int(child)].pid, in: ns)
        releaseProcess(child, &changes)
        return Int64(nr)
    }

    /// `sigchld ignore|default`: SIG_IGN makes later children be reaped as they exit; zombies
    /// already there stay. Children inherit the disposition.
    func setSigchld(actor: TaskIndex, ignore: Bool) -> Result<Int64, Errno> {
        tasks[Int(groupLeader(actor))].ignoresSigchld = ignore
        return .success(0)
    }
}
