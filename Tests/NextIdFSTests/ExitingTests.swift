import Glibc
@testable import NextIdFS
import Testing

/// A closer is exiting when the kernel has set PF_EXITING on it (do_exit, before it closes the
/// files); a zombie keeps the flag.
@Suite struct ExitingTests {
    @Test func aLiveProcessIsNotExitingAnEndedOneIs() throws {
        #expect(!isExiting(pid: getpid()))
        #expect(isExiting(pid: 0), "a closer in another pid namespace cannot be seen")
        var child: pid_t = 0
        var argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
        defer { free(argv[0]) }
        try #require(posix_spawn(&child, "/bin/true", nil, nil, &argv, environ) == 0)
        var exiting = false
        for _ in 0..<300 where !exiting {
            exiting = isExiting(pid: child)
            if !exiting { usleep(10_000) }
        }
        #expect(exiting, "the zombie of /bin/true")
        var status: Int32 = 0
        waitpid(child, &status, 0)
    }
}
