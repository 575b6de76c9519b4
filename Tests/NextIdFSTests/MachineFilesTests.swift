@testable import IdAllocators
@testable import NextIdFS
import Synchronization
import Testing

/// The machine's files (docs/interface.md §6.6): their formats as this machine's /proc has them,
/// and their figures agreeing with each other and with the tasks' start times.
@Suite struct MachineFilesTests {
    func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test func uptimeIsSecondsAndHundredthsWithIdleSummedOverProcessors() {
        #expect(text(MachineFormats.uptime(ticks: 1_234_505, cpus: 2)) == "12345.05 24690.10\n")
        #expect(text(MachineFormats.uptime(ticks: 7, cpus: 1)) == "0.07 0.07\n")
    }

    @Test func loadavgHasNoLoadTheTasksAndTheLastPid() {
        let s = MachineSummary(threads: 5, forks: 9, lastPid: 104)
        #expect(text(MachineFormats.loadavg(s)) == "0.00 0.00 0.00 0/5 104\n")
    }

    @Test func statHasIdleProcessorsBtimeAndForks() {
        let s = MachineSummary(threads: 5, forks: 9, lastPid: 104)
        let lines = text(MachineFormats.stat(s, ticks: 1000, cpus: 2, bootTime: 1_700_000_000)).split(separator: "\n")
        #expect(lines == ["cpu  0 0 0 2000 0 0 0 0 0 0", "cpu0 0 0 0 1000 0 0 0 0 0 0", "cpu1 0 0 0 1000 0 0 0 0 0 0",
                          "intr 0", "ctxt 0", "btime 1700000000", "processes 9", "procs_running 0", "procs_blocked 0",
                          "softirq 0 0 0 0 0 0 0 0 0 0 0"])
    }

    @Test func meminfoLinesAreAlignedAsTheKernelsAndAllFree() {
        let lines = text(MachineFormats.meminfo()).split(separator: "\n")
        #expect(lines[0] == "MemTotal:        8388608 kB")
        #expect(lines[1] == "MemFree:         8388608 kB")
        #expect(lines[2] == "MemAvailable:    8388608 kB")
        #expect(lines.contains("Shmem:                 0 kB"))
        #expect(lines.contains("SwapTotal:             0 kB"))
        #expect(lines.allSatisfy { $0.hasSuffix(" kB") && $0.firstIndex(of: ":")! < $0.index($0.startIndex, offsetBy: 16) })
    }

    @Test func cpuinfoStanzasEndWithABlankLine() {
        #expect(text(MachineFormats.cpuinfo(cpus: 2)) == "processor\t: 0\n\nprocessor\t: 1\n\n")
    }

    /// The kernel's table, as this machine's /proc/tty/drivers shows it.
    @Test func ttyDriversAsTheKernelPrintsThem() {
        #expect(text(MachineFormats.ttyDrivers()) == """
            /dev/tty             /dev/tty        5       0 system:/dev/tty
            /dev/console         /dev/console    5       1 system:console
            /dev/ptmx            /dev/ptmx       5       2 system
            /dev/vc/0            /dev/vc/0       4       0 system:vtmaster
            serial               /dev/ttyS       4      64 serial
            pty_slave            /dev/pts      136 0-1048575 pty:slave
            pty_master           /dev/ptm      128 0-1048575 pty:master
            unknown              /dev/tty        4 1-63 console

            """)
    }

    @Test func semIsFourTabSeparatedLimits() {
        #expect(text(MachineFormats.sem()) == "32000\t1024000000\t500\t32000\n")
    }

    /// A clock that the test moves: 250 ticks after a boot at 1_700_000_000.
    final class FakeClock: Sendable {
        let ticks = Atomic<UInt64>(25_000)
        func realtime() -> Int64 { 1_700_000_000 + Int64(ticks.load(ordering: .relaxed) / 100) }
    }

    /// ps computes a task's elapsed time as uptime - starttime / HZ and its start as btime +
    /// starttime / HZ: both must give the moment the task was created.
    @Test func startTimesCountFromBtimeAsUptimeDoes() throws {
        let clock = FakeClock()
        let kernel = Kernel(now: clock.realtime, ticks: { clock.ticks.load(ordering: .relaxed) })
        let fs = Filesystem(kernel: kernel)
        func read(_ names: String...) -> String {
            var node = try! fs.getattr(1).get()
            for n in names { node = try! fs.lookup(parent: node.inode, name: Array(n.utf8)).get() }
            return text(try! fs.read(try! fs.open(node.inode).get(), offset: 0, size: 1 << 16).get())
        }
        #expect(kernel.bootTime == 1_700_000_000)
        clock.ticks.store(30_050, ordering: .relaxed)
        _ = kernel.call(.fork, by: kernel.handle(ofPid: 1))
        clock.ticks.store(40_000, ordering: .relaxed)
        let startTime = read("2", "stat").split(separator: " ")[21]
        #expect(startTime == "30050")
        #expect(read("1", "stat").split(separator: " ")[21] == "25000", "init started at the mount")
        #expect(read("uptime").hasPrefix("400.00 "))
        #expect(read("stat").contains("\nbtime 1700000000\nprocesses 1\n"))
        #expect(read("loadavg") == "0.00 0.00 0.00 0/2 2\n")
        #expect(read("2", "task", "2", "cmdline") == "init\0")
        #expect(read("sys", "kernel", "msgmni") == "32000\n")
        #expect(read("2", "sys", "kernel", "shmmni") == "4096\n")
        #expect(read("sys", "kernel", "shmmax") == "18446744073692774399\n")
        #expect(read("sys", "kernel", "osrelease") == Host.release + "\n")
    }
}
