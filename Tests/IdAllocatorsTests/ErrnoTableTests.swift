@testable import IdAllocators
import Testing

/// Every errno of docs/interface.md §3 to §5 (the table in §7), each with the machine's whole
/// visible state taken before and after the failing call: nothing changes but what §3.3 says is
/// consumed.
@Suite struct ErrnoTableTests {
    /// A failing call: how to get there, the call, its errno, and whether the pending ids it
    /// found are consumed.
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let setup: @Sendable (World) -> Int32
        let call: Syscall
        let errno: Errno
        var consumes = false
        var testDescription: String { name }
    }

    /// init forks a root task (2) and a uid 1000 task (3).
    static func base(_ w: World) {
        _ = w.call(1, .fork)
        _ = w.call(1, .fork)
        _ = w.call(3, .setuid(1000))
    }

    static let cases: [Case] = [
        // Section 3: forced pids.
        Case(name: "more ids than levels", setup: { w in base(w); _ = w.call(2, w.pending(5, 6)); return 2 }, call: .fork, errno: .EINVAL, consumes: true),
        Case(name: "forced pid 0", setup: { w in base(w); _ = w.call(2, w.pending(0)); return 2 }, call: .fork, errno: .EINVAL, consumes: true),
        Case(name: "forced pid >= pid_max", setup: { w in base(w); _ = w.call(2, w.pending(32768)); return 2 }, call: .fork, errno: .EINVAL, consumes: true),
        Case(name: "forced pid != 1 in a namespace without init", setup: { w in base(w); _ = w.call(2, w.pending(7, 700)); return 2 },
             call: .clone(.newPid), errno: .EINVAL, consumes: true),
        Case(name: "forced pid from uid != 0", setup: { w in base(w); _ = w.call(3, w.pending(700)); return 3 }, call: .fork, errno: .EPERM, consumes: true),
        Case(name: "forced pid in use", setup: { w in base(w); _ = w.call(2, w.pending(3)); return 2 }, call: .fork, errno: .EEXIST, consumes: true),
        Case(name: "forced thread id in use", setup: { w in base(w); _ = w.call(2, w.pending(1)); return 2 }, call: .clone(.thread), errno: .EEXIST, consumes: true),
        // Section 3: forced IPC ids.
        Case(name: "IPC with two ids", setup: { w in base(w); _ = w.call(2, w.pending(5, 6)); return 2 }, call: w0.msgget(), errno: .EINVAL, consumes: true),
        Case(name: "IPC id from uid != 0", setup: { w in base(w); _ = w.call(3, w.pending(5)); return 3 }, call: w0.msgget(), errno: .EPERM, consumes: true),
        Case(name: "IPC idx in use", setup: { w in base(w); _ = w.call(2, w0.msgget()); _ = w.call(2, w.pending(32768)); return 2 },
             call: w0.msgget(), errno: .EBUSY, consumes: true),
        // Section 4: ctl calls.
        Case(name: "setuid from uid != 0", setup: { w in base(w); return 3 }, call: .setuid(0), errno: .EPERM),
        Case(name: "setgid from uid != 0", setup: { w in base(w); return 3 }, call: .setgid(0), errno: .EPERM),
        Case(name: "root init exit", setup: { w in base(w); return 1 }, call: .exit(code: 0), errno: .EBUSY),
        Case(name: "clone newpid from uid != 0", setup: { w in base(w); return 3 }, call: .clone(.newPid), errno: .EPERM),
        Case(name: "clone newipc from uid != 0", setup: { w in base(w); return 3 }, call: .clone(.newIpc), errno: .EPERM),
        Case(name: "unshare from uid != 0", setup: { w in base(w); return 3 }, call: .unshare(.pid), errno: .EPERM),
        Case(name: "clone newpid thread", setup: { w in base(w); _ = w.call(2, w.pending(9)); return 2 }, call: .clone([.newPid, .thread]), errno: .EINVAL),
        Case(name: "thread after unshare pid", setup: { w in base(w); _ = w.call(2, .unshare(.pid)); return 2 }, call: .clone(.thread), errno: .EINVAL),
        Case(name: "second unshare pid", setup: { w in base(w); _ = w.call(2, .unshare(.pid)); return 2 }, call: .unshare([.pid, .ipc]), errno: .EINVAL),
        Case(name: "msgget of a missing key", setup: { w in base(w); _ = w.call(2, w.pending(9)); return 2 }, call: w0.msgget(0x77, 0o600), errno: .ENOENT),
        Case(name: "IPC_CREAT|IPC_EXCL on a key in use", setup: { w in base(w); _ = w.call(2, w0.msgget(0x77)); _ = w.call(2, w.pending(9)); return 2 },
             call: w0.msgget(0x77, [.create, .exclusive, 0o600]), errno: .EEXIST),
        Case(name: "msgget without the permission", setup: { w in base(w); _ = w.call(2, w0.msgget(0x77, [.create, 0o600])); return 3 },
             call: w0.msgget(0x77, 0o600), errno: .EACCES),
        Case(name: "semget nsems 0", setup: { w in base(w); _ = w.call(2, w.pending(9)); return 2 },
             call: .ipcGet(IpcGetRequest(kind: .sem, key: 0, flags: .create, nsems: 0)), errno: .EINVAL),
        Case(name: "shmget size above the segment's", setup: { w in base(w); _ = w.call(2, .ipcGet(IpcGetRequest(kind: .shm, key: 5, flags: [.create, 0o600], size: 10))); return 2 },
             call: .ipcGet(IpcGetRequest(kind: .shm, key: 5, flags: 0o600, size: 11)), errno: .EINVAL),
        Case(name: "msgrm of no object", setup: { w in base(w); return 2 }, call: .ipcRemove(.msg, id: 5), errno: .EINVAL),
        Case(name: "msgrm of another user's queue", setup: { w in base(w); _ = w.call(2, w0.msgget()); return 3 }, call: .ipcRemove(.msg, id: 0), errno: .EPERM),
        Case(name: "msgset of another user's queue", setup: { w in base(w); _ = w.call(2, w0.msgget()); return 3 },
             call: .ipcSet(.msg, id: 0, uid: 1000, gid: 0, mode: 0o666), errno: .EPERM),
        // Sessions and process groups (kernel/sys.c's order of checks).
        Case(name: "setsid by a group leader", setup: { w in base(w); _ = w.call(2, .setpgid(pid: 0, pgid: 0)); return 2 }, call: .setsid, errno: .EPERM),
        Case(name: "setsid by the root init (a session leader)", setup: { w in base(w); return 1 }, call: .setsid, errno: .EPERM),
        Case(name: "setsid while its pid is another group's id", setup: { w in
                base(w); _ = w.call(2, .setpgid(pid: 0, pgid: 0)); _ = w.call(2, .fork); _ = w.call(2, .setpgid(pid: 0, pgid: 1)); return 2 },
             call: .setsid, errno: .EPERM),
        Case(name: "setpgid to a negative group", setup: { w in base(w); return 1 }, call: .setpgid(pid: 2, pgid: -1), errno: .EINVAL),
        Case(name: "setpgid of no such pid", setup: { w in base(w); return 1 }, call: .setpgid(pid: 999, pgid: 0), errno: .ESRCH),
        Case(name: "setpgid of a negative pid (pgid 0 means it: EINVAL first)", setup: { w in base(w); return 1 },
             call: .setpgid(pid: -2, pgid: 0), errno: .EINVAL),
        Case(name: "setpgid of a negative pid", setup: { w in base(w); return 1 }, call: .setpgid(pid: -2, pgid: 2), errno: .ESRCH),
        Case(name: "setpgid of a thread", setup: { w in base(w); _ = w.call(2, .clone(.thread)); return 2 }, call: .setpgid(pid: 4, pgid: 0), errno: .EINVAL),
        Case(name: "setpgid of a stranger", setup: { w in base(w); return 2 }, call: .setpgid(pid: 3, pgid: 0), errno: .ESRCH),
        Case(name: "setpgid of a grandchild", setup: { w in base(w); _ = w.call(2, .fork); return 1 }, call: .setpgid(pid: 4, pgid: 0), errno: .ESRCH),
        Case(name: "setpgid of a child in another session", setup: { w in base(w); _ = w.call(2, .fork); _ = w.call(4, .setsid); return 2 },
             call: .setpgid(pid: 4, pgid: 0), errno: .EPERM),
        Case(name: "setpgid of a session leader", setup: { w in base(w); _ = w.call(2, .setsid); return 2 }, call: .setpgid(pid: 0, pgid: 0), errno: .EPERM),
        Case(name: "setpgid of a child that leads a session", setup: { w in base(w); _ = w.call(2, .setsid); return 1 },
             call: .setpgid(pid: 2, pgid: 0), errno: .EPERM),
        Case(name: "setpgid to a pid that is no group", setup: { w in base(w); return 1 }, call: .setpgid(pid: 2, pgid: 3), errno: .EPERM),
        Case(name: "setpgid to a missing pid", setup: { w in base(w); return 1 }, call: .setpgid(pid: 2, pgid: 999), errno: .EPERM),
        Case(name: "setpgid to a group in another session", setup: { w in base(w); _ = w.call(2, .fork); _ = w.call(4, .setsid); return 1 },
             call: .setpgid(pid: 2, pgid: 4), errno: .EPERM),
        Case(name: "setpgid to a group the caller's namespace does not number", setup: { w in
                base(w); _ = w.call(1, .clone(.newPid)); _ = w.call(4, .fork); return 5 },
             call: .setpgid(pid: 0, pgid: 5), errno: .EPERM),
        Case(name: "wait without children", setup: { w in base(w); return 3 }, call: .wait(pid: nil), errno: .ECHILD),
        Case(name: "wait for a process that is not a child", setup: { w in base(w); return 2 }, call: .wait(pid: 3), errno: .ECHILD),
        Case(name: "wait for a thread", setup: { w in base(w); _ = w.call(2, .clone(.thread)); return 1 }, call: .wait(pid: 4), errno: .ECHILD),
        Case(name: "wait for a pid no task has", setup: { w in base(w); return 1 }, call: .wait(pid: 999), errno: .ECHILD),
        Case(name: "wait pid 0", setup: { w in base(w); return 1 }, call: .wait(pid: 0), errno: .EINVAL),
        Case(name: "wait pid -1", setup: { w in base(w); return 1 }, call: .wait(pid: -1), errno: .EINVAL),
        Case(name: "a zombie makes no call", setup: { w in base(w); _ = w.call(2, .fork); _ = w.call(4, .exit(code: 1)); return 4 },
             call: .fork, errno: .ESRCH),
        Case(name: "a zombie sets no pending id", setup: { w in base(w); _ = w.call(2, .fork); _ = w.call(4, .exit(code: 1)); return 4 },
             call: .setNextId(PendingIds([7])), errno: .ESRCH),
        Case(name: "shm namespace limit", setup: { w in
                base(w)
                for _ in 0..<Limits.shmmni { _ = w.call(2, .ipcGet(IpcGetRequest(kind: .shm, key: 0, flags: [.create, 0o600], size: 1))) }
                return 2 },
             call: .ipcGet(IpcGetRequest(kind: .shm, key: 0, flags: [.create, 0o600], size: 1)), errno: .ENOSPC),
    ]

    static let w0 = World()

    @Test(arguments: cases)
    func failsWithItsErrnoAndChangesNothing(_ c: Case) {
        let w = World()
        let actor = c.setup(w)
        let pendingBefore = w.pendingIds(actor)
        let before = w.snapshot(excludingPendingOf: actor)
        #expect(w.errno(actor, c.call) == c.errno)
        #expect(w.snapshot(excludingPendingOf: actor) == before)
        #expect(w.pendingIds(actor) == (c.consumes ? nil : pendingBefore))
    }

    /// The failures that do move state, as the kernel's do.
    @Test func failuresWithSideEffects() {
        // EAGAIN: the inner levels' automatic allocations moved their cursors.
        let w = World(pidMax: 301)
        let ns = w.spawn(1, .newPid)
        while case .success = w.call(1, .fork) {}
        let before = w.sysctl(.nsLastPid, of: ns)
        #expect(w.errno(ns, .fork) == .EAGAIN)
        #expect(w.sysctl(.nsLastPid, of: ns) == before + 1)
        // ENOMEM: the outer level's cursor moved.
        let d = World()
        _ = d.call(1, .unshare(.pid))
        _ = d.call(d.spawn(1), .exit(code: 0))
        let root = d.sysctl(.nsLastPid, of: 1)
        #expect(d.errno(1, .fork) == .ENOMEM)
        #expect(d.sysctl(.nsLastPid, of: 1) == root + 1)
        // ENOSPC at 33 levels changes nothing.
        let deep = World()
        var t: Int32 = 1
        for _ in 1...32 { t = deep.spawn(t, .newPid) }
        let snapshot = deep.snapshot(excludingPendingOf: t)
        #expect(deep.errno(t, .clone(.newPid)) == .ENOSPC)
        #expect(deep.snapshot(excludingPendingOf: t) == snapshot)
    }

    /// Section 5: the sysctl files.
    @Test func sysctlErrnos() {
        let w = World()
        ErrnoTableTests.base(w)
        let before = w.snapshot(excludingPendingOf: 0)
        for name in SysctlName.allCases {
            #expect(w.kernel.writeSysctl(name, .number(5000), as: w.actor(3)) == .failure(.EPERM))
            #expect(w.kernel.writeSysctl(name, .notANumber, as: w.actor(2)) == .failure(.EINVAL))
            #expect(w.kernel.writeSysctl(name, .number(-2), as: w.actor(2)) == .failure(.EINVAL))
            #expect(w.kernel.writeSysctl(name, .number(1 << 40), as: w.actor(2)) == .failure(.EINVAL))
        }
        #expect(w.kernel.writeSysctl(.pidMax, .number(300), as: w.actor(2)) == .failure(.EINVAL))
        #expect(w.kernel.writeSysctl(.nsLastPid, .number(32769), as: w.actor(2)) == .failure(.EINVAL))
        #expect(w.snapshot(excludingPendingOf: 0) == before)
    }
}

extension World {
    /// Everything a reader of the tree could see: every task's status (with its state, exit
    /// code, process group and session at every level) and children, each namespace's sysctl
    /// values and IPC tables, every thread's pending ids.
    func snapshot(excludingPendingOf excluded: Int32) -> [String] {
        var lines: [String] = []
        for task in kernel.allThreads(from: 0, limit: .max) {
            let s = kernel.status(of: task.tid)!
            lines.append("task \(task.tid) \(s) children \(kernel.children(of: task.tid)!)")
            if task.tid != excluded { lines.append("pending \(task.tid) \(String(describing: pendingIds(task.tid)))") }
            let values = SysctlName.allCases.map { (try? kernel.readSysctl($0, as: .task(task.handle)).get()) ?? -999 }
            lines.append("sysctl \(task.tid) \(values) ns \(kernel.namespaceInodes(of: task.tid)!)")
            for kind in IpcKind.allCases {
                lines.append("ipc \(task.tid) \(kind) \(kernel.ipcTable(kind, as: .task(task.handle)).map { "\($0)" } ?? "exited")")
            }
        }
        return lines
    }
}
