import IdAllocators

/// The daemon's arguments in mount.fuse3's calling convention, `nextidfs [SOURCE] MOUNTPOINT -o
/// OPTIONS` (what `mount -t fuse.nextidfs`, /etc/fstab and systemd mount units run), sorted into
/// what nextidfs acts on and what goes to libfuse. libfuse 3.14 refuses -o keys it does not
/// know, so nextidfs's own keys and mount(8)'s are taken out here.
public enum MountArguments {
    /// Keys that mean something to mount(8) or mount.fuse3 only. mount.fuse3 drops most of them
    /// itself; they reach nextidfs when it is called directly with an fstab line's options.
    static let mountOnlyKeys: Set<Substring> = ["defaults", "auto", "noauto", "user", "nouser", "users",
                                                "owner", "group", "nofail", "_netdev"]
    static let mountOnlyPrefixes = ["x-", "comment="]

    /// mount.fuse3 acts on these before it runs nextidfs. Given to nextidfs itself, they could
    /// only be ignored, which would hide that the request was not honoured.
    static let helperKeys = ["setuid=", "drop_privileges"]

    /// positionals: `[SOURCE] MOUNTPOINT`; options: the -o arguments, each a comma-separated
    /// list (a key given twice: the last one counts, as mount(8) does when it appends the
    /// command line's options to the fstab's); pidMax: --pid-max, if given.
    public static func parse(positionals: [String], options: [String], pidMax: Int?) throws(MountArgumentError) -> DaemonOptions {
        let (source, mountpoint) = try sourceAndMountpoint(positionals)
        var daemon = DaemonOptions(mountpoint: mountpoint)
        if let source { daemon.fsname = source }
        var pidMaxOption: Int?
        for key in options.flatMap({ $0.split(separator: ",") }) {
            if key == "pid_max" || key.hasPrefix("pid_max=") {
                pidMaxOption = try pidMaxValue(key.dropFirst("pid_max=".count), from: "-o pid_max")
            } else if key.hasPrefix("max_threads=") {
                daemon.workers = try workersValue(key.dropFirst("max_threads=".count))
            } else if key.hasPrefix("fsname=") {
                daemon.fsname = String(key.dropFirst("fsname=".count))
            } else if key == "allow_other" {
                daemon.allowOther = true
            } else if let helperKey = helperKeys.first(where: { $0.hasSuffix("=") ? key.hasPrefix($0) : key == $0 }) {
                throw .helperOption(helperKey)
            } else if !isMountOnly(key) {
                daemon.extraOptions.append(String(key))
            }
        }
        if let pidMax {
            guard pidMaxOption == nil else { throw .pidMaxTwice }
            pidMaxOption = try pidMaxValue(Substring(String(pidMax)), from: "--pid-max")
        }
        daemon.pidMax = pidMaxOption ?? Limits.defaultPidMax
        return daemon
    }

    static func sourceAndMountpoint(_ positionals: [String]) throws(MountArgumentError) -> (String?, String) {
        let (source, mountpoint): (String?, String)
        switch positionals.count {
        case 0: throw .missingMountpoint
        case 1: (source, mountpoint) = (nil, positionals[0])
        case 2: (source, mountpoint) = (positionals[0], positionals[1])
        default: throw .tooManyArguments(positionals)
        }
        if isPassedFuseFd(mountpoint) { throw .passedFuseFd(mountpoint) }
        return (source, mountpoint)
    }

    /// mount.fuse3's drop_privileges mounts itself and passes the /dev/fuse descriptor as
    /// /dev/fd/N: the mount would have neither default_permissions nor auto_unmount, and an
    /// unprivileged daemon could not unmount it on SIGTERM.
    static func isPassedFuseFd(_ path: String) -> Bool {
        guard path.hasPrefix("/dev/fd/") else { return false }
        let n = path.dropFirst("/dev/fd/".count)
        return !n.isEmpty && n.allSatisfy(\.isASCII) && n.allSatisfy(\.isNumber)
    }

    static func pidMaxValue(_ text: Substring, from option: String) throws(MountArgumentError) -> Int {
        guard let value = Tokens.unsignedDecimal(text.utf8, max: UInt64(Limits.pidMaxLimit)),
              value >= Limits.pidMaxMin else {
            throw .badPidMax(option: option, value: String(text))
        }
        return Int(value)
    }

    static func workersValue(_ text: Substring) throws(MountArgumentError) -> Int {
        guard let value = Tokens.unsignedDecimal(text.utf8, max: UInt64(DaemonOptions.maxWorkers)), value >= 1 else {
            throw .badMaxThreads(String(text))
        }
        return Int(value)
    }

    static func isMountOnly(_ key: Substring) -> Bool {
        key.isEmpty || mountOnlyKeys.contains(key) || mountOnlyPrefixes.contains { key.hasPrefix($0) }
    }
}

public enum MountArgumentError: Error, Equatable, CustomStringConvertible {
    case missingMountpoint
    case tooManyArguments([String])
    case badPidMax(option: String, value: String)
    case pidMaxTwice
    case badMaxThreads(String)
    case helperOption(String)
    case passedFuseFd(String)

    static let usage = "usage: nextidfs [options] [SOURCE] MOUNTPOINT"

    public var description: String {
        switch self {
        case .missingMountpoint:
            "missing mount point (\(Self.usage))"
        case .tooManyArguments(let arguments):
            "too many arguments: \(arguments.joined(separator: " ")) (\(Self.usage))"
        case .badPidMax(let option, let value):
            "\(option) '\(value)': pid_max must be a decimal number within \(Limits.pidMaxMin)...\(Limits.pidMaxLimit)"
        case .pidMaxTwice:
            "pid_max given twice: use --pid-max N or -o pid_max=N, not both"
        case .badMaxThreads(let value):
            "-o max_threads '\(value)': the number of worker threads must be a decimal number within 1...\(DaemonOptions.maxWorkers)"
        case .helperOption(let key):
            "-o \(key) is an option of mount.fuse3, which acts on it before it runs nextidfs: use it through mount -t fuse.nextidfs or /etc/fstab"
        case .passedFuseFd(let path):
            "\(path) as mount point (mount.fuse3's drop_privileges) is not supported: nextidfs mounts itself, with default_permissions and auto_unmount; remove drop_privileges, and umount the mount point (mount.fuse3 mounted it before running nextidfs)"
        }
    }
}
