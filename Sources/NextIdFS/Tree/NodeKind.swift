import IdAllocators

/// Every kind of node in the tree (docs/interface.md §2.1). The raw value is the kind's part of
/// an inode number (`NodeRef`); everything else about a kind is its row in `NodeKind.rows`.
public enum NodeKind: UInt8, Sendable, CaseIterable {
    // The top of the mount: the root namespaces' files.
    case root = 1
    case taskLinksDir
    case rootSysvipcDir, rootSysvipcMsg, rootSysvipcSem, rootSysvipcShm
    case rootSysDir, rootSysKernelDir
    case rootNsLastPid, rootPidMax, rootMsgNextId, rootSemNextId, rootShmNextId
    case uptime

    // <pid>/: one per thread group.
    case processDir = 32
    case processStatus, processStat, processComm, processCmdline
    case nsDir, nsPid, nsPidForChildren, nsIpc
    case sysvipcDir, sysvipcMsg, sysvipcSem, sysvipcShm
    case sysDir, sysKernelDir
    case nsLastPid, pidMax, msgNextId, semNextId, shmNextId
    case threadsDir

    // <pid>/task/<tid>/: one per thread, and the task/<tid> links at the top.
    case threadDir = 96
    case nextId, ctl, threadStatus, threadStat, threadComm, children
    case taskLink

    /// Which task a node belongs to: none (the machine's), a process (its thread-group leader,
    /// whose pid names the node), or any thread.
    public enum Scope: Sendable { case machine, process, thread }

    /// Whose uid and gid a node shows: root's, or its task's (procfs: the task's credentials).
    public enum Owner: Sendable { case root, task }

    public enum FileType: Sendable { case directory, regular, symlink }

    /// What serves a node: a directory (its fixed entries are the rows that name it as their
    /// parent; `tasks` says which tasks it lists after them), a file type, or a link type.
    enum Serves: Sendable {
        case directory(tasks: TaskListing? = nil)
        case file(any TreeFile)
        case link(any TreeLink)
    }

    /// A node's name in its parent: fixed, or the pid (in the root namespace) of its task.
    enum Name: Sendable, Equatable, ExpressibleByStringLiteral {
        case fixed([UInt8])
        case pid
        init(stringLiteral name: String) { self = .fixed(Array(name.utf8)) }
    }

    /// One row of the tree: the declarative description of a node kind.
    struct Row: Sendable {
        var kind: NodeKind
        var parent: NodeKind?
        var name: Name
        var scope: Scope
        var owner: Owner
        var mode: UInt32
        var serves: Serves

        init(_ kind: NodeKind, _ parent: NodeKind?, _ name: Name, _ scope: Scope, _ owner: Owner, _ mode: UInt32, _ serves: Serves) {
            (self.kind, self.parent, self.name, self.scope, self.owner, self.mode, self.serves) =
                (kind, parent, name, scope, owner, mode, serves)
        }
    }

    /// The tree of docs/interface.md §2.1, one row per kind. A directory lists its fixed entries
    /// in the order of their rows. Adding a file: a case above, a row here, a file type in Files/.
    static let rows: [Row] = [
        // kind             parent            name              scope     owner  mode   served by
        Row(.root,          nil,              "",               .machine, .root, 0o555, .directory(tasks: .threadGroups)),
        Row(.taskLinksDir,  .root,            "task",           .machine, .root, 0o555, .directory(tasks: .allThreads)),
        Row(.rootSysvipcDir, .root,           "sysvipc",        .machine, .root, 0o555, .directory()),
        Row(.rootSysDir,    .root,            "sys",            .machine, .root, 0o555, .directory()),
        Row(.uptime,        .root,            "uptime",         .machine, .root, 0o444, .file(UptimeFile())),
        Row(.rootSysKernelDir, .rootSysDir,   "kernel",         .machine, .root, 0o555, .directory()),
    ] + sysvipc(in: .rootSysvipcDir, [.rootSysvipcMsg, .rootSysvipcSem, .rootSysvipcShm], .machine, .root)
      + sysKernel(in: .rootSysKernelDir, [.rootMsgNextId, .rootNsLastPid, .rootPidMax, .rootSemNextId, .rootShmNextId], .machine, .root)
      + [
        Row(.processDir,    .root,            .pid,             .process, .task, 0o555, .directory()),
        Row(.processCmdline, .processDir,     "cmdline",        .process, .task, 0o444, .file(TaskTextFile.cmdline)),
        Row(.processComm,   .processDir,      "comm",           .process, .task, 0o444, .file(TaskTextFile.comm)),
        Row(.nsDir,         .processDir,      "ns",             .process, .task, 0o511, .directory()),
        Row(.processStat,   .processDir,      "stat",           .process, .task, 0o444, .file(TaskTextFile.stat)),
        Row(.processStatus, .processDir,      "status",         .process, .task, 0o444, .file(TaskTextFile.status)),
        Row(.sysDir,        .processDir,      "sys",            .process, .task, 0o555, .directory()),
        Row(.sysvipcDir,    .processDir,      "sysvipc",        .process, .task, 0o555, .directory()),
        Row(.threadsDir,    .processDir,      "task",           .process, .task, 0o555, .directory(tasks: .groupThreads)),
        Row(.nsIpc,         .nsDir,           "ipc",            .process, .task, 0o777, .link(NamespaceLink.ipc)),
        Row(.nsPid,         .nsDir,           "pid",            .process, .task, 0o777, .link(NamespaceLink.pid)),
        Row(.nsPidForChildren, .nsDir,        "pid_for_children", .process, .task, 0o777, .link(NamespaceLink.pidForChildren)),
        Row(.sysKernelDir,  .sysDir,          "kernel",         .process, .task, 0o555, .directory()),
    ] + sysvipc(in: .sysvipcDir, [.sysvipcMsg, .sysvipcSem, .sysvipcShm], .process, .task)
      + sysKernel(in: .sysKernelDir, [.msgNextId, .nsLastPid, .pidMax, .semNextId, .shmNextId], .process, .task)
      + [
        Row(.threadDir,     .threadsDir,      .pid,             .thread,  .task, 0o555, .directory()),
        Row(.children,      .threadDir,       "children",       .thread,  .task, 0o444, .file(ChildrenFile())),
        Row(.threadComm,    .threadDir,       "comm",           .thread,  .task, 0o444, .file(TaskTextFile.comm)),
        Row(.ctl,           .threadDir,       "ctl",            .thread,  .task, 0o600, .file(CtlFile())),
        Row(.nextId,        .threadDir,       "next_id",        .thread,  .task, 0o600, .file(NextIdFile())),
        Row(.threadStat,    .threadDir,       "stat",           .thread,  .task, 0o444, .file(TaskTextFile.stat)),
        Row(.threadStatus,  .threadDir,       "status",         .thread,  .task, 0o444, .file(TaskTextFile.status)),
        Row(.taskLink,      .taskLinksDir,    .pid,             .thread,  .task, 0o777, .link(TaskLink())),
    ]

