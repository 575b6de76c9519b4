import CFuse
import CFuseRing
import Glibc
import IdAllocators
import SystemPackage

/// How the daemon runs (FUSE conventions: -f, -d, -s, -o).
public struct DaemonOptions: Sendable, Equatable {
    public var mountpoint: String
    public var foreground = false
    public var debug = false
    public var singleThreaded = false
    public var allowOther = false
    /// The source /proc/mounts shows.
    public var fsname = "nextidfs"
    /// More -o options for libfuse.
    public var extraOptions: [String] = []
    public var pidMax = Limits.defaultPidMax
    /// Worker threads of the multi-threaded loop (-o max_threads): one per CPU. Every request
    /// takes the Kernel's lock; more workers than CPUs only queue on it, and a worker preempted
    /// while holding it makes the others spin and sleep (8 clients with 10 workers on 2 CPUs ran
    /// at 0.3x of 4 clients).
    public var workers = DaemonOptions.cpus
    /// FUSE over io_uring or /dev/fuse (`Transport`).
    public var transport = Transport.auto
    static let maxWorkers = 1024
    static var cpus: Int { max(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), 1) }

    public init(mountpoint: String) { self.mountpoint = mountpoint }

    /// default_permissions and auto_unmount always: the kernel checks the simulated owners, and
    /// a killed daemon never leaves a dead mount.
    var fuseOptions: String {
        (["default_permissions", "auto_unmount", "fsname=" + escapedOption(fsname), "subtype=nextidfs"]
            + (allowOther ? ["allow_other"] : []) + extraOptions).joined(separator: ",")
    }

    /// libfuse reads a backslash in an -o value as an escape for the next character.
    func escapedOption(_ value: String) -> String {
        value.replacing("\\", with: "\\\\").replacing(",", with: "\\,")
    }
}

/// Why the daemon could not mount or serve, in words for its command line. Not an errno: most
/// of these are the daemon's own checks (a mount point that is not a directory, or is mounted
/// already) or what libfuse and fusermount3 printed, which come without one.
public struct DaemonError: Error, CustomStringConvertible {
    public let description: String
}

/// Mounts a `Filesystem`, serves it until SIGTERM, SIGINT, SIGHUP or an outside unmount, and
/// unmounts. libfuse 3.14's own signal handling does not wake its loops reliably, so a thread
/// waits for the signals and unmounts, which ends every worker's read of /dev/fuse.
public enum FuseDaemon {
    public static func run(_ options: DaemonOptions) throws(DaemonError) {
        let mountpoint = try checkMountpoint(options.mountpoint)
        let ring = try RingPlan(options.transport, singleThreaded: options.singleThreaded)
        // Blocked from here on (and in every thread started later): a stop request that comes
        // while mounting waits for the stopper instead of killing a half-started daemon.
        Stopper.blockSignals()
        // A fixed trim threshold (glibc's default value) turns off glibc's dynamic thresholds,
        // which after one large free keep up to twice its size unreturned at the top of every
        // worker thread's arena.
        mallopt(M_TRIM_THRESHOLD, 128 * 1024)
        let context = FuseContext(filesystem: Filesystem(kernel: Kernel(pidMax: options.pidMax, now: { Int64(time(nil)) }, ticks: bootTicks)))
        let userdata = Unmanaged.passRetained(context).toOpaque()

        var argv = ["nextidfs", "-o", options.fuseOptions] + (options.debug ? ["-d"] : [])
        var ops = makeOperations()
        let session: OpaquePointer = try withCapturedStderr { () throws(DaemonError) -> OpaquePointer in
            let se = withCArguments(&argv) { argc, cargv in
                var args = nextidfs_args_init(argc, cargv)
                defer { fuse_opt_free_args(&args) }
                return fuse_session_new(&args, &ops, MemoryLayout<fuse_lowlevel_ops>.size, userdata)
            }
            guard let se else { throw DaemonError(description: "cannot start a FUSE session") }
            // The kernel offers the ring in the INIT it sends while mounting.
            if ring.claim { nextidfs_ring_offer() }
            guard fuse_session_mount(se, mountpoint) == 0 else {
                nextidfs_ring_withdraw()
                fuse_session_destroy(se)
                throw DaemonError(description: "cannot mount on \(mountpoint)")
            }
            return se
        }
        if ring.claim {
            // Refused only for a bad argument: /dev/fuse then serves.
            _ = nextidfs_ring_attach(session, RingPlan.depth, options.debug ? 1 : 0, ring.insist ? 1 : 0)
        } else if options.debug {
            _ = try? FileDescriptor.standardError.writeAll(RingPlan.devfuseReason(options.transport).utf8)
        }
        context.session.store(Int(bitPattern: UnsafeRawPointer(session)), ordering: .releasing)
        // kill -9: fusermount3 (auto_unmount) unmounts once our end of its socket closes, but only
        // if the mount then answers ENOTCONN; a request caught by the connection's abort fails
        // otherwise and the mount stays dead. A dead process's files are released from its
        // highest descriptor down, so a copy of /dev/fuse above that socket goes first.
        _ = fcntl(fuse_session_fd(session), F_DUPFD_CLOEXEC, 256)

        fuse_daemonize(options.foreground || options.debug ? 1 : 0)

        let stopper = Stopper(session: session) { context.detachSession() }
        stopper.start()
        let status: Int32
        if options.singleThreaded {
            status = fuse_session_loop(session)
        } else {
            let config = fuse_loop_cfg_create()
            fuse_loop_cfg_set_clone_fd(config, 0)
            fuse_loop_cfg_set_max_threads(config, UInt32(options.workers))
            status = fuse_session_loop_mt(session, config)
            fuse_loop_cfg_destroy(config)
        }
        // Teardown in the reverse order of setup: no more invalidation notices and the queued ones
        // sent while the mount is there (they use the session and its device), then unmounted
        // (finish, if no signal did it), then the ring threads (they run requests through the
        // session), then the session, then the context.
        let signalled = stopper.finish()
        if ring.claim { nextidfs_ring_join() }
        fuse_session_destroy(session)
        Unmanaged<FuseContext>.fromOpaque(userdata).release()
        if status != 0 && !signalled {
            throw DaemonError(description: "the FUSE loop ended with an error (\(status))")
        }
    }

