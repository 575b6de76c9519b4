import IdAllocators

/// A thread of the simulated machine as the targets address it: its pid in the root namespace
/// and its process's.
struct TaskRef: Equatable {
    var tid: Int32
    var tgid: Int32
}

/// The id lists of /proc/<pid>/status, root namespace first.
enum NsList: String, CaseIterable {
    case pid = "NSpid"
    case pgid = "NSpgid"
    case sid = "NSsid"
}

/// The fields of /proc/<pid>/stat the scripts look at, as the root namespace shows them.
struct StatFields: Equatable {
    /// S, or Z for a zombie.
    var state: Character
    var ppid: Int32
    var pgrp: Int32
    var session: Int32
    /// PF_EXITING (0x4) is the one that matters here: a dying init sleeps, but has exited.
    var flags: UInt32
    var exitCode: Int32

    static let exiting: UInt32 = 0x4

    /// Neither a zombie nor on its way out: it can still act.
    var isRunning: Bool { state != "Z" && flags & StatFields.exiting == 0 }

    /// `read stat`'s value: state ppid pgrp session exit_code.
    var text: String { "\(state) \(ppid) \(pgrp) \(session) \(exitCode)" }
}

/// The machine a script runs on: the simulated kernel in this process, or a live nextidfs
/// mount. Both answer in the same terms so the runner prints the same lines for both; errors
/// are errno numbers.
protocol Target {
    /// One ctl line written by `task`; the value it reads back (0 for an exit, whose thread is
    /// gone before it could read) or the errno of the write.
    func ctl(_ line: String, by task: TaskRef) -> Result<Int64, Errno>
    /// The root pid of the process `task` created last (the end of its children list).
    func newestChild(of task: TaskRef) -> Int32?
    /// The root tid of the thread of `tgid` whose pid in its own namespace is `innermostPid`.
    func thread(ofGroup tgid: Int32, innermostPid: Int64) -> Int32?
    /// What tells a task from a later one with the same pid; nil once it is gone (reaped).
    func serial(of tid: Int32) -> UInt64?
    /// One of the task's NS* status lists, root namespace first.
    func nsList(_ list: NsList, of task: TaskRef) -> [Int32]?
    func stat(of task: TaskRef) -> StatFields?
    /// Its parent process's root pid (PPid as the root namespace shows it), 0 for none.
    func ppid(of task: TaskRef) -> Int32?
    func readSysctl(_ name: SysctlName, by task: TaskRef) -> Result<Int64, Errno>
    /// Writes `text` and a newline to the task's sysctl file `name`.
    func writeSysctl(_ name: SysctlName, text: String, by task: TaskRef) -> Result<Int64, Errno>
    func ipcTable(_ kind: IpcKind, by task: TaskRef) -> Result<[IpcRow], Errno>
}

extension Target {
    /// The task's pids, root namespace first (NSpid).
    func nspid(of task: TaskRef) -> [Int32]? { nsList(.pid, of: task) }
}
