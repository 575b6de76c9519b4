@testable import IdAllocators
import Testing

/// Sessions, process groups and zombies: what the successful calls do (the errnos are in
/// ErrnoTableTests; the kernel judges both through the conformance scripts).
@Suite struct SessionTests {
    func status(_ w: World, _ tid: Int32) -> TaskStatus { w.kernel.status(of: tid)! }

    @Test func groupsAndSessionsAreInherited() {
        let w = World()
        #expect(status(w, 1).nsPgid == [1] && status(w, 1).nsSid == [1], "the root init leads session and group 1")
        let a = w.spawn(1)
        #expect(status(w, a).pgid == 1 && status(w, a).sid == 1)
        let t = w.spawn(a, .thread)
        #expect(status(w, t).pgid == 1, "a thread shows its process's group")
        // A new namespace's init inherits them; they have no number inside.
        let nsInit = w.spawn(a, .newPid)
        #expect(status(w, nsInit).nsPgid == [1, 0] && status(w, nsInit).nsSid == [1, 0])
        #expect(w.value(nsInit, .setsid) == 1, "setsid returns the session id in the caller's namespace")
        #expect(status(w, nsInit).nsPgid == [nsInit, 1] && status(w, nsInit).nsSid == [nsInit, 1])
        let inner = w.spawn(nsInit)
        #expect(status(w, inner).nsSid == [nsInit, 1])
    }

    @Test func setpgidMovesChildrenWithinTheSession() {
        let w = World()
        let p = w.spawn(1)
        let c = w.spawn(p)
        #expect(w.value(p, .setpgid(pid: 0, pgid: 0)) == 0)
        #expect(status(w, p).pgid == p && status(w, c).pgid == 1)
        #expect(w.value(p, .setpgid(pid: c, pgid: p)) == 0, "a child joins its parent's group")
        #expect(status(w, c).pgid == p)
        #expect(w.value(c, .setpgid(pid: 0, pgid: 1)) == 0, "a process joins a group of its session itself")
        #expect(status(w, c).pgid == 1)
        // A child of another thread of the caller's process counts as its child.
        let t = w.spawn(p, .thread)
        let d = w.spawn(t)
        #expect(w.value(p, .setpgid(pid: d, pgid: 0)) == 0)
        #expect(status(w, d).pgid == d)
    }

    /// A pid stays taken while a group or a session uses it: automatic pids skip it, a
    /// forced one is EEXIST; the last member gone, it is free again.
    @Test func deadLeadersKeepTheirPids() {
        let w = World(pidMax: 400)
        let p = w.spawn(1)
        let leader = w.spawn(p)
        #expect(w.value(leader, .setpgid(pid: 0, pgid: 0)) == 0)
        let member = w.spawn(leader)
        #expect(w.value(leader, .exit(code: 0)) == 0)
        #expect(w.value(p, .wait(pid: leader)) == Int64(leader))
        #expect(w.kernel.status(of: leader) == nil, "reaped")
        #expect(status(w, member).pgid == leader, "its group lives on")
        #expect(w.errno(1, w.pending(leader)) == nil && w.errno(1, .fork) == .EEXIST)
        #expect(w.setSysctl(.nsLastPid, Int64(leader - 1), by: 1) == .success(0))
        let next = w.spawn(1)
        #expect(next != leader, "the cursor skips it")
        #expect(w.value(member, .setpgid(pid: 0, pgid: 0)) == 0)
        _ = w.call(1, w.pending(leader))
        #expect(w.spawn(1) == leader, "free once the group is gone")
        // The same with a session.
        let s = w.spawn(p)
        #expect(w.value(s, .setsid) == Int64(s))
        let sessionMember = w.spawn(s)
        _ = w.call(s, .exit(code: 0))
        _ = w.call(p, .wait(pid: s))
        #expect(status(w, sessionMember).sid == s && status(w, sessionMember).pgid == s)
        _ = w.call(1, w.pending(s))
        #expect(w.errno(1, .fork) == .EEXIST)
        _ = w.call(sessionMember, .exit(code: 0))  // its parent was s: the init reaps it
        _ = w.call(1, w.pending(s))
        #expect(w.spawn(1) == s)
    }

    @Test func zombiesUntilReaped() {
        let w = World()
        let p = w.spawn(1)
        let a = w.spawn(p)
        let b = w.spawn(p)
        #expect(w.value(p, .wait(pid: nil)) == 0, "children, none exited")
        #expect(w.value(a, .exit(code: 3)) == 0)
        let z = status(w, a)
        #expect(z.state == .zombie && z.exitCode == 3 << 8 && z.ppid == p && z.threads == 1)
        #expect(z.flags & TaskStatus.exitingFlag != 0)
        #expect(w.kernel.children(of: p) == [a, b], "still its parent's child")
        #expect(w.kernel.namespaceInodes(of: a)!.hasExited)
        #expect(w.kernel.ipcTable(.msg, as: w.actor(a)) == nil, "it left its IPC namespace")
        _ = w.call(1, w.pending(a))
        #expect(w.errno(1, .fork) == .EEXIST, "a zombie holds its pid")
        #expect(w.value(p, .wait(pid: nil)) == Int64(a))
        #expect(w.kernel.status(of: a) == nil)
        #expect(w.value(p, .wait(pid: nil)) == 0)
        _ = w.call(b, .exit(code: 0))
        #expect(w.value(p, .wait(pid: b)) == Int64(b))
        #expect(w.errno(p, .wait(pid: nil)) == .ECHILD)
    }

