public import IdAllocators

/// The ctl command language (docs/interface.md §4.2, §4.3): one command per line, parsed into the
/// call a simulated thread makes. Unknown commands and malformed arguments are EINVAL.
///
///     fork
///     clone [newpid] [newipc] [thread]
///     unshare pid|ipc ...
///     exit [CODE]
///     setsid | setpgid PID PGID
///     wait [PID]
///     sigchld ignore|default
///     comm NAME
///     setuid UID | setgid GID
///     msgget KEY FLAGS | semget KEY NSEMS FLAGS | shmget KEY SIZE FLAGS
///     msgrm ID | semrm ID | shmrm ID
///     msgset ID UID GID MODE | semset ... | shmset ...
///     next_id ...
public enum CtlLanguage {
    /// Splits a write into lines: every line ends at a newline, a last line without one counts.
    /// Each line comes with the number of bytes up to and including its newline.
    public static func lines(_ data: some Collection<UInt8>) -> [(line: ArraySlice<UInt8>, end: Int)] {
        let bytes = ArraySlice(data)
        var out: [(ArraySlice<UInt8>, Int)] = []
        var start = bytes.startIndex
        while start < bytes.endIndex {
            if let nl = bytes[start...].firstIndex(of: Tokens.newline) {
                out.append((bytes[start..<nl], nl + 1 - bytes.startIndex))
                start = nl + 1
            } else {
                out.append((bytes[start...], bytes.endIndex - bytes.startIndex))
                break
            }
        }
        return out
    }

    public static func parse(_ line: ArraySlice<UInt8>) -> Result<Syscall, Errno> {
        let words = Tokens.words(line)
        guard let command = words.first else { return .failure(.EINVAL) }
        let args = Array(words.dropFirst())
        guard let parsed = parse(command: String(decoding: command, as: UTF8.self), args: args, line: line) else {
            return .failure(.EINVAL)
        }
        return parsed
    }

    static func parse(command: String, args: [ArraySlice<UInt8>], line: ArraySlice<UInt8>) -> Result<Syscall, Errno>? {
        switch command {
        case "fork":
            return args.isEmpty ? .success(.fork) : nil
        case "clone":
            return flags(args, [("newpid", CloneFlags.newPid), ("newipc", .newIpc), ("thread", .thread)]).map { .success(.clone($0)) }
        case "unshare":
            guard !args.isEmpty else { return nil }
            return flags(args, [("pid", UnshareFlags.pid), ("ipc", .ipc)]).map { .success(.unshare($0)) }
        case "exit":
            guard args.count <= 1 else { return nil }
            guard let code = args.isEmpty ? 0 : Tokens.unsignedDecimal(args[0], max: 255) else { return nil }
            return .success(.exit(code: UInt8(code)))
        case "setsid":
            return args.isEmpty ? .success(.setsid) : nil
        case "setpgid":
            guard args.count == 2, let pid = int32(args[0]), let pgid = int32(args[1]) else { return nil }
            return .success(.setpgid(pid: pid, pgid: pgid))
        case "wait":
            guard args.count <= 1 else { return nil }
            if args.isEmpty { return .success(.wait(pid: nil)) }
            return int32(args[0]).map { .success(.wait(pid: $0)) }
        case "sigchld":
            guard args.count == 1 else { return nil }
            if Tokens.equals(args[0], "ignore") { return .success(.sigchld(ignore: true)) }
            if Tokens.equals(args[0], "default") { return .success(.sigchld(ignore: false)) }
            return nil
        case "comm":
            return commName(line).map { .success(.comm($0)) }
        case "setuid", "setgid":
            guard args.count == 1, let id = credential(args[0]) else { return nil }
            return .success(command == "setuid" ? .setuid(id) : .setgid(id))
        case "msgget":
            guard args.count == 2, let key = ipcKey(args[0]), let f = ipcFlags(args[1]) else { return nil }
            return .success(.ipcGet(IpcGetRequest(kind: .msg, key: key, flags: f)))
        case "semget":
            guard args.count == 3, let key = ipcKey(args[0]),
                  let nsems = Tokens.signedDecimal(args[1], in: Int64(Int32.min)...Int64(Int32.max)),
                  let f = ipcFlags(args[2]) else { return nil }
            return .success(.ipcGet(IpcGetRequest(kind: .sem, key: key, flags: f, nsems: Int32(nsems))))
        case "shmget":
            guard args.count == 3, let key = ipcKey(args[0]), let size = Tokens.unsignedDecimal(args[1], max: UInt64.max),
                  let f = ipcFlags(args[2]) else { return nil }
            return .success(.ipcGet(IpcGetRequest(kind: .shm, key: key, flags: f, size: size)))
        case "msgrm", "semrm", "shmrm":
            guard args.count == 1, let id = int32(args[0]) else { return nil }
            return .success(.ipcRemove(ipcKind(command), id: id))
        case "msgset", "semset", "shmset":
            guard args.count == 4, let id = int32(args[0]), let uid = credential(args[1]), let gid = credential(args[2]),
                  let mode = Tokens.cLiteral(args[3], max: 0o177777) else { return nil }
            return .success(.ipcSet(ipcKind(command), id: id, uid: uid, gid: gid, mode: UInt32(mode)))
        case "next_id":
            let rest = restOfLine(line)
            return NextIdGrammar.parseLine(rest).map { .setNextId($0) }
        default:
            return nil
        }
    }

