import IdAllocators
import NextIdFS
@testable import Restore
import Testing

/// The image text (version 2 written, 1 and 2 read) and the program text (rendered and read back).
@Suite struct ImageTextTests {
    static let v2 = """
        nextidfs-image 2
        pidns p1 - 0 32768 5
        pidns p500 p1 1 4194304 3
        pidns e7 p1 1 - -
        ipcns i1 -1 -1 -1 1 0,-1,0 2,17,18 0,-1,0
        ipcns i5 65540 -1 -1 0 0,-1,0 0,-1,0 0,-1,0
        proc 1 0 p1 p1 i1 0 0 1 1 S 0 ign
        proc 5 1 p1 p1 i5 0 0 5 5 S 0 dfl
        proc 7 1 p1 e7 i1 1000 100 1 1 S 0 ign
        proc 8 5 p1 - - 0 0 5 5 Z 768 dfl
        proc 500 1 p500 p500 i1 0 0 1 1 S 0 ign
        thread 1 1 1 LONG,4242 init 5,500,7
        thread 5 5 5 - a\\x20b\\x5cc 8
        thread 7 7 7 LONG3,1,2,3 \\x00 -
        thread 8 8 8 - z -
        thread 500 500 500,1 - init -
        thread 4 500 4,3 - init -
        sem i1 65553 -2 600 1000 100 0 0 4
        msg i5 0 4660 640 0 0 0 0 -
        end

        """

