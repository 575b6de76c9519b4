import IdAllocators
@testable import Restore
import Testing

/// The shapes docs/restore.md names, each built on a kernel, restored in process (the whole
/// state and the image equal afterwards), and the plan checked for what that shape needs.
@Suite struct ShapeTests {
    /// A process leaves for a new IPC namespace, forks there and exits: its children are
    /// children of init in a namespace init never was in, so helpers make them, from a keeper
    /// of (p1, that namespace). An orphan of a non-leader thread joins the leader's list.
    @Test func orphansAcrossIpcNamespacesAreMadeByHelpers() throws {
        let w = Build()
        w.c(1, "next_id LONG 10"); w.c(1, "fork")
        w.c(10, "unshare ipc"); w.c(10, "msgget 0x10 IPC_CREAT|0640")
        w.c(10, "next_id LONG 11"); w.c(10, "fork"); w.c(10, "next_id LONG 12"); w.c(10, "fork")
        w.c(10, "next_id LONG2 1 13"); w.c(10, "clone newpid")
        w.c(11, "setuid 1000"); w.c(11, "msgget IPC_PRIVATE IPC_CREAT|0600")
        w.c(10, "exit")
        w.c(1, "next_id LONG 20"); w.c(1, "fork"); w.c(20, "next_id LONG 21"); w.c(20, "clone thread")
        w.c(21, "next_id LONG 22"); w.c(21, "fork"); w.c(21, "exit")
        let (why, plan, _) = w.restore()
        #expect(why == nil)
        let p = try #require(plan)
        let image = try Dumper(tree: InProcessTree(.init(kernel: w.kernel))).dump()
        #expect(!p.helpers(image).isEmpty, "a keeper and helpers stand in for process 10")
        for c: Int32 in [12, 13] {   // (11, which founds its namespace, can be made by 1)
            let maker = p.actions.first { if case .create(let pids, _) = $0.action { pids[0] == c } else { false } }!.tid
            #expect(!image.processes.contains { $0.tgid == maker }, "\(c) is made by a helper")
        }
    }

    /// A process unshares its pid namespace, forks its init and more members, and exits: a
    /// helper unshares again and makes them all. A namespace that never had an init, and one
    /// whose init died (its unsharer's forks give ENOMEM, before and after).
    @Test func deadUnsharersAreReplacedByAHelperThatUnshares() throws {
        let w = Build()
        w.c(1, "next_id LONG 30"); w.c(1, "fork")
        w.c(30, "unshare pid")
        w.c(30, "next_id LONG2 1 31"); w.c(30, "fork")
        w.c(30, "next_id LONG2 5 32"); w.c(30, "fork")
        w.c(30, "unshare ipc"); w.c(30, "next_id LONG2 6 33"); w.c(30, "fork")
        w.c(31, "fork"); w.c(30, "exit")
        w.c(1, "next_id LONG 40"); w.c(1, "fork"); w.c(40, "unshare pid")
        w.c(1, "next_id LONG 50"); w.c(1, "fork"); w.c(50, "unshare pid")
        w.c(50, "next_id LONG2 1 51"); w.c(50, "fork"); w.c(51, "exit"); w.c(50, "wait")
        let (why, plan, _) = w.restore()
        #expect(why == nil)
        let p = try #require(plan)
        let unsharers = p.actions.filter { $0.action == .unshare(.pid) }.map(\.tid)
        #expect(unsharers.contains { $0 > 100 }, "a helper unshares for the dead process 30: \(unsharers)")
        #expect(unsharers.contains(40) && unsharers.contains(50))
        #expect(w.kernel.call(.fork, by: 50) == .failure(.ENOMEM))
    }

    /// Sessions, groups and zombies (tests/restore/worlds/sessions-zombies.sh): a session
    /// with members and a process in another session than its parent's, made by setsid before
    /// their children; a group whose leader is gone gets a stand-in at the leader's pids that
    /// exits once the members joined, in the root namespace and in a nested one; zombies exit
    /// last with their codes, their parents at SIG_DFL.
    @Test func sessionsGroupsAndZombies() throws {
        let w = try Build.world("sessions-zombies")
        let before = w.kernel.snapshot()
        #expect(before.processes.filter { $0.state == .zombie }.map(\.tgid) == [14, 24])
        #expect(before.processes.first { $0.tgid == 15 }.map { [$0.pgid, $0.sid] } == [11, 10])
        let (why, plan, program) = w.restore()
        #expect(why == nil)
        let p = try #require(plan)
        let image = try Dumper(tree: InProcessTree(.init(kernel: w.kernel))).dump()
        #expect(p.helpers(image).filter { [11, 22].contains($0) } == [11, 22], "stand-ins at the gone leaders' pids")
        for line in ["setsid", "setpgid 0 11", "setpgid 0 3", "exit 7", "exit 3", "wait 11"] {
            #expect(program.contains(line), "\(line)")
        }
        // The held pids stay taken: forced onto them, a fork fails as in the original.
        #expect(w.kernel.call(.setNextId(PendingIds([11])), by: 1) == .success(0))
        #expect(w.kernel.call(.fork, by: 1) == .failure(.EEXIST))
    }

    /// A session whose leader is gone (its members reparented to init 1): a helper at the
    /// leader's pid runs setsid, makes the member and exits; the pid stays held by the session.
    @Test func aSessionWhoseLeaderIsGone() throws {
        let w = Build()
        w.c(1, "next_id LONG 10"); w.c(1, "fork"); w.c(10, "setsid")
        w.c(10, "next_id LONG 11"); w.c(10, "fork"); w.c(1, "sigchld ignore"); w.c(10, "exit")
        let (why, plan, program) = w.restore()
        #expect(why == nil)
        let p = try #require(plan)
        #expect(p.created.contains(10), "a helper at the leader's pid")
        #expect(p.actions.contains { $0.tid == 10 && $0.action == .setsid })
        #expect(program.contains("setsid"))
        #expect(w.kernel.call(.setNextId(PendingIds([10])), by: 1) == .success(0))
        #expect(w.kernel.call(.fork, by: 1) == .failure(.EEXIST))
    }

