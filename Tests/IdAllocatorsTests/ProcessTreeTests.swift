@testable import IdAllocators
import Testing

/// copy_process, exit, reparenting, namespaces of processes and threads.
@Suite struct ProcessTreeTests {
    @Test func forkRecordsParentChildrenAndInheritance() {
        let w = World()
        _ = w.call(1, .comm(Array("restore".utf8)))
        let a = w.spawn(1)
        let b = w.spawn(1)
        #expect(w.kernel.children(of: 1) == [a, b])
        let s = w.kernel.status(of: a)!
        #expect(s.ppid == 1 && s.tgid == a && s.threads == 1)
        #expect(s.name == Array("restore".utf8), "a child starts with its creator's comm")
        #expect(w.kernel.namespaceInodes(of: a) == w.kernel.namespaceInodes(of: 1))
        #expect(w.kernel.namespaceInodes(of: 1) == NamespaceInodes(pid: 4026531836, pidForChildren: 4026531836, pidForChildrenHadInit: true, ipc: 4026531839))
    }

    @Test func threadsShareTheGroupAndHaveTheirOwnChildren() {
        let w = World()
        let p = w.spawn(1)
        let t = w.spawn(p, .thread)
        let s = w.kernel.status(of: t)!
        #expect(s.tgid == p && s.pid == t && s.ppid == 1 && s.threads == 2)
        #expect(w.kernel.status(of: p)!.threads == 2)
        #expect(w.kernel.threads(ofGroup: p)!.map(\.tid) == [p, t])
        #expect(w.kernel.threads(ofGroup: t) == nil, "a thread is not a group")
        #expect(w.kernel.threadGroups(from: 0, limit: 10).map(\.tid) == [1, p])
        let c = w.spawn(t)
        #expect(w.kernel.children(of: t) == [c])
        #expect(w.kernel.children(of: p) == [])
        #expect(w.kernel.status(of: c)!.ppid == p, "PPid is the parent's tgid")
        // The thread ends: its child goes to the group leader.
        #expect(w.value(t, .exit(code: 0)) == 0)
        #expect(w.kernel.status(of: t) == nil)
        #expect(w.kernel.children(of: p) == [c])
        #expect(w.kernel.status(of: p)!.threads == 1)
    }

    @Test func threadTidIsFreedAndReused() {
        let w = World(pidMax: 301)
        let p = w.spawn(1)
        let t = w.spawn(p, .thread)
        _ = w.call(t, .exit(code: 0))
        _ = w.call(p, w.pending(t))
        #expect(w.value(p, .clone(.thread)) == Int64(t))
    }

    @Test func orphansGoToTheirNamespaceInitAtTheEndOfItsChildren() {
        let w = World()
        let a = w.spawn(1)
        let b = w.spawn(a)
        let c = w.spawn(a)
        let t = w.spawn(a, .thread)
        let d = w.spawn(t)
        #expect(w.value(a, .exit(code: 0)) == 0)
        #expect(w.kernel.status(of: t) == nil, "the whole group ended")
        #expect(w.kernel.children(of: 1) == [b, c, d])
        #expect(w.kernel.status(of: d)!.ppid == 1)
    }

    @Test func orphansInANestedNamespaceGoToThatInit() {
        let w = World()
        let nsInit = w.spawn(1, .newPid)
        let a = w.spawn(nsInit)
        let b = w.spawn(a)
        _ = w.call(a, .exit(code: 0))
        #expect(w.kernel.children(of: nsInit) == [b])
        #expect(w.kernel.status(of: b)!.ppid == nsInit)
    }

    @Test func aProcessOutsideANamespaceOrphansIntoItsOwnNamespace() {
        let w = World()
        let p = w.spawn(1)
        _ = w.call(p, .unshare(.pid))
        let nsInit = w.spawn(p)
        let second = w.spawn(p)
        #expect(w.nspid(second) == [w.nspid(second)[0], 2])
        _ = w.call(p, .exit(code: 0))
        // Reaper is the init of p's own (root) namespace.
        #expect(w.kernel.children(of: 1) == [nsInit, second])
    }

