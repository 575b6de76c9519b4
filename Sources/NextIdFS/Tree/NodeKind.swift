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
    case loadavg, machineStat, meminfo, cpuinfo, ttyDir, ttyDrivers
    case rootMsgmni, rootMsgmax, rootMsgmnb, rootSem, rootShmmni, rootShmmax, rootShmall, rootOsrelease
    case selfLink, threadSelfLink, attach

    // <pid>/: one per thread group.
    case processDir = 32
    case processStatus, processStat, processComm, processCmdline
    case nsDir, nsPid, nsPidForChildren, nsIpc
    case sysvipcDir, sysvipcMsg, sysvipcSem, sysvipcShm
    case sysDir, sysKernelDir
    case nsLastPid, pidMax, msgNextId, semNextId, shmNextId
    case threadsDir
    case msgmni, msgmax, msgmnb, sem, shmmni, shmmax, shmall, osrelease
    /// <pid>/sysvipc/ids: its IPC namespace's allocator state (a nextidfs extension).
    case sysvipcIds

    // <pid>/task/<tid>/: one per thread, and the task/<tid> links at the top.
    case threadDir = 96
    case nextId, ctl, threadStatus, threadStat, threadComm, children
    case taskLink
    case threadCmdline

    // More of the top (its first range is full).
    /// sysvipc/ids: the root IPC namespace's allocator state (a nextidfs extension).
    case rootSysvipcIds = 128
    /// pid_namespaces: every pid namespace's pid_max and cursor (a nextidfs extension).
    case pidNamespaces

    // The reader's own <pid>/ and <pid>/task/<tid>/: a real process, not a simulated task.
    case readerDir = 160
    case readerStat, readerStatus, readerCmdline, readerComm, readerTaskDir
    case readerThreadDir = 192
    case readerThreadStat, readerThreadStatus, readerThreadCmdline, readerThreadComm

    /// Which task a node belongs to: none (the machine's), a process (its thread-group leader,
    /// whose pid names the node), or any thread; or, for the reader's own entry, no simulated
    /// task but the real reader's process or thread (docs/interface.md §2.5).
    public enum Scope: Sendable { case machine, process, thread, readerProcess, readerThread }

    /// Whose uid and gid a node shows: root's, or its task's (procfs: the task's credentials).
    public enum Owner: Sendable { case root, task }

    public enum FileType: Sendable { case directory, regular, symlink }

    /// What the kernel may keep of a node between requests (its FUSE caches).
    public enum Caching: Sendable {
        /// Follows the simulated machine: attributes and names for a second (invalidated when a
        /// write changes them), content read afresh at every open.
        case machine
        /// Changes by itself (the clock) or with anything any task does (the machine's counts),
        /// with no invalidation sent: content read afresh at every read, never kept.
        case live
        /// Never changes while mounted: content may be kept as long as the kernel likes.
        case constant
        /// Depends on who asks (self, the reader's own entry): names and attributes must not be
        /// kept at all (entry and attribute timeouts 0), nor link targets, nor content.
        case reader
    }

    /// What serves a node: a directory (its fixed entries are the rows that name it as their
    /// parent; `tasks` says which tasks it lists after them), a file type, or a link type.
    enum Serves: Sendable {
        case directory(tasks: TaskListing? = nil)
        case file(any TreeFile)
        case link(any TreeLink)
    }

    /// A node's name in its parent: fixed, the pid (in the root namespace) of its task, or
    /// the real reader's own pid or tid (in its own pid namespace), for that reader only.
    enum Name: Sendable, Equatable, ExpressibleByStringLiteral {
        case fixed([UInt8])
        case pid
        case reader
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
        var caching: Caching

        init(_ kind: NodeKind, _ parent: NodeKind?, _ name: Name, _ scope: Scope, _ owner: Owner, _ mode: UInt32, _ serves: Serves,
             _ caching: Caching = .machine) {
            (self.kind, self.parent, self.name, self.scope, self.owner, self.mode, self.serves, self.caching) =
                (kind, parent, name, scope, owner, mode, serves, caching)
        }
    }

    /// The tree of docs/interface.md §2.1, one row per kind. A directory lists its fixed entries
    /// in the order of their rows (at the top procfs's order: by length, then by name). Adding a
    /// file: a case above, a row here, a file type in Files/. `caching` is `.machine` unless said.
    static let rows: [Row] = [
        // kind             parent            name              scope     owner  mode   served by
        Row(.root,          nil,              "",               .machine, .root, 0o555, .directory(tasks: .threadGroups)),
        Row(.rootSysDir,    .root,            "sys",            .machine, .root, 0o555, .directory()),
        Row(.ttyDir,        .root,            "tty",            .machine, .root, 0o555, .directory()),
        Row(.machineStat,   .root,            "stat",           .machine, .root, 0o444, .file(MachineTextFile.stat), .live),
        Row(.taskLinksDir,  .root,            "task",           .machine, .root, 0o555, .directory(tasks: .allThreads)),
        Row(.uptime,        .root,            "uptime",         .machine, .root, 0o444, .file(MachineTextFile.uptime), .live),
        Row(.cpuinfo,       .root,            "cpuinfo",        .machine, .root, 0o444, .file(ConstantFile.cpuinfo), .constant),
        Row(.loadavg,       .root,            "loadavg",        .machine, .root, 0o444, .file(MachineTextFile.loadavg), .live),
        Row(.meminfo,       .root,            "meminfo",        .machine, .root, 0o444, .file(ConstantFile.meminfo), .constant),
        Row(.rootSysvipcDir, .root,           "sysvipc",        .machine, .root, 0o555, .directory()),
        Row(.attach,        .root,            "attach",         .machine, .root, 0o600, .file(AttachFile()), .reader),
        Row(.pidNamespaces, .root,            "pid_namespaces", .machine, .root, 0o444, .file(MachineTextFile.pidNamespaces)),
        Row(.selfLink,      .root,            "self",           .machine, .root, 0o777, .link(SelfLink(thread: false)), .reader),
        Row(.threadSelfLink, .root,           "thread-self",    .machine, .root, 0o777, .link(SelfLink(thread: true)), .reader),
        Row(.rootSysKernelDir, .rootSysDir,   "kernel",         .machine, .root, 0o555, .directory()),
        Row(.ttyDrivers,    .ttyDir,          "drivers",        .machine, .root, 0o444, .file(ConstantFile.ttyDrivers), .constant),
    ] + sysvipc(in: .rootSysvipcDir, ids: .rootSysvipcIds, [.rootSysvipcMsg, .rootSysvipcSem, .rootSysvipcShm], .machine, .root)
      + sysKernel(in: .rootSysKernelDir, [.rootMsgNextId, .rootMsgmax, .rootMsgmnb, .rootMsgmni, .rootNsLastPid, .rootOsrelease,
                                          .rootPidMax, .rootSem, .rootSemNextId, .rootShmNextId, .rootShmall, .rootShmmax, .rootShmmni],
                  .machine, .root)
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
    ] + sysvipc(in: .sysvipcDir, ids: .sysvipcIds, [.sysvipcMsg, .sysvipcSem, .sysvipcShm], .process, .task)
      + sysKernel(in: .sysKernelDir, [.msgNextId, .msgmax, .msgmnb, .msgmni, .nsLastPid, .osrelease,
                                      .pidMax, .sem, .semNextId, .shmNextId, .shmall, .shmmax, .shmmni],
                  .process, .task)
      + [
        Row(.threadDir,     .threadsDir,      .pid,             .thread,  .task, 0o555, .directory()),
        Row(.children,      .threadDir,       "children",       .thread,  .task, 0o444, .file(ChildrenFile())),
        Row(.threadCmdline, .threadDir,       "cmdline",        .thread,  .task, 0o444, .file(TaskTextFile.cmdline)),
        Row(.threadComm,    .threadDir,       "comm",           .thread,  .task, 0o444, .file(TaskTextFile.comm)),
        Row(.ctl,           .threadDir,       "ctl",            .thread,  .task, 0o600, .file(CtlFile())),
        Row(.nextId,        .threadDir,       "next_id",        .thread,  .task, 0o600, .file(NextIdFile())),
        Row(.threadStat,    .threadDir,       "stat",           .thread,  .task, 0o444, .file(TaskTextFile.stat)),
        Row(.threadStatus,  .threadDir,       "status",         .thread,  .task, 0o444, .file(TaskTextFile.status)),
        Row(.taskLink,      .taskLinksDir,    .pid,             .thread,  .task, 0o777, .link(TaskLink())),
    ] + reader(.readerProcess, in: .root, dir: .readerDir, [.readerCmdline, .readerComm, .readerStat, .readerStatus], task: .readerTaskDir)
      + reader(.readerThread, in: .readerTaskDir, dir: .readerThreadDir,
               [.readerThreadCmdline, .readerThreadComm, .readerThreadStat, .readerThreadStatus], task: nil)

    /// The reader's own entry, a process's or a thread's directory: cmdline comm stat status,
    /// copied from the host's /proc, and (for a process) task/.
    static func reader(_ scope: Scope, in parent: NodeKind, dir: NodeKind, _ files: [NodeKind], task: NodeKind?) -> [Row] {
        let thread = scope == .readerThread
        return [Row(dir, parent, .reader, scope, .task, 0o555, .directory(), .reader)]
            + zip(files, ["cmdline", "comm", "stat", "status"]).map { kind, name in
                Row(kind, dir, .fixed(Array(name.utf8)), scope, .task, 0o444, .file(ReaderTextFile(name: name, thread: thread)), .reader)
            }
            + (task.map { [Row($0, dir, "task", scope, .task, 0o555, .directory(), .reader)] } ?? [])
    }

    /// sysvipc/ under `parent`: ids (the allocators' state, a nextidfs extension), msg, sem, shm.
    static func sysvipc(in parent: NodeKind, ids: NodeKind, _ kinds: [NodeKind], _ scope: Scope, _ owner: Owner) -> [Row] {
        [Row(ids, parent, "ids", scope, owner, 0o444, .file(SysvipcIdsFile()))]
            + zip(kinds, IpcKind.allCases).map { kind, ipc in
                Row(kind, parent, .fixed(Array(ipc.name.utf8)), scope, owner, 0o444, .file(SysvipcFile(kind: ipc)))
            }
    }

    /// sys/kernel/ under `parent`, sorted by name as sysctl directories list: the writable
    /// sysctl files, and read-only constants: the IPC limits the simulation enforces (the same
    /// in every IPC namespace) and the kernel release.
    static func sysKernel(in parent: NodeKind, _ kinds: [NodeKind], _ scope: Scope, _ owner: Owner) -> [Row] {
        let sysctl = { (name: SysctlName) in (name.rawValue, Serves.file(SysctlFile(name: name)), Caching.machine) }
        let constant = { (name: String, file: ConstantFile) in (name, Serves.file(file), Caching.constant) }
        let files = [
            sysctl(.msgNextId), constant("msgmax", .number(Limits.msgmax)), constant("msgmnb", .number(Limits.msgmnb)),
            constant("msgmni", .number(Limits.msgmni)), sysctl(.nsLastPid), constant("osrelease", .osrelease),
            sysctl(.pidMax), constant("sem", .sem), sysctl(.semNextId), sysctl(.shmNextId),
            constant("shmall", .number(Limits.shmall)), constant("shmmax", .number(Limits.shmmax)),
            constant("shmmni", .number(Limits.shmmni)),
        ]
        precondition(files.count == kinds.count && files.map(\.0) == files.map(\.0).sorted())
        return zip(kinds, files).map { kind, file in
            let writable: Bool = if case .machine = file.2 { true } else { false }
            return Row(kind, parent, .fixed(Array(file.0.utf8)), scope, owner, writable ? 0o644 : 0o444, file.1, file.2)
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
    public let caching: NodeKind.Caching
    /// Its name in its parent; empty for the root and for the entries named by pid.
    let name: [UInt8]
    let serves: NodeKind.Serves
    /// A directory's fixed entries, in listing order.
    let entries: [NodeSpec]
    /// A directory's entries named by pid: their kind and which tasks they are.
    let taskEntries: (kind: NodeSpec, listing: TaskListing)?
    /// A directory's entry for the reader itself, not listed.
    let readerEntry: NodeSpec?

    init(_ row: NodeKind.Row, in rows: [NodeKind.Row]) {
        kind = row.kind
        scope = row.scope
        owner = row.owner
        mode = row.mode
        caching = row.caching
        if case .fixed(let fixed) = row.name { name = fixed } else { name = [] }
        serves = row.serves
        switch row.serves {
        case .directory: type = .directory
        case .file: type = .regular
        case .link: type = .symlink
        }
        let below = rows.filter { $0.parent == row.kind }
        entries = below.filter { if case .fixed = $0.name { true } else { false } }.map { NodeSpec($0, in: rows) }
        readerEntry = below.first { $0.name == .reader }.map { NodeSpec($0, in: rows) }
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
            if let reader = spec.readerEntry { add(reader) }
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