    /// tests/restore/worlds/sessions-gone-leaders.sh: sessions whose leader is gone, in the root
    /// and a nested pid namespace; the leader's group living on; a group whose leader is gone
    /// inside such a session; a member that did setsid after forking a child that stays in the
    /// session; members in two runs of the init's list (the second by a helper the first forks).
    @Test func sessionsWhoseLeaderIsGone() throws {
        let w = try Build.world("sessions-gone-leaders")
        #expect(w.kernel.children(of: 1) == [36, 37, 33, 34, 50])
        #expect(w.kernel.children(of: 50) == [54, 55, 52])
        let s = w.kernel.snapshot().processes
        func ids(_ g: Int32) -> [Int32]? { s.first { $0.tgid == g }.map { [$0.pgid, $0.sid] } }
        #expect(ids(36) == [30, 30] && ids(35) == [30, 30] && ids(34) == [34, 34] && ids(33) == [32, 30] && ids(38) == [32, 30])
        #expect(ids(52) == [51, 51] && ids(54) == [53, 51])
        let (why, plan, program) = w.restore()
        #expect(why == nil)
        let p = try #require(plan)
        let image = try Dumper(tree: InProcessTree(.init(kernel: w.kernel))).dump()
        let helpers = p.helpers(image)
        for leader: Int32 in [30, 32, 51, 53] { #expect(helpers.contains(leader), "a helper at \(leader)'s pids") }
        #expect(p.actions.contains { $0.tid == 30 && $0.action == .setsid } && p.actions.contains { $0.tid == 51 && $0.action == .setsid })
        #expect(program.contains("exit 5"))
        for held: Int32 in [30, 32, 51] {
            #expect(w.kernel.call(.setNextId(PendingIds([held])), by: 1) == .success(0))
            #expect(w.kernel.call(.fork, by: 1) == .failure(.EEXIST), "\(held) stays held")
        }
    }

    /// Members reparented to init 1 while their session's leader lives: a helper the leader
    /// forks makes them (session 10); the same when the leader is a zombie (session 20, its
    /// parent 19 at SIG_DFL), which it becomes only in phase C.
    @Test func membersOfALivingLeaderReparentedToTheInit() throws {
        let w = Build()
        w.c(1, "next_id LONG 10"); w.c(1, "fork"); w.c(10, "setsid"); w.c(10, "sigchld ignore")
        w.c(10, "next_id LONG 11"); w.c(10, "fork"); w.c(11, "next_id LONG 12"); w.c(11, "fork"); w.c(11, "exit")
        w.c(1, "next_id LONG 19"); w.c(1, "fork"); w.c(19, "sigchld default")
        w.c(19, "next_id LONG 20"); w.c(19, "fork"); w.c(20, "setsid")
        w.c(20, "next_id LONG 21"); w.c(20, "fork"); w.c(20, "exit 2")
        #expect(w.kernel.children(of: 1) == [10, 12, 19, 21])
        #expect(w.kernel.snapshot().processes.first { $0.tgid == 20 }?.state == .zombie)
        let (why, plan, _) = w.restore()
        #expect(why == nil)
        let p = try #require(plan)
        let makers = Set(p.actions.filter { if case .create(let pids, _) = $0.action { [12, 21].contains(pids[0]) } else { false } }.map(\.tid))
        let image = try Dumper(tree: InProcessTree(.init(kernel: w.kernel))).dump()
        #expect(makers.isSubset(of: Set(p.helpers(image))), "helpers make 12 and 21: \(makers)")
    }

    /// The smallest dying init (docs/restore.md, "A dying init"): init 10 of a namespace exits
    /// while group 11, whose leader was a process of that namespace, lives on in 12 outside
    /// it; the init waits for pid 11 to be freed, with no namespaces and no zombie state. The
    /// image says `D`; the restore makes init 10, a stand-in at 11's pids (one in 10's
    /// namespace) leading group 11 while 12 joins, the stand-in exits, then init 10. Once 12
    /// leaves the group, init 10 finishes in both worlds.
    @Test func aDyingInitIsRestored() throws {
        let w = Build()
        w.c(1, "next_id LONG2 1 10"); w.c(1, "clone newpid")
        w.c(10, "next_id LONG2 2 11"); w.c(10, "fork"); w.c(11, "setpgid 0 0")
        w.c(1, "next_id LONG 12"); w.c(1, "fork"); w.c(12, "setpgid 0 11")
        w.c(10, "exit 3")
        #expect(w.kernel.snapshot().processes.first { $0.tgid == 10 }?.state == .dying)
        let image = try Dumper(tree: InProcessTree(.init(kernel: w.kernel))).dump()
        #expect(ImageText.write(image).contains("\nproc 10 1 p10 - - 0 0 1,0 1,0 D 768 dfl\n"))
        var trip = RoundTrip(w.kernel)
        #expect(trip.run() == nil)
        #expect(trip.program.contains("exit 3"))
        #expect(trip.restored.snapshot().processes.first { $0.tgid == 10 }?.state == .dying)
        for k in [w.kernel, trip.restored] {
            #expect(k.call(.setpgid(pid: 0, pgid: 0), by: 12) == .success(0))
            #expect(k.snapshot().processes.map(\.tgid) == [1, 12], "init 10 finished and was reaped")
        }
        var future = FutureOperations(seed: 1, original: w.kernel, restored: trip.restored)
        #expect(future.run(count: 60) == nil)
    }

    /// Pid namespaces without tasks keep the pid_max and cursor they had (dump reads them in
    /// the top's `pid_namespaces`, each namespace's init writes them before it exits): d30,
    /// whose init 31 died and was reaped (its cursor past its pid_max), p41 of a zombie init,
    /// p10 of a dying init (in-process worlds 2,000,156 and 16,000,380 had d1). A fork by 30
    /// forced between the two pid_max values is EINVAL in both worlds (was ENOMEM after the
    /// restore), then the random futures.
    @Test func pidNamespacesWithoutTasksKeepTheirPidMaxAndCursor() throws {
        let w = Build()
        w.c(1, "next_id LONG 30"); w.c(1, "fork"); w.c(30, "unshare pid")
        w.c(30, "next_id LONG2 1 31"); w.c(30, "fork"); w.c(31, "fork"); w.c(31, "fork")
        w.sysctl(.nsLastPid, 18975, of: 31); w.sysctl(.pidMax, 457, of: 31)
        w.c(31, "exit"); w.c(30, "wait")
        w.c(1, "next_id LONG 40"); w.c(1, "fork"); w.c(40, "next_id LONG2 1 41"); w.c(40, "clone newpid")
        w.c(41, "fork"); w.sysctl(.pidMax, 1000, of: 41); w.c(41, "exit 2")
        w.c(1, "next_id LONG2 1 10"); w.c(1, "clone newpid"); w.c(10, "fork"); w.c(10, "fork")
        w.c(10, "next_id LONG2 9 11"); w.c(10, "fork"); w.c(11, "setpgid 0 0")
        w.c(1, "next_id LONG 12"); w.c(1, "fork"); w.c(12, "setpgid 0 11")
        w.sysctl(.pidMax, 600, of: 10); w.c(10, "setuid 5"); w.c(10, "exit 3")
        let image = ImageText.write(try Dumper(tree: InProcessTree(.init(kernel: w.kernel))).dump())
        for line in ["pidns d30 p1 1 457 18975", "pidns p41 p1 1 1000 2", "pidns p10 p1 1 600 3"] {
            #expect(image.contains("\n\(line)\n"), "\(line) in \(image)")
        }
        var trip = RoundTrip(w.kernel)
        #expect(trip.run() == nil)
        for k in [w.kernel, trip.restored] {
            #expect(k.call(.setNextId(PendingIds([500, 600])), by: 30) == .success(0))
            #expect(k.call(.fork, by: 30) == .failure(.EINVAL), "500 is past d30's pid_max")
        }
        var future = FutureOperations(seed: 3, original: w.kernel, restored: trip.restored)
        #expect(future.run(count: 60) == nil)
    }

    /// An image written before `pid_namespaces` (`-` for a namespace without tasks) still plans,
    /// and leaves that namespace the defaults; one that never had a task (e40) with values, or
    /// a pid_max without ns_last_pid, is refused.
    @Test func pidNamespaceCursorsInOlderAndContradictoryImages() throws {
        let w = Build()
        w.c(1, "next_id LONG 30"); w.c(1, "fork"); w.c(30, "unshare pid")
        w.c(30, "next_id LONG2 1 31"); w.c(30, "fork"); w.c(31, "fork"); w.c(31, "exit"); w.c(30, "wait")
        w.c(1, "next_id LONG 40"); w.c(1, "fork"); w.c(40, "unshare pid")
        let text = ImageText.write(try Dumper(tree: InProcessTree(.init(kernel: w.kernel))).dump())
        let (dead, empty) = ("\npidns d30 p1 1 4194304 2\n", "\npidns e40 p1 1 - -\n")
        #expect(text.contains(dead) && text.contains(empty), "\(text)")
        #expect(ProgramText.render(try Planner.plan(ImageText.parse(text))).contains("# pid namespace d30\n"))
        let older = ProgramText.render(try Planner.plan(ImageText.parse(text.replacing(dead, with: "\npidns d30 p1 1 - -\n"))))
        #expect(!older.contains("# pid namespace d30\n"), "the defaults: nothing to write")
        for (edit, message) in [(text.replacing(empty, with: "\npidns e40 p1 1 4194304 -1\n"), "never had a task"),
                                (text.replacing(dead, with: "\npidns d30 p1 1 4194304 -\n"), "one of pid_max and ns_last_pid without the other")] {
            #expect(throws: PlanError.self) { try Planner.plan(ImageText.parse(edit)) }
            do { _ = try Planner.plan(ImageText.parse(edit)) } catch let error as PlanError {
                #expect("\(error)".contains(message), "\(error)")
            }
        }
    }

    /// Variants of a dying init (tests/restore/worlds/dying-inits.sh): held by a zombie whose
    /// parent (20, which unshared into the namespace) is outside it; one killed by its
    /// namespace's init (exit_code 9: made alive, killed by the init's exit in the restore
    /// too); nested namespaces, the inner init killed by the outer one's exit and dying in
    /// turn while a group outside holds a pid of its namespace. The round trip compares the
    /// whole machine, then the held pids are freed by `wait` and `setpgid` and the inits
    /// finish in both worlds alike, then the random futures.
    @Test func dyingInitVariants() throws {
        let z = try Build.world("dying-inits")
        let states = Dictionary(uniqueKeysWithValues: z.kernel.snapshot().processes.map { ($0.tgid, ($0.state, $0.exitCode)) })
        #expect(states[30]?.0 == .dying && states[31]?.0 == .zombie && states[32]?.0 == .zombie && states[32]?.1 == 9)
        #expect(states[40]?.0 == .dying && states[41]?.0 == .dying && states[41]?.1 == 9)
        var trip = RoundTrip(z.kernel)
        #expect(trip.run() == nil)
        for k in [z.kernel, trip.restored] {
            #expect(k.call(.wait(pid: nil), by: 20) == .success(31))
            #expect(k.snapshot().processes.first { $0.tgid == 30 }?.state == .dying, "32 still holds p30")
            #expect(k.call(.wait(pid: nil), by: 20) == .success(32))
            #expect(k.snapshot().processes.first { $0.tgid == 30 }?.state == .zombie, "init 30 finished: 20's zombie")
            #expect(k.call(.wait(pid: nil), by: 20) == .success(30))
            #expect(k.call(.setpgid(pid: 0, pgid: 0), by: 45) == .success(0))
            #expect(!k.snapshot().processes.contains { [40, 41].contains($0.tgid) }, "41 and 40 finished, reaped")
        }
        var future = FutureOperations(seed: 2, original: z.kernel, restored: trip.restored)
        #expect(future.run(count: 60) == nil)
    }

    /// Two dying inits side by side (10 and 40), each held only by a group outside (11 by 12,
    /// 42 by 45): the tree does not say which group holds which namespace, and the planner
    /// refuses rather than let one init finish.
    @Test func dyingInitsSideBySideHeldOnlyByGroupsAreRefused() throws {
        let w = try Build.world("dying-inits")
        w.c(1, "next_id LONG2 1 10"); w.c(1, "clone newpid")
        w.c(10, "next_id LONG2 2 11"); w.c(10, "fork"); w.c(11, "setpgid 0 0")
        w.c(1, "next_id LONG 12"); w.c(1, "fork"); w.c(12, "setpgid 0 11")
        w.c(10, "exit 3")
        let image = try Dumper(tree: InProcessTree(.init(kernel: w.kernel))).dump()
        #expect(throws: PlanError.self) { try Planner.plan(image) }
        do { _ = try Planner.plan(image) } catch {
            #expect("\(error)".hasPrefix("unsupported: dying init "), "\(error)")
        }
    }

    /// Keepers: a context (pid namespace, IPC namespace) that only a process that moves on is
    /// ever in is held by a keeper for the helpers that need it later; every helper is gone
    /// at the end.
    @Test func keepersHoldContextsAndEveryHelperExits() throws {
        let w = Build()
        w.c(1, "next_id LONG 10"); w.c(1, "fork")
        w.c(10, "unshare ipc")
        for pid in 11...14 { w.c(10, "next_id LONG \(pid)"); w.c(10, "fork") }
        w.c(10, "unshare ipc")
        w.c(10, "next_id LONG 15"); w.c(10, "fork")
        w.c(10, "exit")
        let (why, plan, program) = w.restore()
        #expect(why == nil)
        #expect(program.contains("keeper"))
        let p = try #require(plan)
        let exits = Set(p.actions.filter { $0.action == .exit }.map(\.tid))
        let image = try Dumper(tree: InProcessTree(.init(kernel: w.kernel))).dump()
        #expect(Set(p.helpers(image)).isSubset(of: exits), "every helper exits")
    }

    /// 32 nested pid namespaces: the innermost tasks have 33 pids, one more than next_id
    /// takes; the root cursor gives the outermost, set just before.
    @Test func thirtyThreeLevels() throws {
        let w = Build()
        var cur: Int32 = 1
        for _ in 0..<32 {
            w.c(cur, "clone newpid")
            cur = w.kernel.children(of: cur)!.last!
        }
        w.c(cur, "fork"); w.c(cur, "clone thread")
        w.sysctl(.nsLastPid, 4000)
        let (why, plan, _) = w.restore()
        #expect(why == nil)
        let p = try #require(plan)
        var deep = 0
        for (i, step) in p.steps.enumerated() {
            guard case .ctl(let b) = step, case .create(let pids, _) = b.actions[0], pids.count == 33 else { continue }
            #expect(b.actions.count == 1)
            #expect(p.steps[i - 1] == .sysctl(.nsLastPid, value: Int(pids[0]) - 1, process: nil, object: p.steps[i - 1].object))
            deep += 1
        }
        #expect(deep == 3, "the innermost init, its child and its thread")
    }

    /// Small pid_max with wrapped cursors in the root and a nested namespace, pending next_id,
    /// comm with a space, uids: the cursors written last (ns_last_pid before pid_max).
    @Test func pidWrap() throws {
        let w = Build()
        w.sysctl(.pidMax, 400); w.sysctl(.nsLastPid, 396)
        for _ in 0..<5 { w.c(1, "fork") }
        let ns = Int32(w.c(1, "clone newpid"))
        w.sysctl(.pidMax, 310, of: ns); w.sysctl(.nsLastPid, 308, of: ns)
        for _ in 0..<3 { w.c(ns, "fork") }
        w.c(ns, "comm a b"); w.c(ns, "clone thread")
        let thread = w.kernel.threads(ofGroup: ns)!.last!.tid
        w.c(thread, "next_id LONG3 7 8 9")
        w.c(1, "next_id LONG 12345")
        w.c(ns, "setgid 2000"); w.c(ns, "setuid 2000")
        let (why, plan, _) = w.restore()
        #expect(why == nil)
        let p = try #require(plan)
        let sysctls = p.steps.compactMap { if case .sysctl(let name, let value, let process, _) = $0 { "\(name.rawValue) \(value) \(process ?? 0)" } else { nil } }
        let rootLast = try w.kernel.readSysctl(.nsLastPid, as: w.kernel.actor(1)).get()
        let nsLast = try w.kernel.readSysctl(.nsLastPid, as: w.kernel.actor(ns)).get()
        #expect(nsLast < 308, "the nested cursor wrapped")
        #expect(sysctls.suffix(4) == ["ns_last_pid \(rootLast) 0", "pid_max 400 0", "ns_last_pid \(nsLast) \(ns)", "pid_max 310 \(ns)"])
    }

    /// The children order after reparenting, and threads created out of tid order: both as
    /// the original (the order of later reparenting depends on them).
    @Test func childrenAndThreadOrder() throws {
        let w = Build()
        w.c(1, "next_id LONG 50"); w.c(1, "fork")
        w.c(50, "next_id LONG 60"); w.c(50, "clone thread"); w.c(50, "next_id LONG 55"); w.c(50, "clone thread")
        w.c(60, "next_id LONG 70"); w.c(60, "fork")
        w.c(50, "next_id LONG 71"); w.c(50, "fork")
        w.c(55, "next_id LONG 72"); w.c(55, "fork")
        w.c(60, "exit")                                   // 70 joins 50's list after 71
        w.c(1, "next_id LONG 80"); w.c(1, "fork"); w.c(80, "next_id LONG 81"); w.c(80, "fork"); w.c(80, "exit")
        w.c(1, "next_id LONG 82"); w.c(1, "fork")        // 1's list: 50 81 82 (81 reparented)
        #expect(w.kernel.children(of: 50) == [71, 70])
        #expect(w.kernel.threads(ofGroup: 50)!.map(\.tid) == [50, 55])
        w.expectRestored()
    }

    /// IPC objects of non-root creators (their ids through the *_next_id sysctls), owners
    /// changed, seq > 0, an allocator moved, and init leaving the root IPC namespace.
    @Test func ipcOwnersSeqAndAllocators() throws {
        let w = Build()
        w.c(1, "fork")
        for _ in 0..<3 { let id = w.c(2, "msgget IPC_PRIVATE IPC_CREAT|0600"); w.c(2, "msgrm \(id)") }
        w.c(2, "setgid 100"); w.c(2, "setuid 1000")
        w.c(2, "msgget 0x77 IPC_CREAT|0640"); w.c(2, "semget IPC_PRIVATE 4 IPC_CREAT|0600")
        w.c(2, "shmget 0xdeadbeef 8192 IPC_CREAT|0644")
        w.c(1, "next_id LONG 98311"); w.c(1, "semget 5 2 IPC_CREAT|0666"); w.c(1, "semset 98311 1000 100 0600")
        for _ in 0..<70 { let id = w.c(1, "shmget IPC_PRIVATE 1 IPC_CREAT|0600"); w.c(1, "shmrm \(id)") }
        w.sysctl(.shmNextId, 4242)
        w.c(1, "unshare ipc"); w.c(1, "msgget IPC_PRIVATE IPC_CREAT|0600"); w.sysctl(.msgNextId, 65540, of: 1)
        w.expectRestored()
    }

    /// A process in two IPC namespaces whose children were born in both, with other members
    /// of those namespaces made by a process that has gone (worlds 1,000,682, 2,000,760 and
    /// through mounts 400,004): 20 founds X and makes 10 there; 10 makes 5 in X, founds Y and
    /// makes 11, which makes 12 and the init 13 in Y and exits. The smallest member of X whose
    /// parent is outside, 5, did not found it; the helpers for 12 and 13 need (p1, Y), which
    /// only 10 gives once its maker 20 is made: 1 makes 20 first, instead of making 13 itself
    /// (or being in Y, which it never was).
    @Test func aMakerOfTwoIpcNamespacesBehindHelpers() throws {
        let w = Build()
        w.c(1, "next_id LONG 20"); w.c(1, "fork")
        w.c(20, "unshare ipc"); w.c(20, "next_id LONG 10"); w.c(20, "fork")
        w.c(10, "next_id LONG 5"); w.c(10, "fork")
        w.c(10, "unshare ipc"); w.c(10, "next_id LONG 11"); w.c(10, "fork")
        w.c(11, "next_id LONG 12"); w.c(11, "fork"); w.c(11, "next_id LONG2 1 13"); w.c(11, "clone newpid")
        w.c(11, "exit")
        #expect(w.kernel.children(of: 1) == [20, 12, 13])
        let (why, plan, _) = w.restore()
        #expect(why == nil)
        let p = try #require(plan)
        let image = try Dumper(tree: InProcessTree(.init(kernel: w.kernel))).dump()
        for c: Int32 in [12, 13] {
            let maker = p.actions.first { if case .create(let pids, _) = $0.action { pids[0] == c } else { false } }!.tid
            #expect(!image.processes.contains { $0.tgid == maker }, "\(c) is made by a helper")
        }
    }

    /// A session leader that founded an IPC namespace, where a child of it that has gone made
    /// an orphan (world 6,000,077): 20 founds X, its child 21 makes 30 there and exits, then
    /// 20 leads a new session with a zombie child. The helper that makes 30 needs a keeper of
    /// (p1, X), which 20 leaves before its `setsid` (helpers make children of inits, in the
    /// root session): 20 makes the zombie, whose birth nothing fixes, in its last visit.
    @Test func aSessionLeaderLeavesItsKeepersFirst() throws {
        let w = Build()
        w.c(1, "next_id LONG 10"); w.c(1, "fork"); w.c(10, "next_id LONG 20"); w.c(10, "fork")
        w.c(20, "unshare ipc"); w.c(20, "next_id LONG 21"); w.c(20, "fork")
        w.c(21, "next_id LONG 30"); w.c(21, "fork"); w.c(21, "exit"); w.c(20, "wait 21"); w.c(10, "exit")
        w.c(20, "setsid"); w.c(20, "sigchld default"); w.c(20, "next_id LONG 22"); w.c(20, "fork"); w.c(22, "exit 3")
        #expect(w.kernel.children(of: 1) == [30, 20])
        let (why, _, program) = w.restore()
        #expect(why == nil)
        #expect(program.contains("setsid"))
    }

    /// A gone session leader under an init in a session of its own (world 600,182): 10 leads
    /// a session and makes init 11 of a new namespace; 11's child 12 leads a session, makes 13
    /// and exits. No keeper of the namespace is in the root session, so a process of the world
    /// there (10) forks the stand-in at 12's pids, which runs setsid.
    @Test func aGoneLeaderUnderAnInitOfAnotherSession() throws {
        let w = Build()
        w.c(1, "next_id LONG 10"); w.c(1, "fork"); w.c(10, "setsid"); w.c(10, "unshare pid")
        w.c(10, "next_id LONG2 1 11"); w.c(10, "fork"); w.c(11, "sigchld ignore")
        w.c(11, "next_id LONG2 2 12"); w.c(11, "fork"); w.c(12, "setsid")
        w.c(12, "next_id LONG2 3 13"); w.c(12, "fork"); w.c(12, "exit")
        #expect(w.kernel.children(of: 11) == [13])
        let (why, plan, _) = w.restore()
        #expect(why == nil)
        let p = try #require(plan)
        #expect(p.actions.contains { $0.tid == 12 && $0.action == .setsid }, "the stand-in at 12's pids")
    }

    /// A session leader's thread whose list has a zombie, whose birth nothing fixes, before a
    /// child born in an earlier visit (world 1,000,120): the zombie is made no later than that
    /// child, so the thread still makes its list in order.
    @Test func aSessionLeadersLateChildrenKeepTheirListsOrder() throws {
        let w = Build.processWithThread()
        w.c(10, "sigchld default")
        w.c(11, "next_id LONG 20"); w.c(11, "fork"); w.c(11, "next_id LONG 21"); w.c(11, "fork")
        w.c(10, "unshare ipc"); w.c(10, "setsid"); w.c(20, "exit 5")
        let (why, _, program) = w.restore()
        #expect(why == nil)
        #expect(program.contains("setsid"))
    }

    /// A namespace made by a process that has gone, whose members are in its parent's list in
    /// another order than they were made (the init, pid 1, comes first).
    @Test func aBlockInAnotherOrderThanItsMaking() throws {
        let w = Build.processWithThread()
        w.c(10, "unshare pid")
        w.c(11, "next_id LONG2 1 20"); w.c(11, "fork")   // the init, by the thread
        w.c(10, "next_id LONG2 2 21"); w.c(10, "fork")   // then a member, by the leader
        w.c(11, "exit")                                  // 20 joins 10's list after 21
        w.c(10, "exit")                                  // both go to 1: 21, 20
        #expect(w.kernel.children(of: 1) == [21, 20])
        w.expectRestored()
    }

    /// A namespace made by a process that has gone, whose members were born in two IPC
    /// namespaces (world 9,000,384): 10 unshares pid and makes init 20 in i1, its thread 11
    /// makes 21 there too; 10 then founds a namespace and makes 22 and 23 in it. 1's list is
    /// 20, 22, 23, 21 (the leader's children first): the helper that unshares the namespace
    /// makes them by its visits (i1, then the one it founds), each by a thread that exits in
    /// the list's order.
    @Test func aBlockBornInTwoIpcNamespaces() throws {
        let w = Build.processWithThread()
        w.c(10, "unshare pid")
        w.c(10, "next_id LONG2 1 20"); w.c(10, "fork")
        w.c(11, "next_id LONG2 2 21"); w.c(11, "fork")
        w.c(10, "unshare ipc")
        w.c(10, "next_id LONG2 3 22"); w.c(10, "fork"); w.c(10, "next_id LONG2 4 23"); w.c(10, "fork")
        w.c(10, "exit")
        #expect(w.kernel.children(of: 1) == [20, 22, 23, 21])
        let (why, plan, _) = w.restore()
        #expect(why == nil)
        let p = try #require(plan)
        #expect(p.actions.contains { $0.tid > 100 && $0.action == .unshare(.ipc) }, "the block's helper founds the second namespace")
    }

    /// A namespace made by a process that has gone, which founded the IPC namespace of its
    /// init between making two children of the namespace above (world 10,000,964, shrunk):
    /// thread 11 of 10 forks 12, founds X, forks 13 there, unshares pid and makes init 20 in
    /// X; 10 makes 21 there and exits. 1's list is 21, 12, 13, 20: the helper that unshares
    /// the namespace starts in i1, founds X before its `unshare pid` and makes them by
    /// threads.
    @Test func aBlockThatFoundsTheInitsNamespaceFirst() throws {
        let w = Build.processWithThread()
        w.c(11, "next_id LONG 12"); w.c(11, "fork"); w.c(11, "unshare ipc")
        w.c(11, "next_id LONG 13"); w.c(11, "fork")
        w.c(11, "unshare pid"); w.c(11, "next_id LONG2 1 20"); w.c(11, "fork")
        w.c(10, "next_id LONG2 2 21"); w.c(10, "fork")
        w.c(10, "exit")
        #expect(w.kernel.children(of: 1) == [21, 12, 13, 20])
        w.expectRestored()
    }

    /// A member of a zombie leader's session reparented to the init, with a smaller pid than
    /// the init's child that founded their IPC namespace (world 16,000,555): 1 makes 20 by
    /// `clone newipc`, 20 forks 21, which leads a session, forks 12 and exits (a zombie of
    /// 20). 12 is made by a helper 21 forks, so it cannot found X before 20 exists: 1 makes
    /// 20, which brings X.
    @Test func aZombieLeadersMemberBehindTheFounderOfItsNamespace() throws {
        let w = Build()
        w.c(1, "next_id LONG 20"); w.c(1, "clone newipc")
        w.c(20, "next_id LONG 21"); w.c(20, "fork"); w.c(21, "setsid")
        w.c(21, "next_id LONG 12"); w.c(21, "fork"); w.c(21, "exit 2")
        #expect(w.kernel.children(of: 1) == [20, 12])
        w.expectRestored()
    }

    /// A zombie session leader born by `clone newipc`, whose member was reparented to the
    /// init (world 12,000,965): 10 makes 20 in a new IPC namespace X, 20 leads a session,
    /// forks 21 there and exits (a zombie of 10). The helper 20 forks for 21 needs 20 in X.
    @Test func aZombieLeaderThatFoundedItsNamespace() throws {
        let w = Build()
        w.c(1, "next_id LONG 10"); w.c(1, "fork")
        w.c(10, "next_id LONG 20"); w.c(10, "clone newipc")
        w.c(20, "setsid"); w.c(20, "next_id LONG 21"); w.c(20, "fork"); w.c(20, "exit 1")
        #expect(w.kernel.children(of: 1) == [10, 21])
        w.expectRestored()
    }

    /// A gone session leader's member that made a child in the session and then led its own
    /// (world 13,000,755): 10 leads a session, forks 11 and 12; 11 forks 13 and runs setsid;
    /// 10 exits. 11 and 12 are made by the stand-in at 10's pids.
    @Test func aGoneLeadersMemberThatLeadsItsOwnSession() throws {
        let w = Build()
        w.c(1, "sigchld ignore"); w.c(1, "next_id LONG 10"); w.c(1, "fork"); w.c(10, "setsid")
        w.c(10, "next_id LONG 11"); w.c(10, "fork"); w.c(10, "next_id LONG 12"); w.c(10, "fork")
        w.c(11, "next_id LONG 13"); w.c(11, "fork"); w.c(11, "setsid"); w.c(10, "exit")
        #expect(w.kernel.children(of: 1) == [11, 12])
        let (why, plan, _) = w.restore()
        #expect(why == nil)
        #expect(plan?.created.contains(10) == true, "a stand-in at 10's pid")
    }

    /// A gone session leader forked in an IPC namespace founded below a process that moved on
    /// (world 15,000,511, shrunk by WorldShrink to 14 operations): 1 makes 5 by `clone
    /// newipc` (X); 5's thread 6 forks 7 and the init 8 in X; 7 makes 9 by `clone newipc` (Y);
    /// 5 founds Z; 9 forks 10, which leads a session, forks 11 and exits. The stand-in for 10
    /// needs a keeper of (p1, Y), which 9 leaves: the init is not asked to be in Y.
    @Test func aGoneLeaderForkedInANamespaceFoundedBelow() throws {
        let w = Build()
        w.c(1, "sigchld ignore"); w.c(1, "next_id LONG 5"); w.c(1, "clone newipc")
        w.c(5, "next_id LONG 6"); w.c(5, "clone thread")
        w.c(6, "next_id LONG 7"); w.c(6, "fork"); w.c(6, "next_id LONG2 1 8"); w.c(6, "clone newpid")
        w.c(7, "next_id LONG 9"); w.c(7, "clone newipc"); w.c(5, "unshare ipc")
        w.c(9, "next_id LONG 10"); w.c(9, "fork"); w.c(10, "setsid")
        w.c(10, "next_id LONG 11"); w.c(10, "fork"); w.c(10, "exit 2")
        #expect(w.kernel.children(of: 1) == [5, 11])
        w.expectRestored()
    }

    /// A gone session leader made in X by a process that then left X, whose other member in
    /// X is an init it made (world 26,000,426, shrunk): 4 makes 5 by `clone newipc` (X); 5
    /// forks 6 and init 7 there and founds Z; 6 leads a session, forks 8 and exits.
    @Test func aGoneLeaderMadeByAProcessThatLeftItsNamespace() throws {
        let w = Build()
        w.c(1, "sigchld ignore"); w.c(1, "next_id LONG 4"); w.c(1, "fork")
        w.c(4, "next_id LONG 5"); w.c(4, "clone newipc")
        w.c(5, "next_id LONG 6"); w.c(5, "fork"); w.c(5, "next_id LONG2 1 7"); w.c(5, "clone newpid")
        w.c(5, "unshare ipc")
        w.c(6, "setsid"); w.c(6, "next_id LONG 8"); w.c(6, "fork"); w.c(6, "exit 1")
        #expect(w.kernel.children(of: 1) == [4, 8])
        w.expectRestored()
    }

    /// The same with an orphaned init (world 29,000,363, shrunk): 10 makes 20 by `clone
    /// newipc` (X); 20 makes init 21 and 22 there; 22 makes init 23 and exits (23 goes to 1);
    /// 20 founds Z. 20 founded X: the helper that makes 23 uses the keeper 20 leaves in X.
    @Test func anOrphanedInitInANamespaceItsMakersMakerLeft() throws {
        let w = Build()
        w.c(1, "next_id LONG 10"); w.c(1, "fork"); w.c(10, "next_id LONG 20"); w.c(10, "clone newipc")
        w.c(20, "next_id LONG2 1 21"); w.c(20, "clone newpid"); w.c(20, "next_id LONG 22"); w.c(20, "fork")
        w.c(22, "next_id LONG2 1 23"); w.c(22, "clone newpid"); w.c(22, "exit")
        w.c(20, "unshare ipc")
        #expect(w.kernel.children(of: 1) == [10, 23])
        w.expectRestored()
    }

    /// 10 leads a session made after its thread 11 forked 12, which stays in session 1: 12 is
    /// made before the `setsid` that 13 needs, though 13 comes first in 10's own list (world
    /// 6,000,675).
    @Test func aLeadersThreadMadeAChildBeforeTheSetsid() throws {
        let w = Build.processWithThread()
        w.c(11, "next_id LONG 12"); w.c(11, "fork")
        w.c(10, "setsid"); w.c(10, "next_id LONG 13"); w.c(10, "fork")
        #expect(w.kernel.snapshot().processes.filter { [12, 13].contains($0.tgid) }.map(\.sid) == [1, 10])
        w.expectRestored()
    }

    /// Thread 11 of 10 forks 12, which founds its own IPC namespace (its birth is free), then
    /// 13 in i1; 10 then unshares its IPC namespace and leads a session. 12 is of the old
    /// session: made at its place in 11's list, not late like a child of the new one (world
    /// 1,000,120).
    @Test func aLeadersThreadMakesTheOldSessionsChildrenInOrder() throws {
        let w = Build.processWithThread()
        w.c(11, "next_id LONG 12"); w.c(11, "fork"); w.c(12, "unshare ipc")
        w.c(11, "next_id LONG 13"); w.c(11, "fork")
        w.c(10, "unshare ipc"); w.c(10, "setsid")
        w.expectRestored()
    }

    /// Init 11 forks 12 (its pid 2), which leads a session, forks 13 and exits: 13 is reparented
    /// to 11, which then leaves i1. The session helper at 12's pids needs a keeper of (11's
    /// namespace, i1): 11 is there first (world 8,000,206).
    @Test func aGoneLeadersMembersInAnIpcNamespaceTheirInitLeft() throws {
        let w = Build()
        w.c(1, "next_id LONG 10"); w.c(1, "fork"); w.c(10, "next_id LONG2 1 11"); w.c(10, "clone newpid")
        w.c(11, "sigchld ignore"); w.c(11, "next_id LONG2 2 12"); w.c(11, "fork")
        w.c(12, "setsid"); w.c(12, "next_id LONG2 3 13"); w.c(12, "fork"); w.c(12, "exit")
        w.c(11, "unshare ipc")
        #expect(w.kernel.children(of: 11) == [13])
        w.expectRestored()
    }

    /// 2 leads group 2, 3 joins it, then 2 joins group 11, led one pid namespace below (the
    /// generators' shape): group 2 lives on without its leader, who is in the world. 2 leads
    /// its group again while 3 joins, then moves on (world 16,000,657).
    @Test func aGroupWhoseLeaderMovedToAnotherGroup() throws {
        let w = Build()
        w.c(1, "next_id LONG 2"); w.c(1, "fork"); w.c(1, "next_id LONG 3"); w.c(1, "fork")
        w.c(2, "setpgid 0 0"); w.c(3, "setpgid 0 2")
        w.c(1, "next_id LONG2 1 10"); w.c(1, "clone newpid"); w.c(10, "next_id LONG2 2 11"); w.c(10, "fork")
        w.c(11, "setpgid 0 0"); w.c(2, "setpgid 0 11")
        #expect(w.pgids([2, 3]) == [11, 2])
        w.expectRestored()
    }

    /// World 900,142 shrunk: 2 joins the group of 3 (an init in a namespace below), then makes
    /// 4, the init of another namespace below, which is in that group by birth: it sees the
    /// group as 0 and could not join it. 3 is made after 2, so 2's making of 4 waits for it.
    @Test func aGroupMembershipByBirthAcrossPidNamespaces() throws {
        let w = Build.memberOfAGroupBelow()
        w.c(2, "next_id LONG2 1 4"); w.c(2, "clone newpid")
        #expect(w.pgids([2, 4]) == [3, 3])
        w.expectRestored()
    }

    /// The same by `unshare pid`, then the parent leads a group of its own and makes a child
    /// in that one by birth too (the child sees neither group).
    @Test func membershipsByBirthInTwoGroupsOfOneParent() throws {
        let w = Build.memberOfAGroupBelow()
        w.c(2, "unshare pid"); w.c(2, "next_id LONG2 1 4"); w.c(2, "fork")
        w.c(2, "setpgid 0 0"); w.c(2, "next_id LONG2 2 7"); w.c(2, "fork")
        #expect(w.pgids([2, 4, 7]) == [2, 3, 2])
        w.expectRestored()
    }

    /// A shape of the in-process campaigns: the group's leader 4 is gone (its init 3 exited: a dying init
    /// held by the group from outside), and 2 made 5 in it by birth: its stand-in leads the
    /// group from phase A, made by the dying init in its namespace, before 2 makes 5.
    @Test func aMembershipByBirthInTheGroupOfAGoneLeader() throws {
        let w = Build()
        w.c(1, "next_id LONG 2"); w.c(1, "fork")
        w.c(1, "next_id LONG2 1 3"); w.c(1, "clone newpid"); w.c(3, "next_id LONG2 2 4"); w.c(3, "fork"); w.c(4, "setpgid 0 0")
        w.c(2, "setpgid 0 4"); w.c(2, "next_id LONG2 1 5"); w.c(2, "clone newpid")
        w.c(3, "exit 1")
        #expect(w.pgids([2, 4, 5]) == [4, 4])
        w.expectRestored()
    }

    /// World 14,000,319 shrunk: 12 joins group 14 (led one namespace below, by a child of its
    /// init's other child 13), makes init 15 in it by birth and exits: 15 is reparented to init
    /// 10, which is in group 1 and can never leave it (it sees no group but its own). 10 made
    /// 13 itself, but not 15: a helper does, joining group 14 (16,000,011 is the same shape).
    @Test func anOrphanInAGroupByBirthThatItsInitCannotJoin() throws {
        let w = Build()
        w.c(1, "next_id LONG2 1 10"); w.c(1, "clone newpid")
        w.c(10, "next_id LONG2 2 11"); w.c(10, "fork"); w.c(10, "next_id LONG2 3 12"); w.c(10, "fork")
        w.c(10, "next_id LONG3 1 4 13"); w.c(10, "clone newpid")
        w.c(13, "next_id LONG3 2 5 14"); w.c(13, "fork"); w.c(14, "setpgid 0 0")
        w.c(12, "setpgid 0 5"); w.c(12, "next_id LONG3 1 6 15"); w.c(12, "clone newpid"); w.c(12, "exit 3")
        #expect(w.kernel.children(of: 10) == [11, 13, 15])
        #expect(w.pgids([10, 13, 15]) == [1, 1, 14])
        w.expectRestored()
    }

    /// The fixed world of both, and of a leader that is not an init (as in world 900,142).
    @Test func theFixedWorldOfGroupsByBirth() throws {
        let w = try Build.world("group-by-birth")
        #expect(w.pgids([4, 12, 13, 23]) == [3, 11, 10, 22])
        w.expectRestored()
    }
}

extension Step {
    var object: String {
        switch self {
        case .sysctl(_, _, _, let object): object
        case .ctl(let b): b.note
        case .note(let n): n
        }
    }
}
