import IdAllocators
@testable import NextIdFS
import Testing

/// The tree over a kernel, without FUSE: names, inodes, listings, reads and writes.
@Suite struct TreeTests {
    let fs = Filesystem(kernel: Kernel(pidMax: 32768, now: { 1_700_000_000 }))
    let root = Caller(uid: 0, gid: 0)

    func path(_ components: String...) -> Result<NodeAttributes, Errno> {
        var node: Result<NodeAttributes, Errno> = fs.getattr(1)
        for c in components { node = node.flatMap { fs.lookup(parent: $0.inode, name: Array(c.utf8)) } }
        return node
    }

    func inode(_ components: String...) -> UInt64 {
        var node: Result<NodeAttributes, Errno> = fs.getattr(1)
        for c in components { node = node.flatMap { fs.lookup(parent: $0.inode, name: Array(c.utf8)) } }
        return (try? node.get().inode) ?? 0
    }

    func write(_ inode: UInt64, _ text: String, offset: Int64 = 0, file: OpenFile? = nil) -> Result<Int, Errno> {
        guard let f = file ?? (try? fs.open(inode).get()) else { return .failure(.ENOENT) }
        return fs.write(f, WriteRequest(data: ArraySlice(Array(text.utf8)), offset: offset, caller: root)).result
    }

    func read(_ inode: UInt64) -> String {
        guard let f = try? fs.open(inode).get(), let b = try? fs.read(f, offset: 0, size: 1 << 20).get() else { return "<error>" }
        return String(decoding: b, as: UTF8.self)
    }

    func list(_ inode: UInt64) -> [String] {
        var names: [String] = []
        _ = fs.readdir(inode, from: 0) { names.append(String(decoding: $0.name, as: UTF8.self)); return true }
        return names
    }

    @Test func layout() throws {
        #expect(list(1) == [".", "..", "sys", "tty", "stat", "task", "uptime", "cpuinfo", "loadavg", "meminfo", "sysvipc", "attach", "pid_namespaces", "self", "thread-self", "1"])
        #expect(read(inode("uptime")) == "0.00 0.00\n")
        #expect(list(inode("1")) == [".", "..", "cmdline", "comm", "ns", "stat", "status", "sys", "sysvipc", "task"])
        #expect(list(inode("1", "task")) == [".", "..", "1"])
        #expect(list(inode("1", "task", "1")) == [".", "..", "children", "cmdline", "comm", "ctl", "next_id", "stat", "status"])
        let sysKernel = [".", "..", "msg_next_id", "msgmax", "msgmnb", "msgmni", "ns_last_pid", "osrelease", "pid_max", "sem",
                         "sem_next_id", "shm_next_id", "shmall", "shmmax", "shmmni"]
        #expect(list(inode("1", "sys", "kernel")) == sysKernel, "sorted by name, as sysctl directories list")
        #expect(list(inode("sys", "kernel")) == sysKernel)
        #expect(try path("sys", "kernel", "msgmni").get().permissions == 0o444, "a limit the simulation cannot change")
        #expect(try path("sys", "kernel", "pid_max").get().permissions == 0o644)
        #expect(list(inode("tty")) == [".", "..", "drivers"])
        #expect(list(inode("task")) == [".", "..", "1"])
        #expect(try path("1", "task", "1", "ctl").get().permissions == 0o600)
        #expect(try path("1", "status").get().permissions == 0o444)
        #expect(try path("1", "ns").get().permissions == 0o511)
        #expect(path("2") == .failure(.ENOENT))
        #expect(path("01") == .failure(.ENOENT), "procfs names have no leading zero")
        #expect(path("1", "nope") == .failure(.ENOENT))
        #expect(path("1", "status", "x") == .failure(.ENOTDIR))
        #expect(fs.readlink(inode("task", "1")) == .success(Array("../1/task/1".utf8)))
        #expect(fs.readlink(inode("1", "ns", "ipc")) == .success(Array("ipc:[4026531839]".utf8)))
    }

