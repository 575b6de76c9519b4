import Glibc
import IdAllocators

/// A regular file of the tree: its node and the file type that serves it. Nothing is kept per
/// open(2): the kernel sends no open, and every read and write names the node.
public struct OpenFile: Sendable {
    let node: NodeRef
    let file: any TreeFile
    let caching: NodeKind.Caching
}

/// Content rendered for a size (LOOKUP, GETATTR) and kept for the READs that follow it: a read
/// then shows the bytes whose size the kernel was told, and a large file is rendered once for
/// all its READs. Content that follows the machine is valid while the machine's version
/// (`Kernel.version`) is the one it was rendered at; content that changes by itself or depends on the reader is
/// valid for `liveNanoseconds` (the time between a reader's GETATTR and its READ), for that
/// reader only.
final class ContentCache: Sendable {
    struct Entry {
        var bytes: [UInt8]
        var version: UInt64
        var reader: Int32
        var rendered: UInt64
    }

    /// The entries and the bytes they hold.
    private let entries = Lock<(table: [UInt64: Entry], bytes: Int)>(([:], 0))
    /// Past either bound everything is dropped: the cache only bridges a size and its READs.
    static let capacity = 4096
    static let capacityBytes = 16 << 20
    static let liveNanoseconds: UInt64 = 1_000_000_000

    /// `inode`'s content: kept, or made by `render` (and kept if it succeeds); `fresh`: made.
    func content(_ inode: UInt64, _ caching: NodeKind.Caching, version: UInt64, reader: Int32, fresh: Bool,
                 render: () -> Result<[UInt8], Errno>) -> Result<[UInt8], Errno> {
        let now = ContentCache.monotonic()
        if !fresh, let kept = entries.withLock({ $0.table[inode] }), ContentCache.valid(kept, caching, version: version, reader: reader, now: now) {
            return .success(kept.bytes)
        }
        let rendered = render()
        if case .success(let bytes) = rendered {
            entries.withLock { entries in
                if entries.table.count >= ContentCache.capacity || entries.bytes + bytes.count > ContentCache.capacityBytes {
                    entries = ([:], 0)
                }
                let old = entries.table.updateValue(Entry(bytes: bytes, version: version, reader: reader, rendered: now), forKey: inode)
                entries.bytes += bytes.count - (old?.bytes.count ?? 0)
            }
        }
        return rendered
    }

    static func valid(_ entry: Entry, _ caching: NodeKind.Caching, version: UInt64, reader: Int32, now: UInt64) -> Bool {
        switch caching {
        case .constant: true
        case .machine: entry.version == version
        case .live: now &- entry.rendered < liveNanoseconds
        case .reader: entry.reader == reader && now &- entry.rendered < liveNanoseconds
        }
    }

    static func monotonic() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}

/// FNV-1a: the content's version in its mtime, so that the kernel drops its cached pages when
/// the content changed (auto_inval_data) and keeps them when it did not.
func contentHash(_ bytes: [UInt8]) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in bytes { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
    return hash
}
