import ArgumentParser
import Glibc
import IdAllocators
import NextIdFS
import SystemPackage

@main
struct Nextidfs: ParsableCommand {
    // The discussion is also the man page's DESCRIPTION (scripts/install.sh): plain ASCII,
    // paragraphs separated by one blank line, examples indented.
    static let configuration = CommandConfiguration(
        commandName: "nextidfs",
        abstract: "Serve a simulated machine's /proc-style tree with per-thread next_id files over FUSE.",
        usage: "nextidfs [-f] [-d] [-s] [-o <options>] [--pid-max <n>] [--transport <transport>] [<source>] <mountpoint>",
        discussion: """
            Mounts at MOUNTPOINT a tree of a simulated machine (processes, threads, pid and IPC \
            namespaces, SysV IPC objects) whose ids are allocated exactly as Linux allocates them. \
            Write "LONG 4242" to <pid>/task/<tid>/next_id and the next object that thread creates \
            (echo fork > <pid>/task/<tid>/ctl) gets id 4242.

            SOURCE is the name /proc/mounts shows (default: nextidfs). The two positionals and -o \
            are mount.fuse3's calling convention, so mount(8) mounts nextidfs as a FUSE file \
            system of type fuse.nextidfs, from the command line, an /etc/fstab line or a systemd \
            unit (/etc/systemd/system/mnt-x.mount, its [Mount] section):

              mount -t fuse.nextidfs nextidfs /mnt/x -o allow_other,pid_max=1000
              nextidfs  /mnt/x  fuse.nextidfs  allow_other,pid_max=1000,nofail  0  0
              What=nextidfs
              Where=/mnt/x
              Type=fuse.nextidfs
              Options=allow_other,pid_max=1000

            mount.fuse3 runs nextidfs through /bin/sh without PATH: it must be in /usr/local/sbin, \
            /usr/local/bin, /usr/sbin, /usr/bin, /sbin or /bin. mount.fuse3's drop_privileges \
            (which passes /dev/fd/N as MOUNTPOINT) is refused: nextidfs makes the mount itself.

            Options for -o: pid_max=N is nextidfs's own (the same as --pid-max; give one of them); \
            fsname=NAME replaces SOURCE; the keys that only mean something to mount(8) (defaults, \
            auto, noauto, user, nouser, users, owner, group, nofail, _netdev, comment=..., x-...) \
            are ignored; mount.fuse3's setuid= and drop_privileges are refused when given to \
            nextidfs directly; everything else goes to libfuse (allow_other, ro, ...), which \
            refuses keys it does not know. default_permissions (the kernel checks the simulated \
            owners) and auto_unmount (a killed daemon never leaves a dead mount) are always on.

            The daemon goes to the background once the mount is up, unless -f or -d is given, so \
            mount(8) returns when the tree can be used and reports nextidfs's failure. SIGTERM, \
            SIGINT and SIGHUP unmount and exit 0; umount MOUNTPOINT and fusermount3 -u MOUNTPOINT \
            also stop it.

            Exit status: 0 after a clean stop (in the background: once mounted); 1 when an \
            argument is wrong, the mount cannot be made (missing mount point, already mounted, no \
            /dev/fuse, not permitted) or the loop failed; 64 for an option nextidfs does not know.

            Files: /dev/fuse; /etc/fuse.conf (user_allow_other lets a user other than root mount \
            with allow_other); /etc/fstab.

            See also: mount(8), mount.fuse3(8), fusermount3(1), fstab(5), systemd.mount(5).
            """)

    @Flag(name: .customShort("f"), help: "Stay in the foreground.")
    var foreground = false

    @Flag(name: .customShort("d"), help: "Print every FUSE request (implies -f).")
    var debug = false

    @Flag(name: .customShort("s"), help: "Serve requests on one thread.")
    var singleThreaded = false

    @Option(name: .customShort("o"), help: ArgumentHelp(
        "Mount options, comma-separated: pid_max=N, allow_other (lets other users in; needs user_allow_other in /etc/fuse.conf when not root), libfuse's.",
        valueName: "options"), completion: .list(["allow_other", "pid_max=", "fsname=", "ro"]))
    var mountOptions: [String] = []

    @Option(name: .customLong("pid-max"), help: ArgumentHelp(
        "The root pid namespace's pid_max, \(Limits.pidMaxMin)...\(Limits.pidMaxLimit) (default: \(Limits.defaultPidMax)).",
        valueName: "n"))
    var pidMax: Int?

    @Option(help: ArgumentHelp(
        "How requests come from the kernel: auto (FUSE over io_uring when the kernel offers it, as root turning /sys/module/fuse/parameters/enable_uring on for the mount; /dev/fuse with -s or otherwise), uring (the same, saying on stderr when /dev/fuse serves), devfuse.",
        valueName: "transport"), completion: .list(Transport.allCases.map(\.rawValue)), transform: Nextidfs.transport)
    var transport = Transport.auto

    static func transport(_ name: String) throws -> Transport {
        guard let transport = Transport(rawValue: name) else {
            throw ValidationError("--transport is auto, devfuse or uring, not \(name)")
        }
        return transport
    }

    @Argument(help: ArgumentHelp("The name /proc/mounts shows (default: nextidfs).", valueName: "source"),
              completion: .directory)
    var source: String?

    @Argument(help: ArgumentHelp("Where to mount (an existing, empty directory).", valueName: "mountpoint"),
              completion: .directory)
    var mountpoint: String?

    func run() throws {
        var options: DaemonOptions
        do {
            options = try MountArguments.parse(positionals: [source, mountpoint].compactMap { $0 },
                                               options: mountOptions, pidMax: pidMax)
        } catch {
            fail(error.description)
        }
        options.foreground = foreground
        options.debug = debug
        options.singleThreaded = singleThreaded
        options.transport = transport
        do {
            try FuseDaemon.run(options)
        } catch {
            fail(error.description)
        }
    }

    func fail(_ message: String) -> Never {
        _ = try? FileDescriptor.standardError.writeAll("nextidfs: \(message)\n".utf8)
        Glibc.exit(1)
    }
}
