import Glibc
import NextIdFS
import SystemPackage

/// Plain system calls on paths, with errno as the error: what the mount runner uses to talk to
/// a live nextidfs, and how scripts are read. Reads and writes go through `SystemIO`.
enum FileIO {
    static func read(_ path: String) -> Result<[UInt8], ErrnoCode> {
        Result { () throws(SystemPackage.Errno) in try SystemIO.read(path) }.mapError { ErrnoCode($0.rawValue) }
    }

    /// One open(O_WRONLY) + write(2) + close; the write's count or errno.
    static func write(_ path: String, _ bytes: [UInt8]) -> Result<Int, ErrnoCode> {
        Result { () throws(SystemPackage.Errno) in try SystemIO.writeOnce(path, bytes) }.mapError { ErrnoCode($0.rawValue) }
    }

    /// Creates or replaces a file with `bytes`.
    static func create(_ path: String, _ bytes: [UInt8]) -> Result<Void, ErrnoCode> {
        Result { () throws(SystemPackage.Errno) in try SystemIO.create(path, bytes) }.mapError { ErrnoCode($0.rawValue) }
    }

    static func names(inDirectory path: String) -> Result<[String], ErrnoCode> {
        guard let dir = opendir(path) else { return .failure(ErrnoCode(errno)) }
        defer { closedir(dir) }
        var out: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { out.append(name) }
        }
        return .success(out)
    }

    /// stat(2) (following links): the inode number.
    static func inode(_ path: String) -> Result<UInt64, ErrnoCode> {
        var st = stat()
        guard stat(path, &st) == 0 else { return .failure(ErrnoCode(errno)) }
        return .success(UInt64(st.st_ino))
    }

    static func makeDirectory(_ path: String) -> Result<Void, ErrnoCode> {
        if mkdir(path, 0o755) == 0 || errno == EEXIST { return .success(()) }
        return .failure(ErrnoCode(errno))
    }

    static func errorMessage(_ e: ErrnoCode) -> String { String(cString: strerror(e.code)) }
}
