import Glibc
import IdAllocators

/// A real process that reads the tree, as the host's /proc describes the thread behind a request
/// (docs/interface.md §2.5). `hostPid`/`hostTgid` are numbers in the daemon's pid namespace (what
/// FUSE gives); `pid`/`tid` are what its own getpid() and gettid() return.
public struct Reader: Sendable, Equatable {
    public var hostPid: Int32
    public var hostTgid: Int32
    public var pid: Int32
    public var tid: Int32
    /// Its pid namespace's inode number (`ns/pid`).
    public var pidNamespace: UInt64
    /// Its real uid and gid (the owner of its entry, as procfs shows).
    public var uid: UInt32
    public var gid: UInt32
    /// stat's starttime: with the pid, what tells this process from a later one.
    public var startTime: UInt64

    public init(hostPid: Int32, hostTgid: Int32, pid: Int32, tid: Int32, pidNamespace: UInt64, uid: UInt32, gid: UInt32,
                startTime: UInt64) {
        (self.hostPid, self.hostTgid, self.pid, self.tid, self.pidNamespace, self.uid, self.gid, self.startTime) =
            (hostPid, hostTgid, pid, tid, pidNamespace, uid, gid, startTime)
    }
}

/// Where the daemon learns about readers: the host's /proc (`HostProcesses`), or a table in tests.
public protocol ReaderDirectory: Sendable {
    /// The thread `hostPid` (a number in the daemon's pid namespace), if it exists.
    func reader(hostPid: Int32) -> Reader?
    /// A file of its /proc directory (`stat`, `status`, `cmdline`, `comm`), or of its thread's
    /// with `thread` set: the kernel's text, with the host's pid numbers.
    func file(_ name: String, of reader: Reader, thread: Bool) -> [UInt8]?
    /// The number the reader's pid namespace gives the host process `hostPid` (0: none).
    func number(of hostPid: Int32, seenBy reader: Reader) -> Int32
}

/// The host's /proc, read by the daemon (which runs in the host's mount namespace).
public struct HostProcesses: ReaderDirectory {
    public init() {}

    public func reader(hostPid: Int32) -> Reader? {
        guard hostPid > 0, let status = try? SystemIO.read("/proc/\(hostPid)/status", limit: 1 << 14),
              let stat = try? SystemIO.read("/proc/\(hostPid)/stat", limit: 1024),
              let ns = HostProcesses.namespace(of: hostPid) else { return nil }
        let lines = StatusLines(status)
        guard let tgid = lines.last("Tgid"), let pid = lines.last("NStgid"), let tid = lines.last("NSpid"),
              let uid = lines.first("Uid"), let gid = lines.first("Gid"), let start = StatFields(stat).field(22) else { return nil }
        return Reader(hostPid: hostPid, hostTgid: Int32(tgid), pid: Int32(pid), tid: Int32(tid), pidNamespace: ns,
                      uid: UInt32(uid), gid: UInt32(gid), startTime: UInt64(start))
    }

    public func file(_ name: String, of reader: Reader, thread: Bool) -> [UInt8]? {
        let dir = thread ? "/proc/\(reader.hostTgid)/task/\(reader.hostPid)" : "/proc/\(reader.hostTgid)"
        return try? SystemIO.read("\(dir)/\(name)", limit: 1 << 16)
    }

    public func number(of hostPid: Int32, seenBy reader: Reader) -> Int32 {
        guard hostPid > 0, HostProcesses.namespace(of: hostPid) == reader.pidNamespace,
              let status = try? SystemIO.read("/proc/\(hostPid)/status", limit: 1 << 14),
              let nr = StatusLines(status).last("NSpid") else { return 0 }
        return Int32(nr)
    }

