public import IdAllocators

/// procfs text formats of a task: status, stat, comm, cmdline, children (docs/interface.md §6).
public enum ProcFormats {
    /// /proc/<pid>/status, the lines docs/interface.md §6.1 lists, tab-separated; NS* lists from
    /// the root namespace to the task's own (NSpgid and NSsid: 0 at levels where the group or
    /// session has no pid, as fs/proc/array.c prints them).
    public static func status(_ s: TaskStatus) -> [UInt8] {
        var w = ByteWriter(capacity: 320)
        w.append("Name:\t")
        w.append(bytes: escapedName(s.name))
        w.append(s.state == .zombie ? "\nState:\tZ (zombie)\nTgid:\t" : "\nState:\tS (sleeping)\nTgid:\t")
        w.append(s.tgid)
        w.append("\nPid:\t")
        w.append(s.pid)
        w.append("\nPPid:\t")
        w.append(s.ppid)
        w.append("\nUid:")
        for _ in 0..<4 { w.append("\t"); w.append(s.uid) }
        w.append("\nGid:")
        for _ in 0..<4 { w.append("\t"); w.append(s.gid) }
        w.append("\nThreads:\t")
        w.append(s.threads)
        w.append("\nNStgid:")
        for nr in s.nsTgid { w.append("\t"); w.append(nr) }
        w.append("\nNSpid:")
        for nr in s.nsPid { w.append("\t"); w.append(nr) }
        w.append("\nNSpgid:")
        for nr in s.nsPgid { w.append("\t"); w.append(nr) }
        w.append("\nNSsid:")
        for nr in s.nsSid { w.append("\t"); w.append(nr) }
        // The ignored signals' mask in 16 hex digits (SIGCHLD, 17, is bit 16), after the NS
        // lines as fs/proc/array.c puts it.
        w.append(s.ignoresSigchld ? "\nSigIgn:\t0000000000010000\n" : "\nSigIgn:\t0000000000000000\n")
        return w.bytes
    }

    /// procfs escapes a newline and a backslash in the Name line.
    static func escapedName(_ name: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        for b in name {
            switch b {
            case Tokens.newline: out.append(contentsOf: Array("\\n".utf8))
            case UInt8(ascii: "\\"): out.append(contentsOf: Array("\\\\".utf8))
            default: out.append(b)
            }
        }
        return out
    }

    /// /proc/<pid>/stat: all 52 fields; what the simulation does not have is 0. pgrp and
    /// session as the root namespace sees them, tpgid -1 (no terminal), the PF_EXITING and
    /// PF_FORKNOEXEC flags, exit_code last. Threads of a group show exit_signal -1, processes
    /// SIGCHLD (17), as the kernel does.
    public static func stat(_ s: TaskStatus, isThread: Bool) -> [UInt8] {
        var w = ByteWriter(capacity: 200)
        w.append(s.pid)
        w.append(" (")
        w.append(bytes: s.name)
        w.append(s.state == .zombie ? ") Z " : ") S ")
        w.append(s.ppid)
        w.append(" ")
        w.append(s.pgid)
        w.append(" ")
        w.append(s.sid)
        // tty_nr tpgid flags
        w.append(" 0 -1 ")
        w.append(s.flags)
        // minflt cminflt majflt cmajflt utime stime cutime cstime
        w.append(" 0 0 0 0 0 0 0 0")
        // priority nice num_threads itrealvalue starttime
        w.append(" 20 0 ")
        w.append(s.threads)
        w.append(" 0 ")
        w.append(s.startTime)
        // vsize rss rsslim startcode endcode startstack kstkesp kstkeip signal blocked sigignore
        // sigcatch wchan nswap cnswap
        w.append(" 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 ")
        w.append(isThread ? -1 : 17)
        // processor rt_priority policy delayacct_blkio_ticks guest_time cguest_time start_data
        // end_data start_brk arg_start arg_end env_start env_end
        w.append(" 0 0 0 0 0 0 0 0 0 0 0 0 0 ")
        w.append(s.exitCode)
        w.append("\n")
        return w.bytes
    }

    public static func comm(_ s: TaskStatus) -> [UInt8] { s.name + [Tokens.newline] }

    /// cmdline of every thread: the process's name and a NUL; empty once the process has
    /// exited (a zombie or a dying init), which has no memory left to show, as in procfs.
    public static func cmdline(_ s: TaskStatus) -> [UInt8] {
        s.state == .sleeping ? s.processName + [0] : []
    }

    /// task/<tid>/children: each child's pid followed by a space.
    public static func children(_ pids: [Int32]) -> [UInt8] {
        var w = ByteWriter(capacity: pids.count * 6)
        for pid in pids {
            w.append(pid)
            w.append(" ")
        }
        return w.bytes
    }

    /// A number file (sysctl): the value and a newline.
    public static func number(_ value: Int64) -> [UInt8] {
        var w = ByteWriter(capacity: 12)
        w.append(value)
        w.append("\n")
        return w.bytes
    }

    /// An ns/ link target.
    public static func namespaceLink(_ type: String, _ inode: UInt32) -> [UInt8] {
        Array("\(type):[\(inode)]".utf8)
    }
}
