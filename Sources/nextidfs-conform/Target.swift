import IdAllocators

/// A thread of the simulated machine as the targets address it: its pid in the root namespace
/// and its process's.
struct TaskRef: Equatable {
    var tid: Int32
    var tgid: Int32
}

/// The machine a script runs on: the simulated kernel in this process, or a live nextidfs
/// mount. Both answer in the same terms so the runner prints the same lines for both; errors
/// are errno numbers.
protocol Target {
    /// One ctl line written by `task`; the value it reads back (0 for an exit, whose thread is
    /// gone before it could read) or the errno of the write.
    func ctl(_ line: String, by task: TaskRef) -> Result<Int64, ErrnoCode>
    /// The root pid of the process `task` created last (the end of its children list).
    func newestChild(of task: TaskRef) -> Int32?
    /// The root tid of the thread of `tgid` whose pid in its own namespace is `innermostPid`.
    func thread(ofGroup tgid: Int32, innermostPid: Int64) -> Int32?
    /// What tells a live task from a later one with the same pid; nil once it has ended.
    func serial(of tid: Int32) -> UInt64?
    /// The task's pids, root namespace first (NSpid).
    func nspid(of task: TaskRef) -> [Int32]?
    /// Its parent process's root pid (PPid as the root namespace shows it), 0 for none.
    func ppid(of task: TaskRef) -> Int32?
    func readSysctl(_ name: SysctlName, by task: TaskRef) -> Result<Int64, ErrnoCode>
    /// Writes `text` and a newline to the task's sysctl file `name`.
    func writeSysctl(_ name: SysctlName, text: String, by task: TaskRef) -> Result<Int64, ErrnoCode>
    func ipcTable(_ kind: IpcKind, by task: TaskRef) -> Result<[IpcRow], ErrnoCode>
}
