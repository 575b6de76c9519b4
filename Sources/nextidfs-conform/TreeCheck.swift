import Glibc
import IdAllocators
import NextIdFS

/// Every name, link and file of a live mount against the same tree rendered in this process from
/// a simulated kernel in the same state: what a reader of the mount sees must be what the
/// simulation says now, whatever the kernel's caches kept. A difference is a stale read.
struct TreeCheck {
    let root: String
    let filesystem: Filesystem

    /// What one walk found: how many nodes it compared and where the mount differs.
    struct Walk {
        var compared = 0
        var differences: [String] = []
    }

    /// Whether a node's content or target is the machine's alone, so that both sides must show
    /// the same: not what moves with the clock (`.live`, the two sides read at different times)
    /// nor what depends on who reads (`.reader`: the mount sees this process, the simulation
    /// no one). Their names are compared all the same.
    static func comparesContent(_ inode: UInt64) -> Bool {
        guard let node = NodeRef(inode: inode) else { return true }
        switch node.kind.spec.caching {
        case .machine, .constant: return true
        case .live, .reader: return false
        }
    }

    static let rootInode: UInt64 = 1

    func walk() -> Walk {
        var walk = Walk()
        directory(TreeCheck.rootInode, path: root, into: &walk)
        return walk
    }

    func directory(_ inode: UInt64, path: String, into walk: inout Walk) {
        var entries: [Filesystem.DirectoryEntry] = []
        _ = filesystem.readdir(inode, from: 0) { entries.append($0); return true }
        entries.removeAll { $0.name == Array(".".utf8) || $0.name == Array("..".utf8) }
        walk.compared += 1
        let expected = entries.map { String(decoding: $0.name, as: UTF8.self) }.sorted()
        switch FileIO.names(inDirectory: path) {
        case .failure(let e):
            walk.differences.append("\(path): listing failed with \(e), expected \(expected.count) names")
            return
        case .success(let names) where names.sorted() != expected:
            let missing = Set(expected).subtracting(names).sorted(), extra = Set(names).subtracting(expected).sorted()
            walk.differences.append("\(path): names missing \(missing), names extra \(extra)")
        case .success:
            break
        }
        for entry in entries {
            let child = path + "/" + String(decoding: entry.name, as: UTF8.self)
            switch entry.type {
            case .directory: directory(entry.inode, path: child, into: &walk)
            case _ where !TreeCheck.comparesContent(entry.inode): continue
            case .symlink: compare(child, expected: filesystem.readlink(entry.inode), actual: TreeCheck.readlink(child), into: &walk)
            case .regular:
                let content = filesystem.open(entry.inode).flatMap { filesystem.read($0, offset: 0, size: 1 << 24) }
                let mask = { (bytes: [UInt8]) in TreeCheck.withoutClock(bytes, of: entry.inode) }
                compare(child, expected: content.map(mask), actual: FileIO.read(child).map(mask), into: &walk)
            }
        }
    }

    func compare(_ path: String, expected: Result<[UInt8], Errno>, actual: Result<[UInt8], Errno>, into walk: inout Walk) {
        walk.compared += 1
        guard expected != actual else { return }
        walk.differences.append("\(path): expected \(TreeCheck.show(expected)), read \(TreeCheck.show(actual))")
    }

    /// A file without what the two sides stamp with their own clocks (the daemon the host's,
    /// the simulation here its own): a task's start time in stat, sysvipc's time columns.
    static func withoutClock(_ bytes: [UInt8], of inode: UInt64) -> [UInt8] {
        switch NodeRef(inode: inode)?.kind {
        case .processStat?, .threadStat?: withoutStartTime(bytes)
        default: withoutTimes(bytes)
        }
    }

    /// stat without field 22 (starttime), counted after the name in parentheses.
    static func withoutStartTime(_ bytes: [UInt8]) -> [UInt8] {
        guard let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return bytes }
        var fields = bytes[(close + 1)...].split(separator: UInt8(ascii: " ")).map(Array.init)
        let startTime = 22 - 3
        if fields.count > startTime { fields[startTime] = [UInt8(ascii: "-")] }
        return Array(bytes[...close]) + [UInt8(ascii: " ")] + Array(fields.joined(separator: [UInt8(ascii: " ")]))
    }

    /// A sysvipc table without its time columns (the headers ending in "time").
    static func withoutTimes(_ bytes: [UInt8]) -> [UInt8] {
        let newline = UInt8(ascii: "\n"), space = UInt8(ascii: " ")
        let lines = bytes.split(separator: newline, omittingEmptySubsequences: false).map { $0.split(separator: space) }
        guard let header = lines.first else { return bytes }
        let times = Set(header.indices.filter { String(decoding: header[$0], as: UTF8.self).hasSuffix("time") })
        guard !times.isEmpty else { return bytes }
        let masked = lines.map { fields in fields.indices.map { times.contains($0) ? [UInt8(ascii: "-")] : Array(fields[$0]) } }
        return Array(masked.map { Array($0.joined(separator: [space])) }.joined(separator: [newline]))
    }

    static func show(_ r: Result<[UInt8], Errno>) -> String {
        switch r {
        case .success(let bytes): "[\(String(decoding: bytes, as: UTF8.self).replacing("\n", with: "\\n"))]"
        case .failure(let e): "\(e)"
        }
    }

    static func readlink(_ path: String) -> Result<[UInt8], Errno> {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = Glibc.readlink(path, &buffer, buffer.count)
        guard n >= 0 else { return .failure(Errno(rawValue: errno)) }
        return .success(buffer.prefix(n).map { UInt8(bitPattern: $0) })
    }
}
