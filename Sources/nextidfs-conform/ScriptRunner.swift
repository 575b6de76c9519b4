import IdAllocators
import NextIdFS

/// Runs the operations of a script on a target and turns each into an `OpResult`. The
/// generator uses the same runner on the simulation to learn what every operation it writes
/// does.
final class ScriptRunner<T: Target> {
    let target: T
    private(set) var handles = Handles()
    /// Handles that ended during the last operation.
    private(set) var lastEnded: [Int] = []

    /// The machine at mount time: the root init is pid 1.
    init(target: T) {
        self.target = target
        let root = TaskRef(tid: 1, tgid: 1)
        _ = handles.add(.init(task: root, serial: target.serial(of: 1) ?? 0, pids: [1], isThread: false, leader: 0))
    }

    func execute(handle: Int, command text: String) -> OpResult {
        lastEnded = []
        guard let actor = handles.live(handle) else { return .failure(.ESRCH) }
        switch Command(text) {
        case .invalid:
            return .failure(.EINVAL)
        case .ctl(let line):
            return ctl(line, actor: actor, handle: handle)
        case .sysctl(let name, let value):
            return result(target.writeSysctl(name, text: value, by: actor.task))
        case .readSysctl(let name):
            return result(target.readSysctl(name, by: actor.task))
        case .readNsList(let list):
            guard let ids = target.nsList(list, of: actor.task) else { return .failure(.ESRCH) }
            return .pids(ids)
        case .readPpid:
            return .value(Int64(parentPid(of: actor)))
        case .readStat(let h):
            // Any handle whose task is still there, zombies included.
            guard h < handles.count, target.serial(of: handles[h].task.tid) == handles[h].serial,
                  let fields = target.stat(of: handles[h].task) else { return .failure(.ESRCH) }
            return .text(fields.text)
        case .readIpc(let kind):
            switch target.ipcTable(kind, by: actor.task) {
            case .success(let rows): return .table(rows)
            case .failure(let e): return .failure(e)
            }
        }
    }

    func result(_ r: Result<Int64, Errno>) -> OpResult {
        switch r {
        case .success(let v): .value(v)
        case .failure(let e): .failure(e)
        }
    }

    func ctl(_ line: String, actor: Handles.Entry, handle: Int) -> OpResult {
        let call = try? CtlLanguage.parse(ArraySlice(line.utf8)).get()
        let value: Int64
        switch target.ctl(line, by: actor.task) {
        case .failure(let e): return .failure(e)
        case .success(let v): value = v
        }
        switch call {
        case .fork: return registerChild(value: value, actor: actor, thread: false)
        case .clone(let flags): return registerChild(value: value, actor: actor, thread: flags.contains(.thread))
        case .exit, .wait, .setpgid, .setsid:
            // Exits end tasks; reaping or leaving a group can let a dying init finish.
            lastEnded = handles.sweep(target)
            return .value(value)
        default: return .value(value)
        }
    }

    func registerChild(value: Int64, actor: Handles.Entry, thread: Bool) -> OpResult {
        let tid = thread ? target.thread(ofGroup: actor.task.tgid, innermostPid: value) : target.newestChild(of: actor.task)
        guard let tid else { fatalError("created task not found (actor \(actor.task), value \(value))") }
        let task = TaskRef(tid: tid, tgid: thread ? actor.task.tgid : tid)
        guard let pids = target.nspid(of: task), let serial = target.serial(of: tid) else {
            fatalError("created task \(tid) has no status")
        }
        let h = handles.add(.init(task: task, serial: serial, pids: pids, isThread: thread,
                                  leader: thread ? actor.leader : handles.count))
        return .created(value: value, handle: h, pids: pids)
    }

    /// PPid as the task itself sees it: its parent's pid in the task's own namespace, 0 when the
    /// parent lives outside it. A parent is always in the task's namespace or an ancestor of it,
    /// so it is visible exactly when its pid list is at least as long.
    func parentPid(of actor: Handles.Entry) -> Int32 {
        guard let root = target.ppid(of: actor.task), root != 0,
              let parentPids = target.nspid(of: TaskRef(tid: root, tgid: root)) else { return 0 }
        let level = actor.pids.count - 1
        return parentPids.count > level ? parentPids[level] : 0
    }
}
