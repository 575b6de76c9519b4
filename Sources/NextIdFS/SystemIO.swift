#if canImport(Glibc)
import Glibc
#endif
public import IdAllocators
public import SystemPackage

/// Reading and writing files by path, through swift-system, whose calls retry on EINTR: what the
/// daemon and the tools use instead of Glibc's read, write, open and close. Failures are the
/// project's one error type, IdAllocators' `Errno`.
public enum SystemIO {
    /// The whole file, or its first `limit` bytes.
    public static func read(_ path: String, limit: Int = .max) throws(IdAllocators.Errno) -> [UInt8] {
        let fd = try open(path, .readOnly)
        defer { try? fd.close() }
        return try fd.readToEnd(limit: limit)
    }

    /// One open and one write(2), whose count may be short (the tree answers a batch that stops
    /// early with a short write), then close.
    public static func writeOnce(_ path: String, _ bytes: [UInt8]) throws(IdAllocators.Errno) -> Int {
        let fd = try open(path, .writeOnly)
        defer { try? fd.close() }
        return try typed { try bytes.withUnsafeBytes { try fd.write($0) } }
    }

    /// Creates or replaces the file `path` with `bytes`.
    public static func create(_ path: String, _ bytes: [UInt8]) throws(IdAllocators.Errno) {
        let fd = try open(path, .writeOnly, [.create, .truncate], permissions: FilePermissions(rawValue: 0o644))
        defer { try? fd.close() }
        _ = try typed { try fd.writeAll(bytes) }
    }

    /// The names in a directory, without `.` and `..` (swift-system has no readdir).
    public static func names(inDirectory path: String) throws(IdAllocators.Errno) -> [String] {
        guard let dir = opendir(path) else { throw IdAllocators.Errno(rawValue: errno) }
        defer { closedir(dir) }
        var out: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { out.append(name) }
        }
        return out
    }

    static func open(_ path: String, _ mode: FileDescriptor.AccessMode, _ options: FileDescriptor.OpenOptions = [],
                     permissions: FilePermissions? = nil) throws(IdAllocators.Errno) -> FileDescriptor {
        try typed { try FileDescriptor.open(FilePath(path), mode, options: options.union(.closeOnExec), permissions: permissions) }
    }

    /// swift-system's calls, with what they throw (always its Errno) as ours.
    static func typed<R>(_ body: () throws -> R) throws(IdAllocators.Errno) -> R {
        do { return try body() } catch let e as SystemPackage.Errno { throw IdAllocators.Errno(rawValue: e.rawValue) } catch { throw .EINVAL }
    }
}

extension FileDescriptor {
    /// Reads from the file position to the end, or `limit` bytes.
    public func readToEnd(limit: Int = .max) throws(IdAllocators.Errno) -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: Swift.min(limit, 1 << 16))
        while out.count < limit {
            let want = Swift.min(chunk.count, limit - out.count)
            let n = try SystemIO.typed { try chunk.withUnsafeMutableBytes { try read(into: UnsafeMutableRawBufferPointer(rebasing: $0[..<want])) } }
            if n == 0 { break }
            out += chunk[..<n]
        }
        return out
    }
}