    @Test func forkThroughCtlAndReadBack() {
        let ctl = inode("1", "task", "1", "ctl")
        #expect(read(ctl) == "")
        #expect(write(inode("1", "task", "1", "next_id"), "LONG 4242\n") == .success(10))
        #expect(read(inode("1", "task", "1", "next_id")) == "LONG 4242\n")
        #expect(write(ctl, "fork\n") == .success(5))
        #expect(read(ctl) == "4242\n")
        #expect(read(inode("1", "task", "1", "next_id")) == "")
        #expect(read(inode("4242", "status")).contains("NSpid:\t4242\n"))
        #expect(read(inode("1", "task", "1", "children")) == "4242 ")
        #expect(list(1).suffix(2) == ["1", "4242"])
        #expect(write(ctl, "clone thread\n") == .success(13))
        #expect(list(inode("task")) == [".", "..", "1", "2", "4242"], "a forced pid leaves the cursor: the thread gets 2")
        #expect(list(inode("1", "task")) == [".", "..", "1", "2"])
    }

    @Test func batchesStopAtTheFirstFailureWithAShortWrite() {
        let ctl = inode("1", "task", "1", "ctl")
        let file = try! fs.open(ctl).get()
        #expect(write(ctl, "fork\nbogus\nfork\n", file: file) == .success(5))
        #expect(read(ctl) == "-22 EINVAL\n")
        #expect(list(1) == [".", "..", "sys", "tty", "stat", "task", "uptime", "cpuinfo", "loadavg", "meminfo", "sysvipc", "attach", "pid_namespaces", "self", "thread-self", "1", "2"])
        // The writer retries the rest: the failed line is not run again.
        #expect(write(ctl, "bogus\nfork\n", file: file) == .failure(.EINVAL))
        #expect(write(ctl, "fork\n", file: file) == .success(5))
        #expect(list(1).last == "3")
        // A failing pending id is not retried as an automatic fork.
        #expect(write(ctl, "next_id LONG 2\nfork\n", file: file) == .success(15))
        #expect(read(ctl) == "-17 EEXIST\n")
        #expect(write(ctl, "fork\n", offset: 15, file: file) == .failure(.EEXIST), "the retry, after the bytes taken")
        #expect(list(1).last == "3")
        #expect(write(ctl, "bogus\n") == .failure(.EINVAL), "a first line that fails fails the write")
    }

    @Test func nextIdWritesAreAllOrNothing() {
        let nextId = inode("1", "task", "1", "next_id")
        #expect(write(nextId, "LONG2 1 500") == .success(11))
        for bad in ["LONG 5 6", "clear x", "LONG 5\nLONG 6\n", "LONG -1"] {
            #expect(write(nextId, bad) == .failure(.EINVAL))
        }
        #expect(write(nextId, "LONG 7", offset: 3) == .failure(.EINVAL))
        #expect(read(nextId) == "LONG2 1 500\n")
        #expect(fs.truncate(nextId).map(\.inode) == .success(nextId))
        #expect(read(nextId) == "LONG2 1 500\n", "truncate changes nothing")
        #expect(write(nextId, "clear\n") == .success(6))
        #expect(read(nextId) == "")
    }

    @Test func sysctlFiles() {
        let lastPid = inode("1", "sys", "kernel", "ns_last_pid")
        #expect(read(lastPid) == "1\n")
        #expect(write(lastPid, "99\n") == .success(3))
        #expect(read(inode("sys", "kernel", "ns_last_pid")) == "99\n")
        #expect(write(lastPid, "x\n") == .failure(.EINVAL))
        #expect(write(lastPid, "7", offset: 5) == .success(1), "ignored, like sysctl_writes_strict")
        #expect(read(lastPid) == "99\n")
        #expect(read(inode("sys", "kernel", "msg_next_id")) == "-1\n")
        let file = try! fs.open(inode("sys", "kernel", "pid_max")).get()
        #expect(fs.write(file, WriteRequest(data: ArraySlice(Array("4000\n".utf8)), offset: 0, caller: Caller(uid: 1000, gid: 0))).result == .failure(.EPERM))
        #expect(fs.write(file, WriteRequest(data: ArraySlice(Array("4000\n".utf8)), offset: 0, caller: root)).result == .success(5))
        #expect(read(inode("1", "sys", "kernel", "pid_max")) == "4000\n")
    }