    @Test func version2ReadsAndWritesBack() throws {
        let image = try ImageText.parse(Self.v2)
        #expect(ImageText.write(image) == Self.v2)
        let p1 = image.processes.first { $0.tgid == 1 }!
        #expect(p1.leader.children == [5, 500, 7], "children in the kernel's order")
        #expect(p1.leader.pendingIds == [4242])
        #expect(image.processes.first { $0.tgid == 5 }!.leader.comm == Array("a b\\c".utf8))
        #expect(image.processes.first { $0.tgid == 7 }!.leader.comm.isEmpty)
        #expect(image.processes.first { $0.tgid == 500 }!.threads.map(\.tid) == [500, 4], "leader first, then as listed")
        let p5 = image.processes.first { $0.tgid == 5 }!
        #expect((p5.pgid, p5.sid, p5.isZombie, p5.ignoresSigchld) == (5, 5, false, false))
        let zombie = image.processes.first { $0.tgid == 8 }!
        #expect((zombie.isZombie, zombie.exitCode, zombie.ipcNamespace, zombie.pidForChildren) == (true, 3 << 8, .member(5), .root),
                "a zombie stands in its parent's IPC namespace and its own pid namespace")
        #expect(p1.ignoresSigchld)
        let i1 = image.ipcNamespaces.first { $0.name == .member(1) }!
        #expect(i1.allocators[1] == IpcAllocatorState(kind: .sem, seq: 2, lastIdx: 17, cursor: 18))
        #expect(image.objects.first { $0.kind == .sem }!.key == -2)
    }

    /// A dying init (`D`): no namespaces, its exit code; it stands in the IPC namespace of its
    /// nearest live ancestor (here through 11, a dying init that 10's exit killed).
    @Test func aDyingInitReadsAndWritesBack() throws {
        let text = """
            nextidfs-image 2
            pidns p1 - 0 32768 12
            pidns p10 p1 1 - -
            pidns p11 p10 2 - -
            ipcns i1 -1 -1 -1 1 0,-1,0 0,-1,0 0,-1,0
            proc 1 0 p1 p1 i1 0 0 1 1 S 0 dfl
            proc 10 1 p10 - - 0 0 1,0 1,0 D 512 dfl
            proc 11 10 p11 - - 0 0 1,0,0 1,0,0 D 9 dfl
            proc 12 1 p1 p1 i1 0 0 13 1 S 0 dfl
            thread 1 1 1 - init 10,12
            thread 10 10 10,1 - init 11
            thread 11 11 11,2,1 - init -
            thread 12 12 12 - init -
            end

            """
        let image = try ImageText.parse(text)
        #expect(ImageText.write(image) == text)
        let p = image.processes.first { $0.tgid == 11 }!
        #expect((p.isDying, p.isZombie, p.exitCode, p.ipcNamespace, p.pidForChildren) == (true, false, 9, .member(1), .live(initPid: 11)))
    }

    /// Version 1: no allocator states (pristine), no children lists (from the parent fields, in
    /// tgid order), threads after the leader by tid.
    @Test func version1IsRead() throws {
        let v1 = """
            nextidfs-image 1
            pidns p1 - 0 32768 5
            ipcns i1 -1 -1 -1 1
            proc 1 0 p1 p1 i1 0 0
            proc 9 1 p1 p1 i1 0 0
            proc 5 1 p1 p1 i1 0 0
            thread 1 1 1 - init
            thread 5 5 5 - init
            thread 9 9 9 - init
            end

            """
        let image = try ImageText.parse(v1)
        #expect(image.processes.first { $0.tgid == 1 }!.leader.children == [5, 9])
        #expect(image.ipcNamespaces[0].allocators == IpcKind.allCases.map(IpcAllocatorState.pristine))
        #expect(ImageText.write(image).hasPrefix("nextidfs-image 2\n"))
    }

    @Test(arguments: [
        ("nextidfs-image 3\nend\n", "line 1: not a nextidfs image of version 1 or 2 (header 'nextidfs-image 3')"),
        ("nextidfs-image 2\npidns p1 - 0 32768\nend\n", "line 2: pidns record with 4 fields, not 5"),
        ("nextidfs-image 2\nbogus\nend\n", "line 2: unknown record 'bogus'"),
        ("nextidfs-image 2\nproc 1 0 p1 p1 i1 0 x 1 1 S 0 dfl\nend\n", "line 2: bad gid 'x'"),
        ("nextidfs-image 2\nproc 1 0 p1 p1 i1 0 0 1 1 R 0 dfl\nend\n", "line 2: bad state 'R'"),
        ("nextidfs-image 2\nproc 1 0 p1 p1 i1 0 0 1 1 S 0 dfl\nproc 2 9 p1 - - 0 0 1 1 Z 0 dfl\nthread 1 1 1 - init -\nthread 2 2 2 - z -\nend\n", "line 3: zombie 2 has no live parent"),
        ("nextidfs-image 2\nproc 1 0 p1 p1 i1 0 0 1 1 S 0 dfl\nproc 10 1 p10 p10 i1 0 0 1 1 D 0 dfl\nend\n", "line 3: dying init 10 with namespaces"),
        ("nextidfs-image 2\nproc 1 0 p1 p1 i1 0 0 1 1 S 0 dfl\nproc 1 0 p1 p1 i1 0 0 1 1 S 0 dfl\nend\n", "line 3: process 1 twice"),
        ("nextidfs-image 2\nthread 1 1 1 - init -\nend\n", "line 2: thread 1 of process 1, which has no proc line"),
        ("nextidfs-image 2\nproc 1 0 p1 p1 i1 0 0 1 1 S 0 dfl\n", "line 2: truncated (no 'end' line)"),
    ])
    func malformedImagesNameTheLine(text: String, message: String) {
        #expect(throws: ImageError.self) { try ImageText.parse(text) }
        do { _ = try ImageText.parse(text) } catch { #expect("\(error)" == message) }
    }

    @Test func commEncodingRoundTrips() {
        for comm in ["init", "a b", "x\\y", "\u{1}\u{7f}é", ""] {
            let bytes = Array(comm.utf8)
            #expect(ImageText.decodeComm(Substring(ImageText.encodeComm(bytes))) == bytes)
        }
        #expect(ImageText.encodeComm(Array("a b".utf8)) == "a\\x20b")
        #expect(ImageText.decodeComm("\\xFFa\\x0a") == [0xff, UInt8(ascii: "a"), 0x0a], "either case of hex digits")
        for bad in ["\\x4", "a\\x4g", "\\y41", "\\"] { #expect(ImageText.decodeComm(Substring(bad)) == nil, "\(bad)") }
    }

    /// The reader works on the text's bytes: fields are cut at single spaces (an empty field is
    /// a field), numbers read digit by digit, modes in octal.
    @Test func fieldsAndNumbersOnTheBytes() throws {
        let base = "nextidfs-image 2\npidns p1 - 0 32768 5\nipcns i1 -1 -1 -1 1 0,-1,0 0,-1,0 0,-1,0\n"
            + "proc 1 0 p1 p1 i1 0 0 1 1 S 0 dfl\nthread 1 1 1 - init -\n"
        func parse(_ objects: String) throws -> Image { try ImageText.parse(base + objects + "end\n") }
        #expect(try parse("sem i1 65553 -2147483648 0644 4294967295 100 0 0 4\n").objects.map { [$0.key == Int32.min, $0.mode == 0o644, $0.uid == UInt32.max] }
                == [[true, true, true]])
        #expect(try parse("msg i1 0 1 7777777777 0 0 0 0 -\n").objects[0].mode == 0o7777777777, "ten octal digits")
        for (line, message) in [
            ("msg i1 0 1 77777777777 0 0 0 0 -", "line 6: bad mode '77777777777'"),
            ("msg i1 0 1 0648 0 0 0 0 -", "line 6: bad mode '0648'"),
            ("msg i1 0 1 600 4294967296 0 0 0 -", "line 6: bad uid '4294967296'"),
            ("msg i1 0 2147483648 600 0 0 0 0 -", "line 6: bad key '2147483648'"),
            ("msg i1 0 1 600 0 0 0 0 - ", "line 6: msg record with 10 fields, not 9"),
            ("msg  i1 0 1 600 0 0 0 0 -", "line 6: msg record with 10 fields, not 9"),
            ("msg i1 0 1 600 0 0 0 -0 -", "line 6: bad cgid '-0'"),
            ("msg i1 0 -- 600 0 0 0 0 -", "line 6: bad key '--'"),
        ] {
            do { _ = try parse(line + "\n"); Issue.record("\(line) was read") } catch { #expect("\(error)" == message) }
        }
        #expect(throws: ImageError.self) { try ImageText.parse("") }
        #expect(try ImageText.parse(base + "end").processes.count == 1, "no newline after the end line")
    }

    /// Namespace names read on the bytes as from text (`Int32`'s rules for the number).
    @Test func namespaceNamesOnTheBytes() {
        for name in ["p1", "p+5", "p-5", "p0", "px", "e3", "d7", "q1", "p", "p2147483647", "p2147483648", "d-2147483648",
                     "i1", "i+1", "i0", "i", "ix", "root", "rootx", "roo", "e12a", "\u{301}p1", "p1\u{301}"] {
            var bytes = Array(name.utf8)
            bytes.withUnsafeMutableBufferPointer { field in
                #expect(PidNamespaceName(field[...]) == PidNamespaceName(Substring(name)), "\(name)")
                #expect(IpcNamespaceName(field[...]) == IpcNamespaceName(Substring(name)), "\(name)")
            }
        }
        #expect(PidNamespaceName(Substring("p+5")) == .live(initPid: 5))
    }
}

@Suite struct ProgramTextTests {
    @Test func writesReadBackAsRendered() throws {
        var plan = Plan()
        plan.steps = [
            .sysctl(.pidMax, value: 4_194_304, process: nil, object: "raise"),
            .ctl(Batch(tid: 1, tgid: 1, actions: [.create(pids: [5], .fork), .create(pids: [500, 1], .cloneNewPid)], note: "forks")),
            .ctl(Batch(tid: 5, tgid: 5, actions: [.comm(Array("it's\u{1}".utf8))], note: "a comm a quote cannot hold")),
            .ctl(Batch(tid: 5, tgid: 5, actions: [.exit], note: "one line")),
            .sysctl(.nsLastPid, value: 7, process: 500, object: "cursor"),
        ]
        let text = ProgramText.render(plan)
        #expect(text.contains("echo 4194304 > sys/kernel/pid_max\n"))
        #expect(text.contains("printf %s 'next_id LONG 5\nfork\nnext_id LONG2 1 500\nclone newpid\n' > 1/task/1/ctl\n"))
        #expect(text.contains("printf %s $'comm it\\'s\\x01\\n' > 5/task/5/ctl\n"))
        #expect(text.contains("echo exit > 5/task/5/ctl\n"))
        let writes = try ProgramText.parse(text)
        #expect(writes.map(\.path) == ["sys/kernel/pid_max", "1/task/1/ctl", "5/task/5/ctl", "5/task/5/ctl", "500/sys/kernel/ns_last_pid"])
        #expect(writes[1].data == Array("next_id LONG 5\nfork\nnext_id LONG2 1 500\nclone newpid\n".utf8))
        #expect(writes[2].data == Array("comm it's\u{1}\n".utf8))
        #expect(writes[1].comment == "forks")
        // bash names the line a command starts on
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[writes[1].line - 1].hasPrefix("printf %s 'next_id LONG 5"))
        #expect(lines[writes[4].line - 1] == "echo 7 > 500/sys/kernel/ns_last_pid")
    }

    @Test func forcedIdsAreInnermostFirstAndAtMost32() {
        let pids = (1...33).map { Int32(100 + $0) }
        #expect(Action.create(pids: pids, .fork).lines[0] == "next_id LONG32 " + pids.reversed().prefix(32).map(String.init).joined(separator: " "))
        #expect(Action.keyWord(-2) == "0xfffffffe")
        #expect(Action.keyWord(0) == "IPC_PRIVATE")
    }

    /// Every action's ctl lines, as the program writes them (bytes) and as `lines` gives them.
    @Test func everyActionsLines() {
        func object(_ kind: IpcKind, key: Int32, mode: UInt32, size: UInt64) -> IpcObjectRecord {
            IpcObjectRecord(kind: kind, namespace: .member(1), id: 3, key: key, mode: mode, uid: 0, gid: 0, cuid: 0, cgid: 0, size: size)
        }
        let cases: [(Action, [String])] = [
            (.create(pids: [5], .fork), ["next_id LONG 5", "fork"]),
            (.create(pids: [500, 1], .cloneNewPid), ["next_id LONG2 1 500", "clone newpid"]),
            (.create(pids: [7], .thread), ["next_id LONG 7", "clone thread"]),
            (.unshare([.pid, .ipc]), ["unshare pid ipc"]), (.unshare(.ipc), ["unshare ipc"]),
            (.exit, ["exit"]), (.exitStatus(255), ["exit 255"]), (.setsid, ["setsid"]), (.joinGroup(12), ["setpgid 0 12"]),
            (.sigchld(ignore: true), ["sigchld ignore"]), (.sigchld(ignore: false), ["sigchld default"]), (.wait(-1), ["wait -1"]),
            (.comm(Array("a\nb".utf8)), ["comm a\nb"]), (.comm([0xff]), ["comm \u{FFFD}"]),
            (.setuid(UInt32.max), ["setuid 4294967295"]), (.setgid(100), ["setgid 100"]),
            (.ipcCreate(object(.msg, key: 4660, mode: 0o640, size: 0), forced: true), ["next_id LONG 3", "msgget 4660 IPC_CREAT|IPC_EXCL|0640"]),
            (.ipcCreate(object(.sem, key: -2, mode: 0o1600, size: 4), forced: false), ["semget 0xfffffffe 4 IPC_CREAT|IPC_EXCL|0600"]),
            (.ipcCreate(object(.shm, key: 0, mode: 0o7, size: UInt64.max), forced: false),
             ["shmget IPC_PRIVATE 18446744073709551615 IPC_CREAT|IPC_EXCL|07"]),
            (.ipcAuto(.msg), ["msgget IPC_PRIVATE IPC_CREAT|0600"]), (.ipcAuto(.sem), ["semget IPC_PRIVATE 1 IPC_CREAT|0600"]),
            (.ipcRemove(.shm, id: 32768), ["shmrm 32768"]),
            (.ipcSet(.sem, id: 5, uid: 1000, gid: 100, mode: 0o640), ["semset 5 1000 100 0640"]),
            (.ipcSet(.msg, id: 0, uid: 0, gid: 0, mode: 0), ["msgset 0 0 0 00"]),
            (.nextId([1, 2, Int32.max]), ["next_id LONG3 1 2 2147483647"]),
        ]
        for (action, lines) in cases {
            #expect(action.lines == lines)
            var bytes: [UInt8] = []
            #expect(action.write(into: &bytes) == lines.count)
            #expect(bytes == Array(lines.map { $0 + "\n" }.joined().utf8))
        }
    }
}

