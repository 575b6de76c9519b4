import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import IdAllocators
public import NextIdFS

/// Reads a nextidfs tree by paths relative to its top: a mounted one through system calls, or a
/// `Filesystem` in the same process (the tests), with the same code above. Several threads may
/// read at once (`readers`).
public protocol TreeReader: Sendable {
    /// How many threads read at once where the work allows (`concurrently`).
    var readers: Int { get }
    /// The whole file; nil when it does not exist (ENOENT, ESRCH).
    func read(_ path: String) -> [UInt8]?
    /// A symbolic link's target; nil when it has none (ENOENT).
    func readLink(_ path: String) -> String?
    /// The names in a directory, without `.` and `..`.
    func list(_ path: String) -> [String]?
    /// A path's inode number (following links).
    func inode(_ path: String) -> UInt64?
}

extension TreeReader {
    /// `body` of every item, `readers` threads at a time; the results in the items' order.
    func concurrently<T: Sendable, R: Sendable>(_ items: [T], _ body: @Sendable (T) -> R) -> [R] {
        let threads = min(readers, items.count)
        guard threads > 1 else { return items.map(body) }
        let done = Lock<[(Int, R)]>([])
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            let mine = stride(from: thread, to: items.count, by: threads).map { ($0, body(items[$0])) }
            done.withLock { $0 += mine }
        }
        return done.withLock { $0.sorted { $0.0 < $1.0 }.map(\.1) }
    }

    func text(_ path: String) -> String? { read(path).map { String(decoding: $0, as: UTF8.self) } }

    /// The first line, without its newline.
    func firstLine(_ path: String) -> String? {
        guard let bytes = read(path) else { return nil }
        return String(decoding: bytes.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
    }
}

/// A mounted tree, through open/read/readlink/opendir.
public struct MountedTree: TreeReader {
    public let root: String
    /// Each read waits for its round trip through the kernel and the daemon: with one in flight
    /// per CPU (and at least two) both are kept busy.
    public var readers: Int { max(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), 2) }

    public init(root: String) { self.root = root.hasSuffix("/") ? String(root.dropLast()) : root }

    /// A short read is the end: the tree answers a read with all it has up to the size asked
    /// (no read(2) more to see 0, and no 64 KiB buffer per file).
    public func read(_ path: String) -> [UInt8]? {
        let fd = open(root + "/" + path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        let size = 4096
        while true {
            let n = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: size) { buffer in
                let n = Glibc.read(fd, buffer.baseAddress, size)
                if n > 0 { out.append(contentsOf: buffer[..<n]) }
                return n
            }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return nil }
            if n < size { return out }
        }
    }

    public func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        let n = readlink(root + "/" + path, &buffer, buffer.count)
        guard n >= 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public func list(_ path: String) -> [String]? {
        try? SystemIO.names(inDirectory: root + "/" + path)
    }

    public func inode(_ path: String) -> UInt64? {
        var st = stat()
        return stat(root + "/" + path, &st) == 0 ? UInt64(st.st_ino) : nil
    }
}

/// A `Filesystem` in this process: the tree the daemon would serve, without FUSE. Directory
/// lookups are remembered for the reader's life, as the kernel's dentry cache would (a task's
/// inode numbers never change; a stale one fails the next request).
public struct InProcessTree: TreeReader {
    public let filesystem: Filesystem
    private let directories = DirectoryCache()
    /// Two, as for a mounted tree: the same code, read concurrently.
    public var readers: Int { 2 }

    public init(_ filesystem: Filesystem) { self.filesystem = filesystem }

    final class DirectoryCache: Sendable {
        let inodes = Lock<[Substring: UInt64]>([:])
    }

    /// The inode of a path (its components looked up from the top).
    public func inode(_ path: String) -> UInt64? {
        let parts = path.split(separator: "/").filter { $0 != "." }
        guard let last = parts.last else { return 1 }
        var inode: UInt64 = 1
        let dir = parts.dropLast().joined(separator: "/")
        if !dir.isEmpty {
            if let cached = directories.inodes.withLock({ $0[Substring(dir)] }), case .success = filesystem.getattr(cached) {
                inode = cached
            } else {
                for name in parts.dropLast() {
                    guard case .success(let attributes) = filesystem.lookup(parent: inode, name: Array(name.utf8)) else { return nil }
                    inode = attributes.inode
                }
                directories.inodes.withLock { $0[Substring(dir)] = inode }
            }
        }
        guard case .success(let attributes) = filesystem.lookup(parent: inode, name: Array(last.utf8)) else { return nil }
        return attributes.inode
    }

    public func read(_ path: String) -> [UInt8]? {
        guard let inode = inode(path), case .success(let file) = filesystem.open(inode),
              case .success(let bytes) = filesystem.read(file, offset: 0, size: 1 << 30) else { return nil }
        return bytes
    }

    public func readLink(_ path: String) -> String? {
        guard let inode = inode(path), case .success(let target) = filesystem.readlink(inode) else { return nil }
        return String(decoding: target, as: UTF8.self)
    }

    public func list(_ path: String) -> [String]? {
        guard let inode = inode(path) else { return nil }
        var names: [String] = []
        let error = filesystem.readdir(inode, from: 0) { entry in
            let name = String(decoding: entry.name, as: UTF8.self)
            if name != "." && name != ".." { names.append(name) }
            return true
        }
        return error == nil ? names : nil
    }
}
