import Glibc
import IdAllocators

/// The machine's files at the top of the mount (docs/interface.md §6.6, §6.7), rendered from
/// the kernel's clock, counts or pid namespaces at each read.
struct MachineTextFile: TreeFile {
    let render: @Sendable (Kernel) -> [UInt8]

    func content(of node: NodeRef, in kernel: Kernel) -> Result<[UInt8], Errno> {
        .success(render(kernel))
    }

    static let uptime = MachineTextFile { MachineFormats.uptime(ticks: $0.uptime, cpus: Host.cpus) }
    static let loadavg = MachineTextFile { MachineFormats.loadavg($0.summary) }
    static let stat = MachineTextFile { MachineFormats.stat($0.summary, ticks: $0.uptime, cpus: Host.cpus, bootTime: $0.bootTime) }
    /// Read-only, also for the dead and dying namespaces whose own sys/kernel files are ESRCH
    /// (a nextidfs extension).
    static let pidNamespaces = MachineTextFile { PidNamespacesFormat.render($0.pidNamespaceStates()) }
}

/// A file whose content never changes while the tree is mounted: cpuinfo, tty/drivers, the IPC
/// limits the simulation enforces, osrelease. Read-only, also where the kernel lets root write
/// (the simulation has no other limits to switch to).
struct ConstantFile: TreeFile {
    let bytes: [UInt8]

    func content(of node: NodeRef, in kernel: Kernel) -> Result<[UInt8], Errno> { .success(bytes) }

    static let cpuinfo = ConstantFile(bytes: MachineFormats.cpuinfo(cpus: Host.cpus))
    static let meminfo = ConstantFile(bytes: MachineFormats.meminfo())
    static let ttyDrivers = ConstantFile(bytes: MachineFormats.ttyDrivers())
    static let osrelease = ConstantFile(bytes: Array(Host.release.utf8) + [Tokens.newline])
    static let sem = ConstantFile(bytes: MachineFormats.sem())
    static func number(_ value: some BinaryInteger) -> ConstantFile {
        ConstantFile(bytes: Array("\(value)\n".utf8))
    }
}

/// What the simulated machine takes from the host: its processors (as many as the host has
/// online: procps counts them in the host's /sys) and its kernel release.
enum Host {
    static let cpus = max(sysconf(Int32(_SC_NPROCESSORS_ONLN)), 1)
    static let release: String = {
        var name = utsname()
        uname(&name)
        return withUnsafeBytes(of: name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }()
}
