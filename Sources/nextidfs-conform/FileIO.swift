import Glibc

/// Plain system calls on paths, with errno as the error: what the mount runner uses to talk to
/// a live nextidfs, and how scripts are read.
enum FileIO {
    static func read(_ path: String) -> Result<[UInt8], ErrnoCode> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(ErrnoCode(errno)) }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(ErrnoCode(errno))
            }
            if n == 0 { return .success(out) }
            out.append(contentsOf: chunk[0..<n])
        }
    }

    /// One open(O_WRONLY) + write(2) + close; the write's count or errno.
    static func write(_ path: String, _ bytes: [UInt8]) -> Result<Int, ErrnoCode> {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(ErrnoCode(errno)) }
        defer { close(fd) }
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        return n < 0 ? .failure(ErrnoCode(errno)) : .success(n)
    }

    /// Creates or replaces a file with `bytes`.
    static func create(_ path: String, _ bytes: [UInt8]) -> Result<Void, ErrnoCode> {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return .failure(ErrnoCode(errno)) }
        defer { close(fd) }
        var done = 0
        while done < bytes.count {
            let n = bytes[done...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(ErrnoCode(errno))
            }
            done += n
        }
        return .success(())
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
