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
