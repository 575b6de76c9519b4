import IdAllocators
@testable import NextIdFS
import Testing

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

@Suite struct NextIdGrammarTests {
    @Test(arguments: [
        ("LONG 4242", [4242]), ("LONG 4242\n", [4242]), ("LONG1 7", [7]), ("  LONG\t\t5  ", [5]),
        ("LONG2 1 4242\n", [1, 4242]), ("LONG 0", [0]), ("LONG 2147483647", [2147483647]), ("LONG 007", [7]),
        ("LONG32 " + (1...32).map(String.init).joined(separator: " "), Array(1...32)),
    ] as [(String, [Int32])])
    func accepts(_ text: String, _ ids: [Int32]) {
        #expect(NextIdGrammar.parse(bytes(text)) == .success(PendingIds(ids)!))
    }

    @Test func clear() {
        #expect(NextIdGrammar.parse(bytes("clear\n")) == .success(nil))
        #expect(NextIdGrammar.parse(bytes(" clear ")) == .success(nil))
    }

    @Test(arguments: [
        "", "\n", "LONG", "LONG\n", "LONG 1 2", "LONG2 1", "LONG2 1 2 3", "LONG0 1", "LONG33 " + String(repeating: "1 ", count: 33),
        "LONG01 5", "LONG-1 5", "LONG+2 1 2", "long 5", "LONGX 5", "INT 5", "LONG -5", "LONG +5", "LONG 5x", "LONG 0x10",
        "LONG 2147483648", "LONG 99999999999999999999999", "LONG 5\nLONG 6", "LONG 5\n\n", "LONG 5\r\n", "clear now",
        "clear\nclear", "LONG\u{0}5", "LONG 5 # comment", String(repeating: " ", count: 4100) + "LONG 5",
    ])
    func rejects(_ text: String) {
        #expect(NextIdGrammar.parse(bytes(text)) == .failure(.EINVAL))
    }

    @Test func canonicalReadBack() {
        #expect(NextIdGrammar.render(nil) == [])
        #expect(NextIdGrammar.render(PendingIds([5])) == bytes("LONG 5\n"))
        #expect(NextIdGrammar.render(PendingIds([1, 5])) == bytes("LONG2 1 5\n"))
        let read = NextIdGrammar.render(PendingIds([1, 2, 3]))
        #expect(NextIdGrammar.parse(read) == .success(PendingIds([1, 2, 3])!), "writing back what was read restores it")
    }
}

@Suite struct KernelIntegerTests {
    @Test(arguments: [
        ("5", 5), ("5\n", 5), ("  \t5\n", 5), ("5 ", 5), ("5\t\n", 5), ("-1", -1), ("-0", 0), ("0", 0),
        ("0x10", 16), ("0X1f\n", 31), ("010", 8), ("4194304", 4194304), ("\n\n7", 7),
        ("2147483648", 2147483648),
    ] as [(String, Int64)])
    func parsesLikeProcDointvec(_ text: String, _ value: Int64) {
        #expect(KernelInteger.parse(bytes(text)) == value)
    }

    @Test(arguments: [
        "", "\n", "   ", "abc", "5abc", "5 abc", "5 6", "+5", "- 5", "--5", "08", "0x", "0xg", "5\r", "5.0", "1e3",
        "123456789012345678901", "-", "5\n6",
    ])
    func rejects(_ text: String) {
        #expect(KernelInteger.parse(bytes(text)) == nil)
    }
}

@Suite struct CtlLanguageTests {
    func parse(_ s: String) -> Result<Syscall, Errno> { CtlLanguage.parse(ArraySlice(bytes(s))) }

