/// The script's task handles (docs/ops-format.md): 0 is the root init, every successful
/// creation takes the next number, and a handle is never reused. A handle remembers its task's
/// serial, because a pid alone may name a later task once the first one has ended.
struct Handles {
    struct Entry {
        var task: TaskRef
        var serial: UInt64
        /// The task's pids, root namespace first (they never change).
        var pids: [Int32]
        var isThread: Bool
        /// The handle of its process's leader (itself for a process).
        var leader: Int
        /// Not yet exited: it can still act (a zombie or a dying init cannot).
        var alive = true
        /// Not yet reaped: its task is still there (running, a zombie or dying).
        var present = true
    }

    private(set) var entries: [Entry] = []

    var count: Int { entries.count }

    subscript(handle: Int) -> Entry { entries[handle] }

    func live(_ handle: Int) -> Entry? {
        guard handle >= 0, handle < entries.count, entries[handle].alive else { return nil }
        return entries[handle]
    }

    var liveHandles: [Int] { entries.indices.filter { entries[$0].alive } }
    var presentHandles: [Int] { entries.indices.filter { entries[$0].present } }

    mutating func add(_ entry: Entry) -> Int {
        entries.append(entry)
        return entries.count - 1
    }

    /// After an exit: every task whose pid is gone or names another task, or that is a zombie
    /// or dying, has ended. Tasks end only by exits, and no pid is handed out between an exit
    /// and this sweep.
    mutating func sweep(_ target: some Target) -> [Int] {
        var ended: [Int] = []
        for h in entries.indices where entries[h].present {
            guard target.serial(of: entries[h].task.tid) == entries[h].serial else {
                entries[h].present = false
                if entries[h].alive { ended.append(h) }
                entries[h].alive = false
                continue
            }
            if entries[h].alive && target.stat(of: entries[h].task)?.isRunning != true {
                entries[h].alive = false
                ended.append(h)
            }
        }
        return ended
    }
}