/// The dump, the pristine check and the failure report, on trees in process.
@Suite struct DumpTests {
    @Test func threadsInCreationOrderChildrenInTheKernelsOrder() throws {
        let w = Build()
        w.c(1, "next_id LONG 9"); w.c(1, "clone thread")
        w.c(1, "next_id LONG 3"); w.c(1, "clone thread")
        w.c(3, "next_id LONG 40"); w.c(3, "fork")
        w.c(1, "next_id LONG 20"); w.c(1, "fork")
        w.c(3, "exit")
        let image = try Dumper(tree: InProcessTree(Filesystem(kernel: w.kernel))).dump()
        let p1 = image.processes.first { $0.tgid == 1 }!
        #expect(p1.threads.map(\.tid) == [1, 9])
        #expect(p1.leader.children == [20, 40])
        #expect(image.processes.first { $0.tgid == 40 }!.parentTid == 1)
    }

    /// Read by two threads (processes in chunks between progress reports) or by one: the same
    /// image, every process reported.
    @Test func concurrentReadsGiveTheSameImage() throws {
        let w = Build()
        for pid in stride(from: Int32(100), to: 1_400, by: 1) {
            w.c(1, "next_id LONG \(pid)"); w.c(1, "fork")
        }
        w.c(1, "next_id LONG 9"); w.c(1, "clone thread")
        w.c(9, "next_id LONG 5000")
        w.c(700, "next_id LONG 7000")
        w.c(500, "unshare ipc")
        let tree = InProcessTree(Filesystem(kernel: w.kernel))
        #expect(tree.readers == 2)
        var reported: [Int] = []
        let image = try Dumper(tree: tree).dump { done, total in
            #expect(total == 1_301)
            reported.append(done)
        }
        #expect(reported == [512, 1_024, 1_301])
        #expect(ImageText.write(image) == ImageText.write(try Dumper(tree: OneReader(tree: tree)).dump()))
        #expect(image.processes.first { $0.tgid == 700 }!.threads[0].pendingIds == [7000])
        #expect(image.processes.first { $0.tgid == 1 }!.threads[1].pendingIds == [5000])
    }

