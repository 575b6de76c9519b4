/// The calls a simulated thread makes through its ctl file (docs/interface.md §4).
public enum Syscall: Sendable, Equatable {
    case fork
    case clone(CloneFlags)
    case unshare(UnshareFlags)
    /// exit_group (a leader) or exit (another thread), with status 0...255.
    case exit(code: UInt8)
    case comm([UInt8])
    case setuid(UInt32)
    case setgid(UInt32)
    case ipcGet(IpcGetRequest)
    case ipcRemove(IpcKind, id: Int32)
    case ipcSet(IpcKind, id: Int32, uid: UInt32, gid: UInt32, mode: UInt32)
    /// The ctl form of a next_id write (nil: `clear`).
    case setNextId(PendingIds?)
    case setsid
    /// Pids in the calling thread's namespace; 0 is the caller's process, pgid 0 the pid.
    case setpgid(pid: Int32, pgid: Int32)
    /// waitid(WEXITED | WNOHANG) for any child (nil) or one pid.
    case wait(pid: Int32?)
    /// SIGCHLD to SIG_IGN (true) or SIG_DFL (false).
    case sigchld(ignore: Bool)
}

/// Who acts on a sysctl file or IPC table.
public enum Actor: Sendable, Equatable {
    /// A task: its namespaces and its uid.
    case task(TaskHandle)
    /// The machine's root namespaces, with the rights of the real caller's uid (the files at
    /// the top of the mount).
    case host(uid: UInt32)
}

/// What calls changed that a view of the machine may hold (the filesystem's caches): tasks
/// released, whose pids and files are gone, and processes whose owner changed.
public struct Changes: Sendable, Equatable {
    /// A released task, with its thread-group leader as it was (itself for a leader).
    public struct Released: Sendable, Equatable {
        public var task: TaskHandle
        public var leader: TaskHandle
    }

    /// A process whose uid or gid changed, and its threads then (leader first).
    public struct NewOwner: Sendable, Equatable {
        public var process: TaskHandle
        public var threads: [TaskHandle]
    }

    public var released: [Released] = []
    public var newOwners: [NewOwner] = []

    public init() {}
}

/// How a batch of ctl lines went: how many ran successfully before the first failure, and what
/// they changed.
public struct BatchOutcome: Sendable, Equatable {
    public var completed: Int
    public var failure: Errno?
    public var changes = Changes()
    /// The machine's operation count after the batch (`Kernel.operations`).
    public var operation: UInt64 = 0
}

extension Machine {
    /// One call by thread `actor`.
    func perform(_ call: Syscall, actor: TaskIndex, _ changes: inout Changes) -> Result<Int64, Errno> {
        operations += 1
        return switch call {
        case .fork: copyProcess(actor: actor, flags: [])
        case .clone(let flags): copyProcess(actor: actor, flags: flags)
        case .unshare(let flags): unshare(actor: actor, flags: flags)
        case .exit(let code): exitTask(actor, code: code, &changes)
        case .comm(let name): setComm(actor: actor, name: name)
        case .setuid(let uid): setCredentials(actor: actor, &changes) { $0.uid = uid }
        case .setgid(let gid): setCredentials(actor: actor, &changes) { $0.gid = gid }
        case .ipcGet(let request): ipcGet(actor: actor, request)
        case .ipcRemove(let kind, let id): ipcRemove(actor: actor, kind: kind, id: id)
        case .ipcSet(let kind, let id, let uid, let gid, let mode):
            ipcSet(actor: actor, kind: kind, id: id, uid: uid, gid: gid, mode: mode)
        case .setNextId(let ids): setPendingIds(of: actor, ids)
        case .setsid: setsid(actor: actor)
        case .setpgid(let pid, let pgid): setpgid(actor: actor, pid: pid, pgid: pgid)
        case .wait(let pid): wait(actor: actor, pid: pid, &changes)
        case .sigchld(let ignore): setSigchld(actor: actor, ignore: ignore)
        }
    }

    /// A call by a thread that can still make one (ESRCH once its process has begun to exit),
    /// then the inits it woke finish their exit.
    func performCall(_ call: Syscall, actor: TaskIndex, _ changes: inout Changes) -> Result<Int64, Errno> {
        guard isRunning(actor) else { return .failure(.ESRCH) }
        let result = perform(call, actor: actor, &changes)
        runReaperWakeups(&changes)
        return result
    }

    /// Lines in order, stopping at the first failure; a line that did not parse fails with its
    /// errno. The thread's last result is the last line that ran. A thread that exited mid-batch
    /// makes the rest fail with ESRCH (nothing is recorded: the thread is gone).
    func perform(batch: [Result<Syscall, Errno>], by handle: TaskHandle) -> BatchOutcome {
        let actor = task(handle)
        var outcome = BatchOutcome(completed: 0, failure: actor == nil ? .ESRCH : nil)
        if let actor {
            for line in batch {
                guard task(handle) == actor, isRunning(actor) else {
                    outcome.failure = .ESRCH
                    break
                }
                let result = line.flatMap { performCall($0, actor: actor, &outcome.changes) }
                if task(handle) == actor {
                    switch result {
                    case .success(let value): tasks[Int(actor)].lastResult = value
                    case .failure(let e): tasks[Int(actor)].lastResult = -Int64(e.rawValue)
                    }
                }
                if case .failure(let e) = result {
                    outcome.failure = e
                    break
                }
                outcome.completed += 1
            }
        }
        outcome.operation = operations
        return outcome
    }

    /// The namespaces and uid an actor acts with.
    func resolve(_ actor: Actor) -> (pidNamespace: Int32, ipcNamespace: Int32, uid: UInt32)? {
        switch actor {
        case .host(let uid):
            return (rootPidNamespace, rootIpcNamespace, uid)
        case .task(let handle):
            guard let t = task(handle), isRunning(t) else { return nil }
            let leader = groupLeader(t)
            return (activeNamespace(of: t), tasks[Int(leader)].ipcNamespace, tasks[Int(leader)].uid)
        }
    }
}
