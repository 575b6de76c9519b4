/// How requests come from the kernel: FUSE over io_uring (Linux 6.14+, one ring per CPU, each
/// CPU's requests served on that CPU) or read(2)/write(2) of /dev/fuse.
public enum Transport: String, CaseIterable, Sendable {
    /// The ring when the kernel offers it, else /dev/fuse; /dev/fuse with -s.
    case auto
    /// /dev/fuse only.
    case devfuse
    /// The ring, saying so on stderr when /dev/fuse serves instead.
    case uring
}

/// What the daemon does about the ring, decided from its options before mounting.
struct RingPlan: Equatable {
    /// Entries per CPU queue: requests beyond them wait in the kernel's queue.
    static let depth: UInt32 = 4

    /// Whether to claim the ring at all.
    let claim: Bool
    /// Whether a fallback to /dev/fuse is said on stderr (else only with -d).
    let insist: Bool

    init(claim: Bool, insist: Bool) { (self.claim, self.insist) = (claim, insist) }

    /// -s keeps its meaning: one thread serves every request, in order (the ring has a thread
    /// per CPU).
    init(_ transport: Transport, singleThreaded: Bool) throws(DaemonError) {
        switch transport {
        case .uring where singleThreaded:
            throw DaemonError(description: "--transport uring serves on a thread per CPU: it cannot be used with -s")
        case .devfuse: (claim, insist) = (false, false)
        case .auto: (claim, insist) = (!singleThreaded, false)
        case .uring: (claim, insist) = (true, true)
        }
    }

    /// For -d when the ring is not claimed (the hooks say it otherwise).
    static func devfuseReason(_ transport: Transport) -> String {
        "nextidfs: transport: /dev/fuse (\(transport == .devfuse ? "--transport devfuse" : "-s"))\n"
    }
}
