import IdAllocators

/// Whether a tree is a fresh mount, as a restore needs it: process 1 alone (one thread, comm
/// init, uid and gid 0, nothing pending, no children), empty IPC tables with untouched
/// allocators, no `*_next_id`, ns_last_pid 1. Returns why not, or nil.
public func pristineProblem(_ tree: any TreeReader) -> String? {
    let processes = (tree.list(".") ?? []).compactMap(Int32.init).sorted()
    if processes != [1] { return "processes: \(processes.map(String.init).joined(separator: " "))" }
    let threads = (tree.list("1/task") ?? []).compactMap(Int32.init).sorted()
    if threads != [1] { return "threads of 1: \(threads.map(String.init).joined(separator: " "))" }
    if let next = tree.firstLine("1/task/1/next_id"), !next.isEmpty { return "1 has a pending next_id: \(next)" }
    if let children = tree.firstLine("1/task/1/children"), !children.isEmpty { return "1 has children" }
    for kind in IpcKind.allCases {
        if let rows = tree.text("sysvipc/\(kind.name)"), rows.split(separator: "\n").count > 1 {
            return "sysvipc/\(kind.name) is not empty"
        }
        if let next = tree.firstLine("sys/kernel/\(kind.name)_next_id"), next != "-1" { return "\(kind.name)_next_id is \(next)" }
    }
    if let ids = tree.text("sysvipc/ids") {
        for line in ids.split(separator: "\n").dropFirst() {
            let f = line.split(separator: " ")
            if f.count == 4, f[1] != "0" || f[2] != "-1" || f[3] != "0" { return "the \(f[0]) ids have been used: \(line)" }
        }
    }
    for line in (tree.text("1/status") ?? "").split(separator: "\n") where line.hasPrefix("Uid:") || line.hasPrefix("Gid:") {
        if line.split(separator: "\t").dropFirst().first != "0" { return "1 is not uid/gid 0" }
    }
    if let comm = tree.firstLine("1/comm"), comm != "init" { return "comm of 1 is '\(comm)'" }
    if let last = tree.firstLine("sys/kernel/ns_last_pid"), last != "1" { return "ns_last_pid is \(last)" }
    return nil
}
