import IdAllocators
import NextIdFS

/// What a script's COMMAND asks for (docs/ops-format.md). Everything that is not a `sysctl` or
/// `read` line is a ctl line and goes to the simulated kernel's own ctl parser as written, so
/// malformed lines fail there exactly as a ctl write would.
enum Command: Equatable {
    case ctl(String)
    case sysctl(SysctlName, value: String)
    case readSysctl(SysctlName)
    /// `read nspid`, `read nspgid`, `read nssid`: the acting task's status list.
    case readNsList(NsList)
    case readPpid
    /// `read stat H`: state, ppid, pgrp, session and exit code of handle H's task.
    case readStat(handle: Int)
    case readIpc(IpcKind)
    /// Malformed sysctl/read line, or a line kernelrun cannot tokenize: EINVAL.
    case invalid

    /// kernelrun refuses lines of more than this many words (no valid ctl line has as many).
    static let maxWords = 64

    init(_ text: String) {
        let words = Words.split(Substring(text))
        guard let first = words.first else {
            self = .invalid
            return
        }
        switch first {
        case "comm":
            self = .ctl(text)
        case _ where words.count > Command.maxWords:
            self = .invalid
        case "sysctl":
            guard words.count == 3, let name = SysctlName(rawValue: words[1]) else {
                self = .invalid
                return
            }
            self = .sysctl(name, value: words[2])
        case "read":
            self = Command.read(Array(words.dropFirst()))
        default:
            self = .ctl(text)
        }
    }

    static func read(_ args: [String]) -> Command {
        if args.count == 1 {
            if let list = NsList.allCases.first(where: { $0.rawValue.lowercased() == args[0] }) { return .readNsList(list) }
            if args[0] == "ppid" { return .readPpid }
            if let name = SysctlName(rawValue: args[0]) { return .readSysctl(name) }
        }
        if args.count == 2, args[0] == "stat", let h = Tokens.unsignedDecimal(args[1].utf8, max: UInt64(Int32.max)) {
            return .readStat(handle: Int(h))
        }
        if args.count == 2, args[0] == "ipc", let kind = IpcKind.allCases.first(where: { $0.name == args[1] }) {
            return .readIpc(kind)
        }
        return .invalid
    }
}
