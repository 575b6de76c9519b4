import Glibc
import IdAllocators
import NextIdFS

/// Plain system calls on paths, with errno as the error: what the mount runner uses to talk to
/// a live nextidfs, and how scripts are read. Reads and writes go through `SystemIO`.
enum FileIO {
    static func read(_ path: String) -> Result<[UInt8], Errno> {
        Result { () throws(Errno) in try SystemIO.read(path) }
    }

    /// One open(O_WRONLY) + write(2) + close; the write's count or errno.
    static func write(_ path: String, _ bytes: [UInt8]) -> Result<Int, Errno> {
        Result { () throws(Errno) in try SystemIO.writeOnce(path, bytes) }
    }

    /// Creates or replaces a file with `bytes`.
    static func create(_ path: String, _ bytes: [UInt8]) -> Result<Void, Errno> {
        Result { () throws(Errno) in try SystemIO.create(path, bytes) }
    }

    static func names(inDirectory path: String) -> Result<[String], Errno> {
        Result { () throws(Errno) in try SystemIO.names(inDirectory: path) }
    }

    /// stat(2) (following links): the inode number.
    static func inode(_ path: String) -> Result<UInt64, Errno> {
        var st = stat()
        guard stat(path, &st) == 0 else { return .failure(Errno(rawValue: errno)) }
        return .success(UInt64(st.st_ino))
    }

    static func makeDirectory(_ path: String) -> Result<Void, Errno> {
        if mkdir(path, 0o755) == 0 || errno == EEXIST { return .success(()) }
        return .failure(Errno(rawValue: errno))
    }

    static func errorMessage(_ e: Errno) -> String { String(cString: strerror(e.rawValue)) }
}