    @Test func appendingWritesAtTheStart() {
        let nextId = inode("1", "task", "1", "next_id")
        let lastPid = inode("sys", "kernel", "ns_last_pid")
        func append(_ file: OpenFile, _ text: String, offset: Int64) -> Result<Int, Errno> {
            fs.write(file, WriteRequest(data: ArraySlice(Array(text.utf8)), offset: offset, append: true, caller: root)).result
        }
        // The kernel's offset for O_APPEND is its cached size; nothing knows the fd's position.
        let sysctl = try! fs.open(lastPid).get()
        #expect(append(sysctl, "200\n", offset: 3) == .success(4))
        #expect(read(lastPid) == "200\n")
        #expect(append(sysctl, "300\n", offset: 7) == .success(4))
        #expect(read(lastPid) == "300\n", "also the second write on the fd (procfs ignores it)")
        let file = try! fs.open(nextId).get()
        #expect(append(file, "LONG 6\n", offset: 12) == .success(7))
        #expect(read(nextId) == "LONG 6\n")
        #expect(append(file, "LONG 7\n", offset: 7) == .success(7))
        #expect(read(nextId) == "LONG 7\n")
    }

    /// sysvipc/ids (a nextidfs extension): seq, last_idx and the cyclic cursor of each type in
    /// the namespace, read-only; an automatic id moves them, a forced one does not.
    @Test func ipcAllocatorState() throws {
        #expect(list(inode("sysvipc")) == [".", "..", "ids", "msg", "sem", "shm"])
        #expect(list(inode("1", "sysvipc")) == [".", "..", "ids", "msg", "sem", "shm"])
        let pristine = "kind seq last_idx idr_next\nmsg 0 -1 0\nsem 0 -1 0\nshm 0 -1 0\n"
        #expect(read(inode("sysvipc", "ids")) == pristine)
        let ctl = inode("1", "task", "1", "ctl")
        #expect(write(ctl, "msgget IPC_PRIVATE IPC_CREAT|0600\nmsgrm 0\nmsgget IPC_PRIVATE IPC_CREAT|0600\n") == .success(76))
        #expect(write(ctl, "next_id LONG 98304\nsemget IPC_PRIVATE 1 IPC_CREAT|0600\n") == .success(55))
        let moved = "kind seq last_idx idr_next\nmsg 0 1 2\nsem 0 -1 0\nshm 0 -1 0\n"
        #expect(read(inode("sysvipc", "ids")) == moved)
        #expect(read(inode("1", "sysvipc", "ids")) == moved)
        #expect(write(ctl, "unshare ipc\n") == .success(12))
        #expect(read(inode("1", "sysvipc", "ids")) == pristine, "a new namespace")
        #expect(read(inode("sysvipc", "ids")) == moved, "the top shows the root namespace")
        #expect(write(inode("sysvipc", "ids"), "msg 5 5 6\n") == .failure(.EINVAL))
        #expect(try path("sysvipc", "ids").get().permissions == 0o444)
    }

