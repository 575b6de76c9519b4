@testable import IdAllocators
@testable import NextIdFS
import Testing

@Suite struct FormatTests {
    let sample = TaskStatus(name: Array("worker".utf8), processName: Array("server".utf8), tgid: 500, pid: 501, ppid: 1, uid: 1000, gid: 100, threads: 2,
                            nsTgid: [500, 1], nsPid: [501, 2], nsPgid: [400, 0], nsSid: [1, 0], state: .sleeping,
                            exitCode: 0, flags: TaskStatus.forkNoExecFlag, startTime: 7)

    /// A zombie leader that exited with status 3, its group its own.
    var zombie: TaskStatus {
        var z = sample
        z.pid = 500
        z.threads = 1
        z.nsPid = [500, 1]
        z.nsPgid = [500, 1]
        z.state = .zombie
        z.exitCode = 3 << 8
        z.flags |= TaskStatus.exitingFlag
        return z
    }

    @Test func status() {
        let text = String(decoding: ProcFormats.status(sample), as: UTF8.self)
        #expect(text == """
            Name:\tworker
            State:\tS (sleeping)
            Tgid:\t500
            Pid:\t501
            PPid:\t1
            Uid:\t1000\t1000\t1000\t1000
            Gid:\t100\t100\t100\t100
            Threads:\t2
            NStgid:\t500\t1
            NSpid:\t501\t2
            NSpgid:\t400\t0
            NSsid:\t1\t0
            SigIgn:\t0000000000000000

            """)
        let lines = String(decoding: ProcFormats.status(zombie), as: UTF8.self).split(separator: "\n")
        #expect(lines[1] == "State:\tZ (zombie)")
        #expect(lines.suffix(3) == ["NSpgid:\t500\t1", "NSsid:\t1\t0", "SigIgn:\t0000000000000000"])
        var ignoring = sample
        ignoring.ignoresSigchld = true
        #expect(String(decoding: ProcFormats.status(ignoring), as: UTF8.self).hasSuffix("\nSigIgn:\t0000000000010000\n"))
    }

    @Test func nameEscapes() {
        var s = sample
        s.name = Array("a\\b\nc d".utf8)
        let first = String(decoding: ProcFormats.status(s), as: UTF8.self).split(separator: "\n").first!
        #expect(first == "Name:\ta\\\\b\\nc d")
    }

    @Test func statHas52Fields() {
        var s = sample
        s.name = Array("a b) c".utf8)
        let text = String(decoding: ProcFormats.stat(s, isThread: true), as: UTF8.self)
        #expect(text.hasPrefix("501 (a b) c) S 1 "))
        #expect(text.hasSuffix("\n"))
        let closing = text.lastIndex(of: ")")!
        let fields = text[text.index(closing, offsetBy: 2)...].dropLast().split(separator: " ").map(String.init)
        #expect(fields.count + 2 == 52)
        #expect(fields[17] == "2", "num_threads (field 20)")
        #expect(fields[19] == "7", "starttime (field 22)")
        #expect(fields[35] == "-1", "exit_signal (field 38) of a thread")
        #expect(Array(fields[0...6]) == ["S", "1", "400", "1", "0", "-1", "64"], "state ppid pgrp session tty_nr tpgid flags")
        #expect(fields[49] == "0", "exit_code (field 52)")
        #expect(String(decoding: ProcFormats.stat(sample, isThread: false), as: UTF8.self).split(separator: " ")[37] == "17")
    }

    @Test func zombieStat() {
        let text = String(decoding: ProcFormats.stat(zombie, isThread: false), as: UTF8.self)
        let fields = text.dropLast().split(separator: " ").map(String.init)
        #expect(fields.count == 52)
        #expect(Array(fields[2...8]) == ["Z", "1", "500", "1", "0", "-1", "68"], "state ppid pgrp session tty_nr tpgid flags")
        #expect(fields[51] == "768", "exit_code: status 3 << 8")
    }

    @Test func childrenAndSmallFiles() {
        #expect(ProcFormats.children([3, 40, 500]) == bytes("3 40 500 "))
        #expect(ProcFormats.children([]) == [])
        #expect(ProcFormats.comm(sample) == bytes("worker\n"))
        #expect(ProcFormats.cmdline(sample) == bytes("server") + [0], "a thread shows its process's command line")
        #expect(ProcFormats.cmdline(zombie) == [], "a zombie has no memory, so no command line")
        #expect(ProcFormats.number(-1) == bytes("-1\n"))
        #expect(ProcFormats.namespaceLink("ipc", 4026531839) == bytes("ipc:[4026531839]"))
    }

    /// Lines as Linux's seq_printf formats give them (checked against this machine's
    /// /proc/sysvipc files by the shell tests).
    /// pid_namespaces: a header, then `inode parent level pid_max ns_last_pid` per namespace;
    /// parse reads back what render writes and nothing else.
    @Test func pidNamespacesRenderAndParse() {
        let states = [PidNamespaceState(inode: 4_026_531_836, parentInode: 0, level: 0, pidMax: 32768, lastPid: 57),
                      PidNamespaceState(inode: 4_026_531_840, parentInode: 4_026_531_836, level: 1, pidMax: 457, lastPid: 18975),
                      PidNamespaceState(inode: 4_026_531_842, parentInode: 4_026_531_840, level: 2, pidMax: 4_194_304, lastPid: -1)]
        let text = String(decoding: PidNamespacesFormat.render(states), as: UTF8.self)
        #expect(text == """
            inode parent level pid_max ns_last_pid
            4026531836 0 0 32768 57
            4026531840 4026531836 1 457 18975
            4026531842 4026531840 2 4194304 -1

            """)
        #expect(PidNamespacesFormat.parse(text) == states)
        #expect(PidNamespacesFormat.parse("inode parent level pid_max ns_last_pid\n") == [])
        for bad in ["", "4026531836 0 0 32768 57\n", "inode parent level pid_max ns_last_pid\n4026531836 0 0 32768\n",
                    "inode parent level pid_max ns_last_pid\n4026531836 0 0 32768 57", "inode parent level pid_max ns_last_pid\n4026531836  0 0 32768 57\n",
                    "inode parent level pid_max ns_last_pid\n4026531836 0 0 x 57\n"] {
            #expect(PidNamespacesFormat.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func sysvipcTables() {
        let row = IpcObjectView(key: 0x1234, id: 32769, mode: 0o600, uid: 1000, gid: 100, cuid: 0, cgid: 0,
                                creatorPid: 42, ctime: 1_700_000_000, nsems: 3, size: 65536)
        let msg = String(decoding: SysvipcFormat.table(.msg, [row]), as: UTF8.self).split(separator: "\n")
        #expect(msg[0] == "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime")
        #expect(msg[1] == "      4660      32769   600           0          0     0     0  1000   100     0     0          0          0 1700000000")
        let sem = String(decoding: SysvipcFormat.table(.sem, [row]), as: UTF8.self).split(separator: "\n")
        #expect(sem[1] == "      4660      32769   600          3  1000   100     0     0          0 1700000000")
        let shm = String(decoding: SysvipcFormat.table(.shm, [row]), as: UTF8.self).split(separator: "\n")
        #expect(shm[1] == "      4660      32769   600                 65536    42     0      0  1000   100     0     0          0          0 1700000000                     0                     0")
        var negative = row
        negative.key = -559038737
        #expect(String(decoding: SysvipcFormat.table(.msg, [negative]), as: UTF8.self).split(separator: "\n")[1].hasPrefix("-559038737"))
    }
}