    /// Flag words in any order, each at most once.
    static func flags<F: OptionSet>(_ args: [ArraySlice<UInt8>], _ names: [(String, F)]) -> F? where F.Element == F {
        var out: F = []
        for arg in args {
            let word = String(decoding: arg, as: UTF8.self)
            guard let flag = names.first(where: { $0.0 == word })?.1, !out.contains(flag) else { return nil }
            out.insert(flag)
        }
        return out
    }

    /// The line after the command word and its blanks.
    static func restOfLine(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var rest = line.drop(while: Tokens.isBlank)
        rest = rest.drop { !Tokens.isBlank($0) }
        return rest.drop(while: Tokens.isBlank)
    }

    /// `comm NAME`: the rest of the line as it is (blanks inside kept), cut at a NUL like a C
    /// string; at least one byte.
    static func commName(_ line: ArraySlice<UInt8>) -> [UInt8]? {
        let name = restOfLine(line).prefix { $0 != 0 }
        return name.isEmpty ? nil : Array(name)
    }

    /// A uid or gid: decimal, 0...4294967294 ((uid_t)-1 is not a valid id).
    static func credential(_ word: ArraySlice<UInt8>) -> UInt32? {
        Tokens.unsignedDecimal(word, max: UInt64(UInt32.max) - 1).map { UInt32($0) }
    }

    /// KEY: IPC_PRIVATE, decimal (signed, or unsigned up to 2^32-1), or 0x-hex up to 0xffffffff.
    static func ipcKey(_ word: ArraySlice<UInt8>) -> Int32? {
        if Tokens.equals(word, "IPC_PRIVATE") { return IpcGetRequest.privateKey }
        if word.count > 2, word.first == UInt8(ascii: "0"), (word[word.startIndex + 1] | 0x20) == UInt8(ascii: "x") {
            return Tokens.cLiteral(word, max: UInt64(UInt32.max)).map { Int32(truncatingIfNeeded: $0) }
        }
        return Tokens.signedDecimal(word, in: Int64(Int32.min)...Int64(UInt32.max)).map { Int32(truncatingIfNeeded: $0) }
    }

    /// FLAGS: `|`-joined IPC_CREAT, IPC_EXCL and numbers (C literals: 0600 is octal), or one
    /// number. Only IPC_CREAT, IPC_EXCL and permission bits are accepted.
    static func ipcFlags(_ word: ArraySlice<UInt8>) -> IpcFlags? {
        var flags: IpcFlags = []
        for part in word.split(separator: UInt8(ascii: "|"), omittingEmptySubsequences: false) {
            if Tokens.equals(part, "IPC_CREAT") {
                flags.insert(.create)
            } else if Tokens.equals(part, "IPC_EXCL") {
                flags.insert(.exclusive)
            } else if let n = Tokens.cLiteral(part, max: 0o3777) {
                flags.insert(IpcFlags(rawValue: Int32(n)))
            } else {
                return nil
            }
        }
        return flags
    }

    /// An IPC id or a pid_t: decimal, possibly negative (the kernel decides what a negative one
    /// means: EINVAL for an IPC id, ESRCH or EINVAL for a pid).
    static func int32(_ word: ArraySlice<UInt8>) -> Int32? {
        Tokens.signedDecimal(word, in: Int64(Int32.min)...Int64(Int32.max)).map { Int32($0) }
    }

    static func ipcKind(_ command: String) -> IpcKind {
        switch command.prefix(3) {
        case "msg": .msg
        case "sem": .sem
        default: .shm
        }
    }

    /// The ctl read-back: the value and a newline, `-<errno> <NAME>` after a failure, or
    /// nothing before any command.
    public static func renderResult(_ result: Int64?) -> [UInt8] {
        guard let result else { return [] }
        if result < 0, let e = Int32(exactly: result.magnitude).flatMap(Errno.init(known:)) {
            return Array("-\(e.rawValue) \(e.name)\n".utf8)
        }
        return Array("\(result)\n".utf8)
    }
}