    /// The inode number of `/proc/PID/ns/pid` (`pid:[N]`).
    static func namespace(of hostPid: Int32) -> UInt64? {
        var buffer = [CChar](repeating: 0, count: 64)
        let n = Glibc.readlink("/proc/\(hostPid)/ns/pid", &buffer, buffer.count)
        guard n > 6 else { return nil }
        let target = buffer[..<n].map { UInt8(bitPattern: $0) }
        guard target.starts(with: Array("pid:[".utf8)), target.last == UInt8(ascii: "]") else { return nil }
        return Tokens.unsignedDecimal(Array(target[5..<(n - 1)]), max: UInt64(UInt32.max))
    }
}

/// The `Name:\tvalue\tvalue...` lines of a status file.
struct StatusLines {
    let lines: [ArraySlice<UInt8>]
    init(_ bytes: [UInt8]) { lines = bytes.split(separator: Tokens.newline) }

    func values(_ key: String) -> [UInt64]? {
        let prefix = Array(key.utf8) + [UInt8(ascii: ":")]
        guard let line = lines.first(where: { $0.starts(with: prefix) }) else { return nil }
        let words = line.dropFirst(prefix.count).split { $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: " ") }
        let numbers = words.compactMap { Tokens.unsignedDecimal(Array($0), max: UInt64(UInt32.max)) }
        return numbers.count == words.count && !numbers.isEmpty ? numbers : nil
    }

    func first(_ key: String) -> UInt64? { values(key)?.first }
    func last(_ key: String) -> UInt64? { values(key)?.last }
}

/// The fields of a stat line, numbered as proc(5) does (1: pid, 2: comm in parentheses).
struct StatFields {
    let head: ArraySlice<UInt8>
    let fields: [ArraySlice<UInt8>]

    init(_ bytes: [UInt8]) {
        let end = bytes.lastIndex(of: UInt8(ascii: ")")) ?? bytes.endIndex - 1
        head = bytes[...end]
        fields = bytes[(end + 1)...].split { $0 == UInt8(ascii: " ") || $0 == Tokens.newline }
    }

    func field(_ n: Int) -> Int64? {
        guard n >= 3, n - 3 < fields.count else { return nil }
        let text = String(decoding: fields[n - 3], as: UTF8.self)
        return Int64(text)
    }
}

/// Which simulated process each attached pid namespace's readers are (docs/interface.md §2.5),
/// while the process that attached it lives.
final class Attachments: Sendable {
    struct Attachment: Equatable {
        var task: TaskHandle
        /// The reader that wrote `attach`, by host pid and start time.
        var registrant: Int32
        var registrantStart: UInt64
    }

    private let table = Lock<[UInt64: Attachment]>([:])

    func attach(_ reader: Reader, to task: TaskHandle) {
        table.withLock { $0[reader.pidNamespace] = Attachment(task: task, registrant: reader.hostTgid, registrantStart: reader.startTime) }
    }

    /// The simulated process `reader`'s namespace is attached to; an attachment whose registrant
    /// has gone (its namespace may be gone too, and its inode number reused) is dropped.
    func task(of reader: Reader, in directory: any ReaderDirectory) -> TaskHandle? {
        guard let found = table.withLock({ $0[reader.pidNamespace] }) else { return nil }
        let registrant = found.registrant == reader.hostTgid ? reader : directory.reader(hostPid: found.registrant)
        guard registrant?.startTime == found.registrantStart, registrant?.pidNamespace == reader.pidNamespace else {
            table.withLock { if $0[reader.pidNamespace] == found { $0[reader.pidNamespace] = nil } }
            return nil
        }
        return found.task
    }
}

/// What files about readers need: the directory of real processes and the attachments.
public final class Readers: Sendable {
    let directory: any ReaderDirectory
    let attachments = Attachments()
    /// The daemon's own pid namespace: its readers are the host's, which are never attached.
    let ownNamespace: UInt64?

    public init(directory: any ReaderDirectory = HostProcesses()) {
        self.directory = directory
        ownNamespace = HostProcesses.namespace(of: getpid())
    }

    /// The reader behind a request (nil: the daemon cannot see it).
    func reader(_ caller: Caller) -> Reader? { directory.reader(hostPid: caller.pid) }
}