    @Test func commands() {
        #expect(parse("fork") == .success(.fork))
        #expect(parse("  fork  ") == .success(.fork))
        #expect(parse("clone") == .success(.clone([])))
        #expect(parse("clone thread newpid") == .success(.clone([.thread, .newPid])))
        #expect(parse("clone newipc\tnewpid thread") == .success(.clone([.newIpc, .newPid, .thread])))
        #expect(parse("unshare ipc pid") == .success(.unshare([.pid, .ipc])))
        #expect(parse("exit") == .success(.exit(code: 0)))
        #expect(parse("exit 0") == .success(.exit(code: 0)))
        #expect(parse("exit 255") == .success(.exit(code: 255)))
        #expect(parse("exit 007") == .success(.exit(code: 7)))
        #expect(parse("setsid") == .success(.setsid))
        #expect(parse("setpgid 0 0") == .success(.setpgid(pid: 0, pgid: 0)))
        #expect(parse("setpgid 42 -7") == .success(.setpgid(pid: 42, pgid: -7)))
        #expect(parse("setpgid -2147483648 2147483647") == .success(.setpgid(pid: Int32.min, pgid: Int32.max)))
        #expect(parse("wait") == .success(.wait(pid: nil)))
        #expect(parse("wait 300") == .success(.wait(pid: 300)))
        #expect(parse("wait -1") == .success(.wait(pid: -1)), "the kernel answers EINVAL")
        #expect(parse("sigchld ignore") == .success(.sigchld(ignore: true)))
        #expect(parse(" sigchld\tdefault ") == .success(.sigchld(ignore: false)))
        #expect(parse("comm my worker") == .success(.comm(bytes("my worker"))))
        #expect(parse("setuid 1000") == .success(.setuid(1000)))
        #expect(parse("setgid 0") == .success(.setgid(0)))
        #expect(parse("msgget IPC_PRIVATE IPC_CREAT|0600") == .success(.ipcGet(IpcGetRequest(kind: .msg, key: 0, flags: 0o1600))))
        #expect(parse("msgget 0x1234 IPC_CREAT|IPC_EXCL|0640") == .success(.ipcGet(IpcGetRequest(kind: .msg, key: 0x1234, flags: 0o3640))))
        #expect(parse("msgget 0xdeadbeef 01600") == .success(.ipcGet(IpcGetRequest(kind: .msg, key: Int32(bitPattern: 0xdeadbeef), flags: 0o1600))))
        #expect(parse("msgget -5 0") == .success(.ipcGet(IpcGetRequest(kind: .msg, key: -5, flags: 0))))
        #expect(parse("msgget 3735928559 0") == .success(.ipcGet(IpcGetRequest(kind: .msg, key: Int32(bitPattern: 0xdeadbeef), flags: 0))))
        #expect(parse("semget 77 4 IPC_CREAT|0600") == .success(.ipcGet(IpcGetRequest(kind: .sem, key: 77, flags: 0o1600, nsems: 4))))
        #expect(parse("semget 77 -1 0") == .success(.ipcGet(IpcGetRequest(kind: .sem, key: 77, flags: 0, nsems: -1))))
        #expect(parse("shmget IPC_PRIVATE 65536 512") == .success(.ipcGet(IpcGetRequest(kind: .shm, key: 0, flags: 512, size: 65536))))
        #expect(parse("msgrm 32768") == .success(.ipcRemove(.msg, id: 32768)))
        #expect(parse("semrm -1") == .success(.ipcRemove(.sem, id: -1)))
        #expect(parse("shmset 5 1000 100 0644") == .success(.ipcSet(.shm, id: 5, uid: 1000, gid: 100, mode: 0o644)))
        #expect(parse("next_id LONG2 1 4242") == .success(.setNextId(PendingIds([1, 4242]))))
        #expect(parse("next_id clear") == .success(.setNextId(nil)))
    }

    @Test(arguments: [
        "", " ", "forks", "fork now", "FORK", "clone newnet", "clone thread thread", "unshare", "unshare net",
        "unshare pid pid", "exit 256", "exit -1", "exit 1 2", "exit x", "exit +1", "comm", "comm ", "setuid", "setuid -1", "setuid 4294967295", "setuid 1 2",
        "setuid 0x10", "msgget", "msgget 5", "msgget IPC_PRIVATE", "msgget five 0", "msgget 5 IPC_CREATE",
        "msgget 5 IPC_CREAT|", "msgget 5 04000", "msgget 5 0999", "msgget 0x100000000 0", "msgget 5 0 extra",
        "semget 5 1", "semget 5 x 0", "shmget 5 -1 0", "shmget 5 1.5 0", "msgrm", "msgrm x", "msgrm 2147483648",
        "msgset 1 2 3", "msgset 1 2 3 0x", "next_id", "next_id LONG", "next_id LONG 5 6", "# fork",
        "setsid 1", "setpgid", "setpgid 1", "setpgid 1 2 3", "setpgid 2147483648 0", "setpgid 0 x", "setpgid +1 0",
        "wait 1 2", "wait x", "wait 2147483648", "sigchld", "sigchld IGNORE", "sigchld ignore default", "sigchld SIG_IGN",
    ])
    func rejects(_ line: String) {
        #expect(parse(line) == .failure(.EINVAL))
    }

    @Test func lines() {
        let split = CtlLanguage.lines(bytes("fork\nexit\nfork"))
        #expect(split.map { String(decoding: $0.line, as: UTF8.self) } == ["fork", "exit", "fork"])
        #expect(split.map(\.end) == [5, 10, 14])
        #expect(CtlLanguage.lines(bytes("fork\n")).count == 1)
        #expect(CtlLanguage.lines(bytes("\n\n")).map(\.end) == [1, 2], "empty lines are lines (and fail)")
    }

    @Test func resultReadBack() {
        #expect(CtlLanguage.renderResult(nil) == [])
        #expect(CtlLanguage.renderResult(4242) == bytes("4242\n"))
        #expect(CtlLanguage.renderResult(-17) == bytes("-17 EEXIST\n"))
        #expect(CtlLanguage.renderResult(0) == bytes("0\n"))
    }
}