    /// The mount point must be an existing directory that is not already a mount point, and
    /// /dev/fuse must be there.
    static func checkMountpoint(_ path: String) throws(DaemonError) -> String {
        guard let resolved = realpath(path, nil) else {
            throw DaemonError(description: "mount point \(path) does not exist")
        }
        defer { free(resolved) }
        let canonical = String(cString: resolved)
        var st = stat()
        guard stat(canonical, &st) == 0, st.st_mode & S_IFMT == S_IFDIR else {
            throw DaemonError(description: "mount point \(path) is not a directory")
        }
        if isMountpoint(canonical) {
            throw DaemonError(description: "\(canonical) is already a mount point (unmount it first: fusermount3 -u \(canonical))")
        }
        guard access("/dev/fuse", R_OK | W_OK) == 0 else {
            if errno == ENOENT { throw DaemonError(description: "/dev/fuse is missing: load the fuse module (modprobe fuse)") }
            throw DaemonError(description: "not permitted to use /dev/fuse (\(String(cString: strerror(errno)))): run as root or give this user access to it")
        }
        return canonical
    }

    /// Whether /proc/self/mountinfo lists `path` as a mount point.
    static func isMountpoint(_ path: String) -> Bool {
        guard let file = fopen("/proc/self/mountinfo", "r") else { return false }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0 {
            let fields = String(cString: line!).split(separator: " ")
            if fields.count > 4, unescapeMountinfo(String(fields[4])) == path { return true }
        }
        return false
    }