    /// A tree read by one thread.
    struct OneReader: TreeReader {
        let tree: InProcessTree
        var readers: Int { 1 }
        func read(_ path: String) -> [UInt8]? { tree.read(path) }
        func readLink(_ path: String) -> String? { tree.readLink(path) }
        func list(_ path: String) -> [String]? { tree.list(path) }
        func inode(_ path: String) -> UInt64? { tree.inode(path) }
    }

    /// The root IPC namespace is named by its inode: `root` when no task is left in it.
    @Test func theRootIpcNamespaceOutlivesItsTasks() throws {
        let w = Build()
        w.c(1, "msgget 5 IPC_CREAT|0600")
        w.c(1, "unshare ipc")
        let image = try Dumper(tree: InProcessTree(Filesystem(kernel: w.kernel))).dump()
        #expect(image.ipcNamespaces.map(\.name).sorted() == [.member(1), .root])
        #expect(image.ipcNamespaces.first { $0.isRoot }!.name == .root)
        #expect(image.objects.map(\.namespace) == [.root])
    }

    @Test func pristine() {
        let w = Build()
        let tree = InProcessTree(Filesystem(kernel: w.kernel))
        #expect(pristineProblem(tree) == nil)
        w.c(1, "semget IPC_PRIVATE 1 IPC_CREAT|0600"); w.c(1, "semrm 0")
        #expect(pristineProblem(tree) == "the sem ids have been used: sem 0 0 1")
        w.c(1, "fork")
        #expect(pristineProblem(tree) == "processes: 1 2")
    }

    /// A program edited to force a pid that cannot be: the write stops there, and the report
    /// names the process, the command and the errno (the ctl read-back's).
    @Test func aFailingStepIsNamed() throws {
        let w = Build()
        w.c(1, "next_id LONG 5"); w.c(1, "fork"); w.c(1, "next_id LONG 6"); w.c(1, "fork")
        var trip = RoundTrip(w.kernel)
        #expect(trip.run() == nil)
        let edited = trip.program.replacingOccurrences(of: "next_id LONG 6\n", with: "next_id LONG 4194304\n")
        let target = Kernel.ticking()
        let fs = Filesystem(kernel: target)
        let failure = try #require(ProgramRunner(fs).run(try ProgramText.parse(edited)))
        #expect(failure.errno == .EINVAL)
        let report = FailureReport.explain(program: edited, line: failure.write.line, error: "write error: Invalid argument",
                                           tree: InProcessTree(fs))
        #expect(report == "restore: failed: process 4194304 (by thread 1): command \"next_id LONG 4194304; fork\": EINVAL")
    }
}
