import IdAllocators

/// errno names as kernelrun prints them (strerrorname_np), for the errnos the simulation knows.
enum ErrnoName {
    static func of(_ e: Int32) -> String {
        if let known = Errno(rawValue: e) { return known.name }
        return "E\(e)"
    }
}

/// An errno number as a Swift error (what the targets and FileIO fail with).
struct ErrnoCode: Error, Equatable {
    var code: Int32
    init(_ code: Int32) { self.code = code }
}