    @Test func namespaceInitExitEndsEveryTaskInItAndBelow() {
        let w = World()
        let p = w.spawn(1)
        _ = w.call(p, .sigchld(ignore: true))  // its killed children are reaped at once
        _ = w.call(p, .unshare(.pid))
        let nsInit = w.spawn(p)
        let sibling = w.spawn(p)  // in the namespace, parent outside
        let inner = w.spawn(nsInit)
        let innerThread = w.spawn(inner, .thread)
        let deeperInit = w.spawn(inner, .newPid)
        let deepest = w.spawn(deeperInit)
        let outsideChild = w.spawn(p, [])  // fork after unshare goes into the namespace too
        #expect(w.nspid(outsideChild).count == 2)
        #expect(w.value(nsInit, .exit(code: 0)) == 0)
        for gone in [nsInit, sibling, inner, innerThread, deeperInit, deepest, outsideChild] {
            #expect(w.kernel.status(of: gone) == nil)
        }
        #expect(w.kernel.children(of: p) == [])
        #expect(w.kernel.threadGroups(from: 0, limit: 10).map(\.tid) == [1, p])
        #expect(w.errno(p, .fork) == .ENOMEM)
    }

    /// zap_pid_ns_processes: the processes whose parent is outside the namespace become that
    /// parent's zombies, and the init waits (dying, still holding its pids) until they are
    /// reaped; then it finishes its own exit and is a zombie of its own parent.
    @Test func namespaceInitWaitsForZombiesOutside() {
        let w = World()
        let p = w.spawn(1)
        _ = w.call(p, .unshare(.pid))
        let nsInit = w.spawn(p)
        let sibling = w.spawn(p)
        let inner = w.spawn(nsInit)
        let deeperInit = w.spawn(inner, .newPid)
        let outsideChild = w.spawn(p)
        #expect(w.value(nsInit, .exit(code: 4)) == 0)
        for gone in [inner, deeperInit] { #expect(w.kernel.status(of: gone) == nil) }
        #expect(w.kernel.status(of: nsInit)!.state == .dying)
        #expect(w.kernel.status(of: nsInit)!.exitCode == 4 << 8)
        for zombie in [sibling, outsideChild] {
            #expect(w.kernel.status(of: zombie)!.state == .zombie)
            #expect(w.kernel.status(of: zombie)!.exitCode == 9, "killed by SIGKILL")
        }
        #expect(w.kernel.children(of: p) == [nsInit, sibling, outsideChild])
        #expect(w.errno(nsInit, .fork) == .ESRCH, "a dying task makes no calls")
        #expect(w.errno(p, .fork) == .ENOMEM)
        #expect(w.value(p, .wait(pid: nil)) == Int64(sibling), "the first zombie; the dying init is no zombie yet")
        #expect(w.kernel.status(of: nsInit)!.state == .dying)
        #expect(w.value(p, .wait(pid: Int32(nsInit))) == 0, "still running its exit")
        #expect(w.value(p, .wait(pid: Int32(outsideChild))) == Int64(outsideChild))
        #expect(w.kernel.status(of: nsInit)!.state == .zombie, "its namespace is empty: it finished")
        #expect(w.value(p, .wait(pid: nil)) == Int64(nsInit))
        #expect(w.errno(p, .wait(pid: nil)) == .ECHILD)
        #expect(w.kernel.threadGroups(from: 0, limit: 10).map(\.tid) == [1, p])
    }

    @Test func rootInitCannotExitButItsThreadsCan() {
        let w = World()
        #expect(w.errno(1, .exit(code: 0)) == .EBUSY)
        let t = w.spawn(1, .thread)
        #expect(w.value(t, .exit(code: 0)) == 0)
        #expect(w.kernel.status(of: 1)!.threads == 1)
    }

    @Test func cloneFlagRules() {
        let w = World()
        #expect(w.errno(1, .clone([.newPid, .thread])) == .EINVAL)
        #expect(w.errno(1, .clone([.newIpc, .thread])) == .EINVAL)
        let user = w.spawn(1)
        _ = w.call(user, .setuid(1000))
        #expect(w.errno(user, .clone([.newIpc, .thread])) == .EPERM, "capability before the SYSVSEM clash")
        #expect(w.errno(user, .clone([.newPid, .thread])) == .EINVAL)
        #expect(w.errno(user, .clone(.newPid)) == .EPERM)
        #expect(w.errno(user, .clone(.newIpc)) == .EPERM)
        #expect(w.errno(user, .unshare(.ipc)) == .EPERM)
        // After unshare pid, new threads are refused (they would be in another namespace).
        let p = w.spawn(1)
        _ = w.call(p, .unshare(.pid))
        #expect(w.errno(p, .clone(.thread)) == .EINVAL)
        #expect(w.errno(p, .unshare(.pid)) == .EINVAL)
        #expect(w.errno(p, .unshare([.pid, .ipc])) == .EINVAL)
        _ = w.call(p, .setuid(1000))
        #expect(w.errno(p, .clone([.newIpc, .thread])) == .EINVAL, "the new thread's namespace is checked before the capability")
        #expect(w.kernel.namespaceInodes(of: p)!.ipc == 4026531839, "a failed unshare changes nothing")
    }

    @Test func unshareAndCloneMakeNewNamespaces() {
        let w = World()
        let p = w.spawn(1)
        let before = w.kernel.namespaceInodes(of: p)!
        _ = w.call(p, .unshare([.pid, .ipc]))
        let after = w.kernel.namespaceInodes(of: p)!
        #expect(after.pid == before.pid)
        #expect(after.pidForChildren != before.pid && !after.pidForChildrenHadInit, "a new namespace, no target before it has an init")
        #expect(after.ipc != before.ipc)
        let c = w.spawn(p)
        let withInit = w.kernel.namespaceInodes(of: p)!
        #expect(withInit.pidForChildrenHadInit && withInit.pidForChildren == after.pidForChildren)
        let ci = w.kernel.namespaceInodes(of: c)!
        #expect(ci.pid == withInit.pidForChildren && ci.pidForChildren == ci.pid && ci.ipc == after.ipc)
        let q = w.spawn(1, [.newPid, .newIpc])
        let qi = w.kernel.namespaceInodes(of: q)!
        #expect(Set([qi.pid, qi.ipc, ci.pid, after.ipc]).count == 4, "every namespace has its own number")
        // After the init died the link stays (the namespace is dead, not unused).
        _ = w.call(c, .exit(code: 0))
        #expect(w.kernel.namespaceInodes(of: p)!.pidForChildren == ci.pid)
        #expect(w.nspid(q).last == 1)
    }

    @Test func credentialsAndComm() {
        let w = World()
        let p = w.spawn(1)
        let t = w.spawn(p, .thread)
        #expect(w.value(t, .setgid(100)) == 0)
        #expect(w.value(t, .setuid(1000)) == 0)
        #expect(w.kernel.status(of: p)!.uid == 1000 && w.kernel.status(of: p)!.gid == 100)
        #expect(w.errno(p, .setuid(0)) == .EPERM)
        #expect(w.errno(p, .setgid(100)) == .EPERM)
        _ = w.call(t, .comm(Array("a-very-long-name-indeed".utf8)))
        #expect(w.kernel.status(of: t)!.name == Array("a-very-long-nam".utf8))
        #expect(w.kernel.status(of: p)!.name == Array("init".utf8), "comm is per thread")
        let c = w.spawn(p)
        #expect(w.kernel.status(of: c)!.uid == 1000, "children inherit credentials")
    }

    @Test func operationsCountEveryCallAndSysctlWrite() {
        let w = World()
        #expect(w.kernel.operations == 0)
        w.call(1, .fork)
        w.call(1, .setuid(5000))
        w.call(2, .exit(code: 0))
        w.setSysctl(.pidMax, 5000, by: 1)
        _ = w.sysctl(.pidMax, of: 1)
        _ = w.kernel.status(of: 1)
        #expect(w.kernel.operations == 4, "reads are not operations")
        let outcome = w.kernel.run([.success(.fork), .failure(.EINVAL), .success(.fork)], by: w.kernel.handle(ofPid: 1))
        #expect(outcome.operation == 5 && w.kernel.operations == 5, "a line that did not parse did not run")
    }
}
