/// The errno values the simulated kernel (and the tree above it) returns, with Linux's numbers
/// (x86_64) and names.
public enum Errno: Int32, Error, Sendable, CaseIterable, CustomStringConvertible {
    case EPERM = 1
    case ENOENT = 2
    case ESRCH = 3
    case ECHILD = 10
    case EAGAIN = 11
    case ENOMEM = 12
    case EACCES = 13
    case EBUSY = 16
    case EEXIST = 17
    case ENOTDIR = 20
    case EISDIR = 21
    case EINVAL = 22
    case ENOSPC = 28
    case ELOOP = 40
    case ESTALE = 116

    public var name: String {
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
        }
    }

    public var description: String { name }

    public init?(name: String) {
        guard let e = Errno.allCases.first(where: { $0.name == name }) else { return nil }
        self = e
    }
}