    /// pid_namespaces (a nextidfs extension): every pid namespace the machine keeps, with its
    /// pid_max and ns_last_pid, read-only; a dead one too, whose own files are ESRCH.
    @Test func pidNamespacesListsDeadNamespaces() throws {
        let header = "inode parent level pid_max ns_last_pid\n"
        #expect(read(inode("pid_namespaces")) == header + "4026531836 0 0 32768 1\n")
        let ctl = inode("1", "task", "1", "ctl")
        #expect(write(ctl, "unshare pid\nnext_id LONG2 1 10\nfork\n") == .success(36))
        let ctl10 = inode("10", "task", "10", "ctl")
        #expect(write(ctl10, "fork\nfork\n") == .success(10))
        #expect(write(inode("10", "sys", "kernel", "pid_max"), "400\n") == .success(4))
        let live = header + "4026531836 0 0 32768 3\n4026531840 4026531836 1 400 3\n"
        #expect(read(inode("pid_namespaces")) == live)
        #expect(write(ctl10, "exit\n") == .success(5))
        #expect((try? path("10").get()) == nil, "no task is left in 4026531840 (init 1 reaped 10)")
        #expect(read(inode("pid_namespaces")) == live, "1's pid_for_children holds it")
        #expect(write(inode("pid_namespaces"), "4026531840 4026531836 1 500 3\n") == .failure(.EINVAL))
        let attributes = try path("pid_namespaces").get()
        #expect(attributes.permissions == 0o444 && attributes.uid == 0)
    }

    @Test func staleInodesAndVanishedTasks() {
        let ctl = inode("1", "task", "1", "ctl")
        _ = write(ctl, "fork\n")
        let status2 = inode("2", "status")
        let open2 = try! fs.open(status2).get()
        #expect((try? fs.read(open2, offset: 0, size: 5).get())?.count == 5)
        let exitWrite = fs.write(try! fs.open(inode("2", "task", "2", "ctl")).get(), WriteRequest(data: ArraySlice(Array("exit\n".utf8)), offset: 0, caller: root))
        #expect(exitWrite.invalidate.names.map(\.parent) == [1, NodeRef(kind: .taskLinksDir).inode])
        #expect(exitWrite.invalidate.names.allSatisfy { $0.name == Array("2".utf8) })
        #expect(fs.getattr(status2) == .failure(.ESTALE))
        #expect(fs.read(open2, offset: 0, size: 100) == .failure(.ESRCH))
        #expect(fs.read(open2, offset: 5, size: 100) == .failure(.ESRCH), "not from the snapshot either")
        #expect(path("2") == .failure(.ENOENT))
        // The same pid again: a new inode, the old one stays stale.
        _ = write(inode("1", "task", "1", "next_id"), "LONG 2")
        _ = write(ctl, "fork\n")
        #expect(inode("2", "status") != status2)
        #expect(fs.getattr(status2) == .failure(.ESTALE))
        #expect(read(inode("2", "status")).contains("Pid:\t2\n"))
    }

    @Test func setuidChangesOwnersAndAsksForInvalidation() {
        _ = write(inode("1", "task", "1", "ctl"), "fork\n")
        let file = try! fs.open(inode("2", "task", "2", "ctl")).get()
        let (result, invalidate, _) = fs.write(file, WriteRequest(data: ArraySlice(Array("setgid 100\nsetuid 1000\n".utf8)), offset: 0, caller: root))
        #expect(result == .success(23))
        #expect(invalidate.inodes.contains(inode("2", "task", "2", "ctl")))
        #expect(invalidate.inodes.contains(inode("2")))
        let attrs = try! path("2", "task", "2", "next_id").get()
        #expect(attrs.uid == 1000 && attrs.gid == 100)
    }

    @Test func aLineCutAtAPageWaitsForTheRest() {
        let ctl = inode("1", "task", "1", "ctl")
        let nextId = inode("1", "task", "1", "next_id")
        let file = try! fs.open(ctl).get()
        // The kernel cuts "...fork\nnext_id LONG 9999\nfork\n" after "LONG 99", at a page.
        let block = String(repeating: "fork\n", count: 819) + "next_id LONG 9"
        let page = String(block.prefix(4096))
        #expect(write(ctl, page, file: file) == .success(4096))
        #expect(read(nextId) == "", "the cut line has not run")
        #expect(write(ctl, String(block.dropFirst(4096)) + "999\nfork\n", offset: 4096, file: file) == .success(block.utf8.count - 4096 + 9))
        #expect(read(ctl) == "9999\n")
        // A last line without newline that is not at a page's end runs with its write.
        #expect(write(ctl, "next_id LONG 77", file: file) == .success(15))
        #expect(read(nextId) == "LONG 77\n")
        #expect(write(ctl, "next_id clear\nbogus", file: file) == .success(14), "the last line fails: a short write")
        // Writers are threads: another tid's request never continues a cut line.
        #expect(fs.write(file, WriteRequest(data: ArraySlice(Array(page.utf8)), offset: 0, caller: Caller(uid: 0, gid: 0, pid: 7))).result == .success(4096))
        #expect(fs.write(file, WriteRequest(data: ArraySlice(Array("999\n".utf8)), offset: 4096, caller: root)).result == .failure(.EINVAL))
        #expect(read(nextId) == "")
    }