    @Test func waitReturnsThePidInTheCallersNamespace() {
        let w = World()
        let p = w.spawn(1)
        _ = w.call(p, .unshare(.pid))
        let nsInit = w.spawn(p)
        let inner = w.spawn(nsInit)
        let grandchild = w.spawn(inner)
        _ = w.call(grandchild, .exit(code: 0))
        #expect(w.value(inner, .wait(pid: nil)) == 3, "its pid inside the namespace")
        let second = w.spawn(p)  // outside parent, pid 3 inside
        _ = w.call(second, .exit(code: 0))
        #expect(w.value(p, .wait(pid: nil)) == Int64(second), "the root number for a root parent")
    }

    /// Children of the calling thread first, then of the other threads from it in thread order.
    @Test func waitReapsTheCallingThreadsZombiesFirst() {
        let w = World()
        let p = w.spawn(1)
        let t1 = w.spawn(p, .thread)
        let t2 = w.spawn(p, .thread)
        let byLeader = w.spawn(p)
        let byT1 = w.spawn(t1)
        let byT2 = w.spawn(t2)
        for c in [byLeader, byT1, byT2] { _ = w.call(c, .exit(code: 0)) }
        #expect(w.value(t2, .wait(pid: nil)) == Int64(byT2))
        #expect(w.value(t2, .wait(pid: nil)) == Int64(byLeader), "then the leader's, wrapping around")
        #expect(w.value(t2, .wait(pid: nil)) == Int64(byT1))
    }

    @Test func ignoringSigchldReapsAtOnceAndIsInherited() {
        let w = World()
        let p = w.spawn(1)
        let before = w.spawn(p)
        _ = w.call(before, .exit(code: 0))
        #expect(w.value(p, .sigchld(ignore: true)) == 0)
        #expect(status(w, before).state == .zombie, "a zombie made before stays")
        let c = w.spawn(p)
        _ = w.call(c, .exit(code: 0))
        #expect(w.kernel.status(of: c) == nil, "reaped as it exited")
        let child = w.spawn(p)
        let grandchild = w.spawn(child)  // child inherited SIG_IGN
        _ = w.call(grandchild, .exit(code: 0))
        #expect(w.kernel.status(of: grandchild) == nil)
        _ = w.call(child, .sigchld(ignore: false))
        let late = w.spawn(child)
        _ = w.call(late, .exit(code: 0))
        #expect(status(w, late).state == .zombie)
        #expect(w.value(p, .wait(pid: before)) == Int64(before), "wait still reaps")
    }

    /// A parent's exit gives its children to the init, which reaps the zombies among them; a
    /// thread's exit gives them to its leader, and zombies stay zombies.
    @Test func orphanedZombies() {
        let w = World()
        let p = w.spawn(1)
        let t = w.spawn(p, .thread)
        let z = w.spawn(t)
        _ = w.call(z, .exit(code: 0))
        _ = w.call(t, .exit(code: 0))
        #expect(status(w, z).state == .zombie && w.kernel.children(of: p) == [z])
        let live = w.spawn(p)
        _ = w.call(p, .exit(code: 0))
        #expect(w.kernel.status(of: z) == nil, "the init reaped it")
        #expect(status(w, live).ppid == 1)
        #expect(w.kernel.status(of: p) == nil, "p itself: its parent is the init")
    }

    /// An init whose own process group is a pid of its namespace holds that pid itself: it
    /// waits after its exit until its parent moves it to another group (the kernel's
    /// zap_pid_ns_processes does the same; the conformance generator never makes this, as the
    /// real kernel could never tear such a namespace down without the parent's help).
    @Test func initPinnedByItsOwnGroup() {
        let w = World()
        let p = w.spawn(1)
        let nsInit = w.spawn(p, .newPid)
        let leader = w.spawn(nsInit)
        _ = w.call(leader, .setpgid(pid: 0, pgid: 0))
        #expect(w.value(nsInit, .setpgid(pid: 0, pgid: 2)) == 0)
        #expect(w.value(nsInit, .exit(code: 0)) == 0)
        #expect(status(w, nsInit).state == .dying)
        #expect(w.kernel.status(of: leader) == nil, "killed and reaped by the init")
        #expect(w.value(p, .setpgid(pid: nsInit, pgid: nsInit)) == 0, "its parent may still move it")
        #expect(status(w, nsInit).state == .zombie)
        #expect(w.value(p, .wait(pid: nil)) == Int64(nsInit))
    }
}
