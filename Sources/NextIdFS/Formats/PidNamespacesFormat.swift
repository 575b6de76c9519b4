public import IdAllocators

/// `pid_namespaces` (docs/interface.md §6.7, a nextidfs extension): a header, then one line per
/// pid namespace by inode number, `inode parent level pid_max ns_last_pid` (parent 0 for the
/// root). The dump reads it back (`parse`) for the namespaces whose own files are gone.
public enum PidNamespacesFormat {
    static let header: StaticString = "inode parent level pid_max ns_last_pid\n"

    public static func render(_ states: [PidNamespaceState]) -> [UInt8] {
        var w = ByteWriter(capacity: 40 + states.count * 40)
        w.append(header)
        for s in states { w.appendLine([Int(s.inode), Int(s.parentInode), s.level, s.pidMax, s.lastPid]) }
        return w.bytes
    }

    /// The lines of a `render`ed text; nil when the header or any line is not as it writes them.
    public static func parse(_ text: String) -> [PidNamespaceState]? {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 2, lines.removeLast().isEmpty, lines.removeFirst() + "\n" == header.description else { return nil }
        var states: [PidNamespaceState] = []
        for line in lines {
            let f = line.split(separator: " ", omittingEmptySubsequences: false)
            guard f.count == 5, let inode = UInt32(f[0]), let parent = UInt32(f[1]), let level = Int(f[2]), let pidMax = Int(f[3]),
                  let last = Int(f[4]) else { return nil }
            states.append(PidNamespaceState(inode: inode, parentInode: parent, level: level, pidMax: pidMax, lastPid: last))
        }
        return states
    }
}
