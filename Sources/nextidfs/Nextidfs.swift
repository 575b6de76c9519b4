import ArgumentParser
import Glibc
import IdAllocators
import NextIdFS

@main
struct Nextidfs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nextidfs",
        abstract: "Serve a simulated machine's /proc-style tree with per-thread next_id files over FUSE.",
        discussion: """
            Mounts at MOUNTPOINT a tree of a simulated machine (processes, threads, pid and IPC \
            namespaces, SysV IPC objects) whose ids are allocated exactly as Linux allocates them. \
            Write "LONG 4242" to <pid>/task/<tid>/next_id and the next object that thread creates \
            (echo fork > <pid>/task/<tid>/ctl) gets id 4242.

            The mount always uses default_permissions (the kernel checks the simulated owners) and \
            auto_unmount (a killed daemon never leaves a dead mount). The daemon goes to the \
            background unless -f or -d is given. SIGTERM, SIGINT and SIGHUP unmount and exit 0; \
            `fusermount3 -u MOUNTPOINT` also stops it.

            Exit status: 0 after a clean stop, 1 when the mount cannot be made (missing mount \
            point, already mounted, no /dev/fuse, not permitted) or the loop failed.
            """)

    @Flag(name: .customShort("f"), help: "Stay in the foreground.")
    var foreground = false

    @Flag(name: .customShort("d"), help: "Print every FUSE request (implies -f).")
    var debug = false

    @Flag(name: .customShort("s"), help: "Serve requests on one thread.")
    var singleThreaded = false

    @Option(name: .customShort("o"), help: ArgumentHelp(
        "Mount options, comma-separated (allow_other lets other users in; needs user_allow_other in /etc/fuse.conf when not root).",
        valueName: "options"))
    var mountOptions: [String] = []

    @Option(name: .customLong("pid-max"), help: "The root pid namespace's pid_max (301...4194304).")
    var pidMax: Int = Limits.defaultPidMax

    @Argument(help: "Where to mount (an existing, empty directory).")
    var mountpoint: String?

    func run() throws {
        guard let mountpoint else { fail("missing mount point (usage: nextidfs [options] MOUNTPOINT)") }
        guard (Limits.pidMaxMin...Limits.pidMaxLimit).contains(pidMax) else {
            fail("--pid-max must be within \(Limits.pidMaxMin)...\(Limits.pidMaxLimit)")
        }
        var options = DaemonOptions(mountpoint: mountpoint)
        options.foreground = foreground
        options.debug = debug
        options.singleThreaded = singleThreaded
        options.pidMax = pidMax
        for option in mountOptions.flatMap({ $0.split(separator: ",").map(String.init) }) {
            if option == "allow_other" { options.allowOther = true } else { options.extraOptions.append(option) }
        }
        do {
            try FuseDaemon.run(options)
        } catch {
            fail(error.description)
        }
    }

    func fail(_ message: String) -> Never {
        let line = Array("nextidfs: \(message)\n".utf8)
        _ = line.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count) }
        Glibc.exit(1)
    }
}