    /// mountinfo writes space, tab, newline and backslash as \ooo.
    static func unescapeMountinfo(_ s: String) -> String {
        var out: [UInt8] = []
        var bytes = Array(s.utf8)[...]
        while let b = bytes.first {
            if b == UInt8(ascii: "\\"), bytes.count >= 4,
               let v = UInt8(String(decoding: bytes.dropFirst().prefix(3), as: UTF8.self), radix: 8) {
                out.append(v)
                bytes = bytes.dropFirst(4)
            } else {
                out.append(b)
                bytes = bytes.dropFirst()
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Runs `body` with stderr sent to a memory file, so that libfuse's and fusermount3's
    /// complaints become part of one error line instead of several.
    static func withCapturedStderr<T>(_ body: () throws(DaemonError) -> T) throws(DaemonError) -> T {
        fflush(nil)
        // Close-on-exec: fusermount3 (forked during the mount, alive as long as the mount with
        // auto_unmount) must not hold the caller's stderr, or `nextidfs DIR | tail` never ends.
        let saved = FileDescriptor(rawValue: fcntl(2, F_DUPFD_CLOEXEC, 0))
        let capture = FileDescriptor(rawValue: nextidfs_memfd("nextidfs-stderr"))
        guard saved.rawValue >= 0, capture.rawValue >= 0 else {
            for fd in [saved, capture] where fd.rawValue >= 0 { try? fd.close() }
            return try body()
        }
        _ = try? capture.duplicate(as: .standardError)
        let result: Result<T, DaemonError>
        do { result = .success(try body()) } catch { result = .failure(error) }
        fflush(nil)
        _ = try? saved.duplicate(as: .standardError)
        try? saved.close()
        let text = (try? capture.seek(offset: 0, from: .start)).flatMap { _ in try? capture.readToEnd() } ?? []
        try? capture.close()
        switch result {
        case .success(let value):
            _ = try? FileDescriptor.standardError.writeAll(text)
            return value
        case .failure(let error):
            let detail = String(decoding: text, as: UTF8.self)
                .split(separator: "\n").map { $0.trimmingPrefix("fuse: ").trimmingPrefix("fusermount3: ") }
                .joined(separator: "; ")
            throw DaemonError(description: detail.isEmpty ? error.description : "\(error.description): \(detail)")
        }
    }

    static func withCArguments<R>(_ args: inout [String], _ body: (Int32, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        var cargs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { cargs.forEach { free($0) } }
        return cargs.withUnsafeMutableBufferPointer { body(Int32(args.count), $0.baseAddress!) }
    }
}

/// Waits for SIGTERM, SIGINT and SIGHUP on its own thread; the first one ends the session and
/// unmounts, which makes the loop return. Unmounting happens exactly once, here or after the
/// loop ended for another reason (an outside unmount), after `beforeUnmount`.
final class Stopper: Sendable {
    let sessionBits: Int
    let beforeUnmount: @Sendable () -> Void
    /// nil while serving; then whether a signal stopped it.
    let state = Lock<Bool?>(nil)

    init(session: OpaquePointer, beforeUnmount: @escaping @Sendable () -> Void) {
        sessionBits = Int(bitPattern: UnsafeRawPointer(session))
        self.beforeUnmount = beforeUnmount
    }

    var session: OpaquePointer { OpaquePointer(bitPattern: sessionBits)! }

    static let stopSignals = [SIGTERM, SIGINT, SIGHUP]
    static var signals: sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for s in stopSignals { sigaddset(&set, s) }
        return set
    }

    static func blockSignals() {
        // A background job of a non-interactive shell starts with SIGINT ignored; an ignored
        // signal is never delivered to sigwait, so take the default back before blocking.
        for s in stopSignals { signal(s, SIG_DFL) }
        var set = Stopper.signals
        pthread_sigmask(SIG_BLOCK, &set, nil)
        signal(SIGPIPE, SIG_IGN)
    }

    func start() {
        Stopper.blockSignals()
        var thread = pthread_t()
        let me = Unmanaged.passRetained(self).toOpaque()
        pthread_create(&thread, nil, { arg in
            let stopper = Unmanaged<Stopper>.fromOpaque(arg!).takeRetainedValue()
            var set = Stopper.signals
            var received: Int32 = 0
            while sigwait(&set, &received) != 0 {}
            stopper.stop(signalled: true)
            return nil
        }, me)
        pthread_detach(thread)
    }

    func stop(signalled: Bool) {
        state.withLock { state in
            guard state == nil else { return }
            state = signalled
            beforeUnmount()
            fuse_session_exit(session)
            fuse_session_unmount(session)
        }
    }

    /// After the loop: unmount if nobody did; whether a signal ended it.
    func finish() -> Bool {
        stop(signalled: false)
        return state.withLock { $0 ?? false }
    }
}

/// CLOCK_BOOTTIME in clock ticks: the simulated machine's clock is the host's (procps >= 4.0.5
/// takes elapsed times from the reader's own CLOCK_BOOTTIME, older ones from /proc/uptime).
@Sendable func bootTicks() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_BOOTTIME, &now)
    return UInt64(now.tv_sec) * Limits.clockTicksPerSecond + UInt64(now.tv_nsec) / (1_000_000_000 / Limits.clockTicksPerSecond)
}