    /// sysvipc/ under `parent`: msg, sem, shm.
    static func sysvipc(in parent: NodeKind, _ kinds: [NodeKind], _ scope: Scope, _ owner: Owner) -> [Row] {
        zip(kinds, IpcKind.allCases).map { kind, ipc in
            Row(kind, parent, .fixed(Array(ipc.name.utf8)), scope, owner, 0o444, .file(SysvipcFile(kind: ipc)))
        }
    }

    /// sys/kernel/ under `parent`: the sysctl files, in listing order.
    static func sysKernel(in parent: NodeKind, _ kinds: [NodeKind], _ scope: Scope, _ owner: Owner) -> [Row] {
        zip(kinds, [SysctlName.msgNextId, .nsLastPid, .pidMax, .semNextId, .shmNextId]).map { kind, name in
            Row(kind, parent, .fixed(Array(name.rawValue.utf8)), scope, owner, 0o644, .file(SysctlFile(name: name)))
        }
    }

    /// This kind's description, built once from its row.
    public var spec: NodeSpec { NodeSpec.table[Int(rawValue)]! }
}

/// A node kind as the tree uses it: its row, with a directory's entries gathered from the rows
/// below it. Built once per kind (`NodeKind.spec`), so that a request only reads.
public final class NodeSpec: Sendable {
    public let kind: NodeKind
    public let scope: NodeKind.Scope
    public let owner: NodeKind.Owner
    /// Permission bits, as procfs gives them.
    public let mode: UInt32
    public let type: NodeKind.FileType
    /// Its name in its parent; empty for the root and for the entries named by pid.
    let name: [UInt8]
    let serves: NodeKind.Serves
    /// A directory's fixed entries, in listing order.
    let entries: [NodeSpec]
    /// A directory's entries named by pid: their kind and which tasks they are.
    let taskEntries: (kind: NodeSpec, listing: TaskListing)?

    init(_ row: NodeKind.Row, in rows: [NodeKind.Row]) {
        kind = row.kind
        scope = row.scope
        owner = row.owner
        mode = row.mode
        if case .fixed(let fixed) = row.name { name = fixed } else { name = [] }
        serves = row.serves
        switch row.serves {
        case .directory: type = .directory
        case .file: type = .regular
        case .link: type = .symlink
        }
        let below = rows.filter { $0.parent == row.kind }
        entries = below.filter { $0.name != .pid }.map { NodeSpec($0, in: rows) }
        if case .directory(let listing?) = row.serves, let byPid = below.first(where: { $0.name == .pid }) {
            taskEntries = (NodeSpec(byPid, in: rows), listing)
        } else {
            taskEntries = nil
        }
    }

    /// Every kind's description, by raw value: the tree built from its root.
    static let table: [NodeSpec?] = {
        var table = [NodeSpec?](repeating: nil, count: Int(UInt8.max) + 1)
        func add(_ spec: NodeSpec) {
            table[Int(spec.kind.rawValue)] = spec
            spec.entries.forEach(add)
            if let byPid = spec.taskEntries { add(byPid.kind) }
        }
        add(NodeSpec(NodeKind.rows[0], in: NodeKind.rows))
        return table
    }()

    /// The fixed entry called `name`.
    func entry(named name: [UInt8]) -> NodeSpec? {
        entries.first { $0.name == name }
    }

    /// The file type behind a regular file.
    var file: (any TreeFile)? {
        if case .file(let file) = serves { return file }
        return nil
    }

    var link: (any TreeLink)? {
        if case .link(let link) = serves { return link }
        return nil
    }

    /// The directories that list tasks by pid, in the order of their rows.
    static let taskDirectories = NodeKind.allCases.map(\.spec).filter { $0.taskEntries != nil }

    /// The kinds of a process's nodes and of a thread's (what an owner change touches).
    static let processKinds = NodeKind.allCases.filter { $0.spec.scope == .process }
    static let threadKinds = NodeKind.allCases.filter { $0.spec.scope == .thread }
}
