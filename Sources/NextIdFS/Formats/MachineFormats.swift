public import IdAllocators

/// procfs text formats of the machine: uptime, loadavg, stat, meminfo, cpuinfo, tty/drivers and
/// the IPC limits (docs/interface.md §6.6). Times are clock ticks (USER_HZ) since boot; every
/// processor of the simulated machine is idle all the time (its tasks only wait for calls).
public enum MachineFormats {
    /// `/proc/uptime`: seconds since boot and idle seconds summed over the processors, each
    /// `%lu.%02lu`.
    public static func uptime(ticks: UInt64, cpus: Int) -> [UInt8] {
        var w = ByteWriter(capacity: 32)
        seconds(ticks, &w)
        w.append(" ")
        seconds(ticks * UInt64(cpus), &w)
        w.append("\n")
        return w.bytes
    }

    private static func seconds(_ ticks: UInt64, _ w: inout ByteWriter) {
        w.append(ticks / Limits.clockTicksPerSecond)
        w.append(".")
        let hundredths = ticks % Limits.clockTicksPerSecond
        if hundredths < 10 { w.append("0") }
        w.append(hundredths)
    }

    /// `/proc/loadavg`: no load (no task ever runs), runnable/existing tasks, the last pid.
    public static func loadavg(_ s: MachineSummary) -> [UInt8] {
        var w = ByteWriter(capacity: 40)
        w.append("0.00 0.00 0.00 0/")
        w.append(s.threads)
        w.append(" ")
        w.append(s.lastPid)
        w.append("\n")
        return w.bytes
    }

    /// `/proc/stat`: every processor idle since boot (the `cpu` line sums them), no
    /// interrupts, `btime`, tasks created, none running or blocked.
    public static func stat(_ s: MachineSummary, ticks: UInt64, cpus: Int, bootTime: Int64) -> [UInt8] {
        var w = ByteWriter(capacity: 160 + 40 * cpus)
        cpuLine("cpu ", idle: ticks * UInt64(cpus), &w)
        for cpu in 0..<cpus { cpuLine("cpu\(cpu)", idle: ticks, &w) }
        w.append("intr 0\nctxt 0\nbtime ")
        w.append(bootTime)
        w.append("\nprocesses ")
        w.append(s.forks)
        w.append("\nprocs_running 0\nprocs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n")
        return w.bytes
    }

    /// user nice system idle iowait irq softirq steal guest guest_nice.
    private static func cpuLine(_ name: String, idle: UInt64, _ w: inout ByteWriter) {
        w.append(name)
        w.append(" 0 0 0 ")
        w.append(idle)
        w.append(" 0 0 0 0 0 0\n")
    }

    /// The simulated machine's memory (kB): nothing is ever used (tasks have no memory,
    /// shared memory segments are never touched), there is no swap.
    public static let memTotalKiB: UInt64 = 8 * 1024 * 1024

    /// `/proc/meminfo`: `Name:` padded to 16 columns, the value in 8, ` kB`.
    public static func meminfo() -> [UInt8] {
        var w = ByteWriter(capacity: 600)
        let lines: [(String, UInt64)] = [
            ("MemTotal", memTotalKiB), ("MemFree", memTotalKiB), ("MemAvailable", memTotalKiB),
            ("Buffers", 0), ("Cached", 0), ("SwapCached", 0), ("Active", 0), ("Inactive", 0),
            ("SwapTotal", 0), ("SwapFree", 0), ("Dirty", 0), ("Writeback", 0), ("AnonPages", 0),
            ("Mapped", 0), ("Shmem", 0), ("KReclaimable", 0), ("Slab", 0), ("SReclaimable", 0),
            ("SUnreclaim", 0), ("KernelStack", 0), ("PageTables", 0), ("CommitLimit", memTotalKiB / 2),
            ("Committed_AS", 0),
        ]
        for (name, kib) in lines {
            w.append(name)
            w.append(":")
            w.append(bytes: repeatElement(UInt8(ascii: " "), count: max(15 - name.utf8.count, 0)))
            w.append(kib, width: 8)
            w.append(" kB\n")
        }
        return w.bytes
    }

    /// `/proc/cpuinfo`: a `processor` stanza per processor, each ended by a blank line.
    public static func cpuinfo(cpus: Int) -> [UInt8] {
        var w = ByteWriter(capacity: 16 * cpus)
        for cpu in 0..<cpus {
            w.append("processor\t: ")
            w.append(cpu)
            w.append("\n\n")
        }
        return w.bytes
    }

    /// `/proc/tty/drivers`: the kernel's standard drivers (driver, device, major, minors, type),
    /// as fs/proc/proc_tty.c prints them,
    /// for readers whose own terminal is real (simulated tasks have none).
    public static func ttyDrivers() -> [UInt8] {
        let drivers: [(String, String, Int, String, String)] = [
            ("/dev/tty", "/dev/tty", 5, "0", "system:/dev/tty"),
            ("/dev/console", "/dev/console", 5, "1", "system:console"),
            ("/dev/ptmx", "/dev/ptmx", 5, "2", "system"),
            ("/dev/vc/0", "/dev/vc/0", 4, "0", "system:vtmaster"),
            ("serial", "/dev/ttyS", 4, "64", "serial"),
            ("pty_slave", "/dev/pts", 136, "0-1048575", "pty:slave"),
            ("pty_master", "/dev/ptm", 128, "0-1048575", "pty:master"),
            ("unknown", "/dev/tty", 4, "1-63", "console"),
        ]
        var w = ByteWriter(capacity: 512)
        for (driver, device, major, minors, type) in drivers {
            padded(driver, 20, &w)
            w.append(" ")
            padded(device, 13, &w)  // "/dev/" then %-8s
            w.append(" ")
            w.append(major, width: 3)
            w.append(" ")
            // A single minor is `%7d`, a range `%d-%d`.
            if minors.contains("-") { w.append(minors) } else { w.append(Int(minors)!, width: 7) }
            w.append(" ")
            w.append(type)
            w.append("\n")
        }
        return w.bytes
    }

    private static func padded(_ text: String, _ width: Int, _ w: inout ByteWriter) {
        w.append(text)
        w.append(bytes: repeatElement(UInt8(ascii: " "), count: max(width - text.utf8.count, 0)))
    }

    /// `sys/kernel/sem`: SEMMSL SEMMNS SEMOPM SEMMNI, tab-separated.
    public static func sem() -> [UInt8] {
        Array("\(Limits.semmsl)\t\(Limits.semmns)\t\(Limits.semopm)\t\(Limits.semmni)\n".utf8)
    }
}