    /// What the kernel's page cache goes by: the exact size, and a version that changes with
    /// the content and only then (for files nobody writes).
    @Test func sizesAndVersionsFollowTheContent() throws {
        let status = inode("1", "status")
        let first = try fs.getattr(status).get()
        #expect(first.size == Int64(read(status).utf8.count))
        #expect(try fs.getattr(status).get().version == first.version, "unchanged")
        _ = write(inode("1", "task", "1", "ctl"), "fork\n")
        #expect(try fs.getattr(status).get().version == first.version, "a fork leaves the parent's status as it was")
        _ = write(inode("1", "task", "1", "ctl"), "comm renamed\n")
        let renamed = try fs.getattr(status).get()
        #expect(renamed.version != first.version)
        #expect(renamed.size == Int64(read(status).utf8.count))
        #expect(try fs.getattr(inode("1", "task", "1", "ctl")).get().size == 2, "0 and a newline")
    }

    /// A write that ran something makes the kernel forget every shared file; one that only set
    /// a thread's pending ids, nothing but the file itself (which the kernel forgets alone).
    @Test func writesSayWhatTheKernelMustForget() throws {
        let ctl = try fs.open(inode("1", "task", "1", "ctl")).get()
        let forked = fs.write(ctl, WriteRequest(data: ArraySlice(Array("fork\n".utf8)), offset: 0, caller: root))
        #expect(forked.invalidate.machineNodes)
        #expect(forked.invalidate.written == inode("1", "task", "1", "ctl"))
        #expect(forked.invalidate.own == [inode("1", "task", "1", "next_id")] && forked.invalidate.inodes.isEmpty,
                "a fork consumes pending ids")
        let failed = fs.write(ctl, WriteRequest(data: ArraySlice(Array("bogus\n".utf8)), offset: 0, caller: root))
        #expect(failed.invalidate.written == 0 && failed.invalidate.own.contains(inode("1", "task", "1", "ctl")),
                "a failed write left the kernel's idea of the file as it was")
        let nextId = try fs.open(inode("1", "task", "1", "next_id")).get()
        let set = fs.write(nextId, WriteRequest(data: ArraySlice(Array("LONG 9\n".utf8)), offset: 0, caller: root))
        #expect(set.result == .success(7) && !set.invalidate.machineNodes && set.invalidate.inodes.isEmpty && set.invalidate.own.isEmpty)
    }

    /// A task that another's call ends (here: its namespace's init exits) has its own ctl and
    /// next_id forgotten too, so a read through a kept fd asks again and gets ESRCH.
    @Test func tasksEndedByAnotherForgetTheirOwnFiles() throws {
        _ = write(inode("1", "task", "1", "ctl"), "clone newpid\n")          // 2, init of a new namespace
        _ = write(inode("2", "task", "2", "ctl"), "fork\n")                  // 3, reaped by 2 when it goes
        let nextId3 = inode("3", "task", "3", "next_id"), ctl3 = inode("3", "task", "3", "ctl")
        let ended = fs.write(try fs.open(inode("2", "task", "2", "ctl")).get(), WriteRequest(data: ArraySlice(Array("exit\n".utf8)), offset: 0, caller: root))
        #expect(ended.invalidate.names.contains { $0.pid == 3 }, "3 ended with its namespace")
        #expect(ended.invalidate.inodes.contains(nextId3) && ended.invalidate.inodes.contains(ctl3))
    }

    @Test func directoryOffsetsOfAnyValueListNothingPastTheEnd() {
        _ = write(inode("1", "task", "1", "ctl"), "fork\n")
        for dir in [1, inode("task"), inode("1", "task")] {
            for offset: Int64 in [-1, .min, 1 << 31 + 64, Int64(Int32.max), Filesystem.dynamicBase + Int64(Limits.pidMaxLimit), .max] {
                var names: [[UInt8]] = []
                #expect(fs.readdir(dir, from: offset) { names.append($0.name); return true } == nil)
                #expect(names.isEmpty, "offset \(offset)")
            }
        }
        var last: [UInt8] = []
        _ = fs.readdir(1, from: Filesystem.dynamicBase + 1) { last = $0.name; return false }
        #expect(last == Array("2".utf8), "the offset after pid 1 resumes at pid 2")
    }

    @Test func readsOfAnyOffsetAndSize() {
        let file = try! fs.open(inode("1", "status")).get()
        for (offset, size) in [(Int64.max, 10), (Int64.min, 10), (0, Int.max), (3, -1), (1 << 40, Int.max)] {
            #expect((try? fs.read(file, offset: offset, size: size).get()) != nil)
        }
        #expect(CtlLanguage.renderResult(.min + 1) == Array("-9223372036854775807\n".utf8))
    }

    @Test func namesCannotBeMadeRemovedOrMoved() {
        let new = Array("new".utf8), status = Array("status".utf8)
        let dir = inode("1")
        #expect(fs.makeName(in: dir, new) == .ENOENT)
        #expect(fs.makeName(in: dir, status) == .EEXIST)
        #expect(fs.makeName(in: inode("1", "status"), new) == .ENOTDIR)
        #expect(fs.removeName(in: dir, status) == .EPERM)
        #expect(fs.removeName(in: 1, Array("1".utf8)) == .EPERM)
        #expect(fs.removeName(in: dir, new) == .ENOENT)
        #expect(fs.rename(in: dir, status, to: dir, new) == .ENOENT)
        #expect(fs.rename(in: dir, status, to: dir, Array("stat".utf8)) == .EPERM)
        #expect(fs.rename(in: dir, new, to: dir, status) == .ENOENT)
        #expect(list(dir).count == 10)
    }

    @Test func aProcesssThreadsAreListedByTidWhateverTheirOrderOfCreation() {
        _ = write(inode("1", "task", "1", "ctl"), "fork\n")
        _ = write(inode("2", "task", "2", "ctl"), "next_id LONG 900\nclone thread\nclone thread\n")
        #expect(list(inode("2", "task")) == [".", "..", "2", "3", "900"])
        var names: [String] = []
        var offset: Int64 = 0
        while fs.readdir(inode("2", "task"), from: offset, { entry in
            names.append(String(decoding: entry.name, as: UTF8.self))
            offset = entry.next
            return false
        }) == nil, names.count < 10, offset < Filesystem.dynamicBase + 900 {}
        #expect(names == [".", "..", "2", "3", "900"], "one entry per request, resumed by offset")
    }

    @Test func largeListingsResumeByOffset() {
        let ctl = inode("1", "task", "1", "ctl")
        _ = write(ctl, String(repeating: "fork\n", count: 700))
        var names: [String] = []
        var offset: Int64 = 0
        var calls = 0
        while true {
            var got = 0
            _ = fs.readdir(1, from: offset) { entry in
                if got == 50 { return false }
                names.append(String(decoding: entry.name, as: UTF8.self))
                offset = entry.next
                got += 1
                return true
            }
            calls += 1
            if got == 0 { break }
        }
        #expect(names.count == 2 + NodeKind.root.spec.entries.count + 701)
        #expect(Set(names).count == names.count)
        #expect(calls > 10)
    }
}
