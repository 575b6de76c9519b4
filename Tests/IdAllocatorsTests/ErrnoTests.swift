import IdAllocators
import Testing

/// One errno type for the kernel, the tree and the tools: the kernel's own have names, a real
/// system call's other errnos keep their number.
@Suite struct ErrnoTests {
    @Test func namesAndNumbers() {
        #expect(Errno.EEXIST.rawValue == 17 && Errno.EEXIST.name == "EEXIST" && "\(Errno.ECHILD)" == "ECHILD")
        #expect(Errno(rawValue: 107).name == "E107", "ENOTCONN from a dead mount: no name of ours")
        #expect(Errno(known: 17) == .EEXIST)
        #expect(Errno(known: 107) == nil && Errno(known: 0) == nil)
    }
}
