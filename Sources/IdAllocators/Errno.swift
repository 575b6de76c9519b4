/// An errno value with Linux's numbers (x86_64): what the simulated kernel fails with, what the
/// tree answers FUSE with, and what the tools get from real system calls. The errnos nextidfs
/// itself answers with have names; any other number (a real system call's) is `E<n>`.
public struct Errno: RawRepresentable, Error, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let EPERM = Errno(rawValue: 1)
    public static let ENOENT = Errno(rawValue: 2)
    public static let ESRCH = Errno(rawValue: 3)
    public static let ECHILD = Errno(rawValue: 10)
    public static let EAGAIN = Errno(rawValue: 11)
    public static let ENOMEM = Errno(rawValue: 12)
    public static let EACCES = Errno(rawValue: 13)
    public static let EBUSY = Errno(rawValue: 16)
    public static let EEXIST = Errno(rawValue: 17)
    public static let ENOTDIR = Errno(rawValue: 20)
    public static let EISDIR = Errno(rawValue: 21)
    public static let EINVAL = Errno(rawValue: 22)
    public static let ENOSPC = Errno(rawValue: 28)
    public static let ELOOP = Errno(rawValue: 40)
    public static let ESTALE = Errno(rawValue: 116)

    /// The name of an errno nextidfs answers with (strerrorname_np's, as kernelrun prints it).
    var knownName: String? {
        switch self {
        case .EPERM: "EPERM"
        case .ENOENT: "ENOENT"
        case .ESRCH: "ESRCH"
        case .ECHILD: "ECHILD"
        case .EAGAIN: "EAGAIN"
        case .ENOMEM: "ENOMEM"
        case .EACCES: "EACCES"
        case .EBUSY: "EBUSY"
        case .EEXIST: "EEXIST"
        case .ENOTDIR: "ENOTDIR"
        case .EISDIR: "EISDIR"
        case .EINVAL: "EINVAL"
        case .ENOSPC: "ENOSPC"
        case .ELOOP: "ELOOP"
        case .ESTALE: "ESTALE"
        default: nil
        }
    }

    /// Every errno nextidfs answers with.
    public static let known: [Errno] = [
        .EPERM, .ENOENT, .ESRCH, .ECHILD, .EAGAIN, .ENOMEM, .EACCES, .EBUSY, .EEXIST, .ENOTDIR, .EISDIR, .EINVAL,
        .ENOSPC, .ELOOP, .ESTALE,
    ]

    /// One of the errnos nextidfs answers with, if `rawValue` is one.
    public init?(known rawValue: Int32) {
        self.init(rawValue: rawValue)
        guard knownName != nil else { return nil }
    }

    public var name: String { knownName ?? "E\(rawValue)" }

    public var description: String { name }
}
