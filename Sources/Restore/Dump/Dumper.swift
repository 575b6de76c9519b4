import IdAllocators
import NextIdFS

/// Reads a world from its tree into an image (docs/restore.md). Only the tree: status (pids,
/// owners, name, thread count), inode numbers (thread creation order), next_id, children, the ns links,
/// the sys/kernel files and the sysvipc tables of every namespace.
///
/// Per process with one thread: its status, its next_id, its ns/ipc and ns/pid_for_children
/// links (ns/pid only where its parent's does not tell, see `pidNamespaces`); children only
/// where the order of two or more has to be read.
public struct Dumper: Sendable {
    let tree: any TreeReader

    public init(tree: any TreeReader) { self.tree = tree }

    /// One task as the tree shows it.
    struct TaskFacts {
        var tid: Int32
        var tgid: Int32
        var ppid: Int32
        var uid: UInt32
        var gid: UInt32
        var threads: Int
        var pids: [Int32]
        var comm: [UInt8]
        /// Root numbers of its process group and session.
        var pgids: [Int32] = [1]
        var sids: [Int32] = [1]
        var isZombie = false
        var ignoresSigchld = false
    }

    struct ProcessFacts {
        var leader: TaskFacts
        /// Leader first, then in creation order.
        var threads: [TaskFacts]
        /// 0 until `pidNamespaces` reads or infers it.
        var pidInode: UInt32
        /// nil for a zombie (its namespaces are gone).
        var ipcInode: UInt32?
        /// An exited process's exit_code (stat field 52).
        var exitCode: Int32 = 0
        /// A dying init (no ns/ipc, not a zombie, PF_EXITING).
        var isDying = false
        /// nil: the link has no target (a pid namespace that never had an init).
        var pidForChildrenInode: UInt32?
        /// Each thread's pending ids (next_id), as `threads`; none for a zombie.
        var pendingIds: [[Int32]?] = []
    }

    /// Processes read between two progress reports.
    static let progressStep = 512

    /// `progress`: told how many processes of how many have been read.
    public func dump(progress: ((_ done: Int, _ total: Int) -> Void)? = nil) throws(DumpError) -> Image {
        guard tree.read("1/task/1/next_id") != nil, tree.read("sysvipc/msg") != nil else {
            throw DumpError("not a nextidfs mount (no 1/task/1/ctl)")
        }
        let tgids = (tree.list(".") ?? []).compactMap(Int32.init).sorted()
        // Processes are read `tree.readers` at a time (each read waits for a round trip).
        var processes: [Int32: ProcessFacts] = [:]
        for start in stride(from: 0, to: tgids.count, by: Dumper.progressStep) {
            let some = Array(tgids[start..<min(start + Dumper.progressStep, tgids.count)])
            let facts = tree.concurrently(some) { g in Result { () throws(DumpError) in try self.process(g) } }
            for (g, result) in zip(some, facts) { processes[g] = try result.get() }
            progress?(processes.count, tgids.count)
        }
        try pidNamespaces(&processes)
        let children = try childrenLists(processes)

        // Pid namespaces: named after the root pid of their init; a pid_for_children without
        // tasks after the process pointing to it.
        var pidNames: [UInt32: PidNamespaceName] = [:]
        for g in tgids where processes[g]!.leader.pids.last == 1 {
            guard pidNames[processes[g]!.pidInode] == nil else { throw DumpError("two inits in pid:[\(processes[g]!.pidInode)]") }
            pidNames[processes[g]!.pidInode] = .live(initPid: g)
        }
        var pidNamespaces: [PidNamespaceRecord] = []
        /// Namespaces without tasks, by their index in `pidNamespaces`: their own files are gone.
        var withoutTasks: [(record: Int, inode: UInt32)] = []
        for name in pidNames.values {
            guard case .live(let initPid) = name else { continue }
            let initProcess = processes[initPid]!
            var parent: PidNamespaceName? = nil
            if initPid != 1 {
                guard let up = processes[initProcess.leader.ppid], up.leader.pids.count == initProcess.leader.pids.count - 1 else {
                    throw DumpError("init \(initPid): parent \(initProcess.leader.ppid) is not one level up")
                }
                parent = pidNames[up.pidInode]
            }
            // A zombie or dying init's namespace takes no tasks and its files are ESRCH.
            let zombie = initProcess.leader.isZombie || initProcess.isDying
            if zombie { withoutTasks.append((pidNamespaces.count, initProcess.pidInode)) }
            pidNamespaces.append(PidNamespaceRecord(
                name: name, parent: parent, level: initProcess.leader.pids.count - 1,
                pidMax: zombie ? nil : try number("\(initPid)/sys/kernel/pid_max"),
                lastPid: zombie ? nil : try number("\(initPid)/sys/kernel/ns_last_pid")))
        }
        var pfcNames: [Int32: PidNamespaceName] = [:]
        var deadInodes = Set<UInt32>()
        for g in tgids {
            let p = processes[g]!
            guard let own = pidNames[p.pidInode] else { throw DumpError("process \(g): no init found in its pid namespace pid:[\(p.pidInode)]") }
            if p.leader.isZombie || p.isDying {
                pfcNames[g] = own
                continue
            }
            if let inode = p.pidForChildrenInode, let name = pidNames[inode] {
                pfcNames[g] = name
                continue
            }
            let name: PidNamespaceName = p.pidForChildrenInode == nil ? .empty(unsharer: g) : .dead(unsharer: g)
            if let inode = p.pidForChildrenInode {
                guard deadInodes.insert(inode).inserted else { throw DumpError("two processes point to the dead pid namespace pid:[\(inode)]") }
                withoutTasks.append((pidNamespaces.count, inode))
            }
            pfcNames[g] = name
            pidNamespaces.append(PidNamespaceRecord(
                name: name, parent: own, level: p.leader.pids.count, pidMax: nil, lastPid: nil))
        }
        try fillHiddenCursors(&pidNamespaces, withoutTasks)

        // IPC namespaces: named after their smallest member; the root one (its inode is fixed)
        // outlives its last task, read then from the top-level files.
        var ipcNames: [UInt32: IpcNamespaceName] = [:]
        for g in tgids {
            guard let inode = processes[g]!.ipcInode, ipcNames[inode] == nil else { continue }
            ipcNames[inode] = .member(g)
        }
        var ipcNamespaces: [IpcNamespaceRecord] = []
        var objects: [IpcObjectRecord] = []
        var namespaceDirs: [(IpcNamespaceName, String, Bool)] = ipcNames.map { inode, name in
            guard case .member(let g) = name else { return (name, ".", true) }
            return (name, "\(g)", inode == Limits.rootIpcNamespaceInode)
        }
        if ipcNames[Limits.rootIpcNamespaceInode] == nil { namespaceDirs.append((.root, ".", true)) }
        for (name, dir, isRoot) in namespaceDirs {
            let (record, objs) = try ipcNamespace(name, dir: dir, isRoot: isRoot)
            ipcNamespaces.append(record)
            objects += objs
        }

        var records: [ProcessRecord] = []
        for g in tgids {
            let p = processes[g]!
            var parentTid: Int32 = 0
            if g != 1 {
                guard let t = children.parentThread[g] else {
                    throw DumpError("process \(g): no thread of its parent \(p.leader.ppid) lists it as a child")
                }
                parentTid = t
            }
            var threads: [ThreadRecord] = []
            for (t, pending) in zip(p.threads, p.pendingIds) {
                threads.append(ThreadRecord(tid: t.tid, pids: t.pids, pendingIds: pending, comm: t.comm,
                                            children: children.lists[t.tid] ?? []))
            }
            // A zombie stands in its parent's IPC namespace (it has none left), a dying init in
            // its nearest live ancestor's (its parent may be a dying init that killed it).
            var up = processes[p.leader.ppid]
            while let u = up, u.isDying { up = processes[u.leader.ppid] }
            guard let ipcInode = p.ipcInode ?? up?.ipcInode else {
                throw DumpError("process \(g) has exited: its parent has no IPC namespace")
            }
            records.append(ProcessRecord(
                tgid: g, parentTid: parentTid, pidNamespace: pidNames[p.pidInode]!, pidForChildren: pfcNames[g]!,
                ipcNamespace: ipcNames[ipcInode]!, uid: p.leader.uid, gid: p.leader.gid, pgids: p.leader.pgids, sids: p.leader.sids,
                isZombie: p.leader.isZombie, isDying: p.isDying, exitCode: p.exitCode, ignoresSigchld: p.leader.ignoresSigchld, threads: threads))
        }
        return Image(pidNamespaces: pidNamespaces, ipcNamespaces: ipcNamespaces, processes: records, objects: objects)
    }

    // MARK: tasks

    func process(_ g: Int32) throws(DumpError) -> ProcessFacts {
        let leader = try task("\(g)/status")
        var threads = [leader]
        if leader.threads > 1 {
            var others: [(UInt64, TaskFacts)] = []
            for name in tree.list("\(g)/task") ?? [] {
                guard let tid = Int32(name), tid != g else { continue }
                others.append((try serial("\(g)/task/\(tid)"), try task("\(g)/task/\(tid)/status")))
            }
            threads += others.sorted { $0.0 < $1.0 }.map(\.1)
        }
        if leader.isZombie {
            return ProcessFacts(leader: leader, threads: threads, pidInode: 0, ipcInode: nil,
                                exitCode: Int32(clamping: try statField("\(g)/stat", 52)), pidForChildrenInode: nil,
                                pendingIds: threads.map { _ in nil })
        }
        guard let ipc = tree.readLink("\(g)/ns/ipc").flatMap(Self.inode) else {
            // A dying init (it waits for its namespace to empty) has no namespaces either; stat
            // shows it exiting (PF_EXITING) with its exit code.
            guard leader.pids.last == 1, try statField("\(g)/stat", 9) & Int64(TaskStatus.exitingFlag) != 0 else {
                throw DumpError("process \(g) has no ns/ipc and is neither a zombie nor a dying init")
            }
            var facts = ProcessFacts(leader: leader, threads: threads, pidInode: 0, ipcInode: nil,
                                     exitCode: Int32(clamping: try statField("\(g)/stat", 52)), pidForChildrenInode: nil,
                                     pendingIds: threads.map { _ in nil })
            facts.isDying = true
            return facts
        }
        var pending: [[Int32]?] = []
        for t in threads { pending.append(try pendingIds("\(g)/task/\(t.tid)/next_id")) }
        return ProcessFacts(leader: leader, threads: threads, pidInode: 0, ipcInode: ipc,
                            pidForChildrenInode: tree.readLink("\(g)/ns/pid_for_children").flatMap(Self.inode),
                            pendingIds: pending)
    }

    /// Every process's pid namespace: its parent's when it is not an init and is as deep as its
    /// parent (a fork goes to the maker's own namespace or one level down, and a reaper is in
    /// its orphans' namespace), else its `ns/pid` link; one link read instead of 10,000 for the
    /// benchmark's world.
    func pidNamespaces(_ processes: inout [Int32: ProcessFacts]) throws(DumpError) {
        for g in processes.keys.sorted() where processes[g]!.pidInode == 0 {
            // Up to the first ancestor whose namespace is known or must be read.
            var chain = [g]
            var top = processes[g]!
            while top.pidInode == 0, top.leader.pids.last != 1, let up = processes[top.leader.ppid],
                  up.leader.pids.count == top.leader.pids.count {
                chain.append(top.leader.ppid)
                top = up
            }
            var inode = top.pidInode
            if inode == 0 {
                guard let read = tree.readLink("\(chain.last!)/ns/pid").flatMap(Self.inode) else {
                    throw DumpError("missing ns/pid of \(chain.last!)")
                }
                inode = read
            }
            for c in chain { processes[c]!.pidInode = inode }
        }
    }

    /// `pid:[N]` or `ipc:[N]`: N.
    static func inode(_ link: String) -> UInt32? {
        guard let open = link.firstIndex(of: "["), link.hasSuffix("]") else { return nil }
        return UInt32(link[link.index(after: open)..<link.index(before: link.endIndex)])
    }

    func task(_ path: String) throws(DumpError) -> TaskFacts {
        guard let status = tree.read(path) else { throw DumpError("cannot read \(path)") }
        var t = TaskFacts(tid: 0, tgid: 0, ppid: 0, uid: 0, gid: 0, threads: 1, pids: [], comm: [])
        // (on the bytes: a String per line and field was most of the dump's own time)
        for line in status.split(separator: UInt8(ascii: "\n")) {
            guard let tab = line.firstIndex(of: UInt8(ascii: "\t")) else { continue }
            let key = line[..<tab]
            let value = line[(tab + 1)...]
            func first<T: FixedWidthInteger>() -> T { Self.number(value.prefix { $0 != UInt8(ascii: "\t") }) ?? 0 }
            func all() -> [Int32] { value.split(separator: UInt8(ascii: "\t")).compactMap { Self.number($0) } }
            switch key.count {
            case 4 where key.elementsEqual("Pid:".utf8): t.tid = first()
            case 4 where key.elementsEqual("Uid:".utf8): t.uid = first()
            case 4 where key.elementsEqual("Gid:".utf8): t.gid = first()
            case 5 where key.elementsEqual("Name:".utf8): t.comm = Self.unescapeName(value)
            case 5 where key.elementsEqual("Tgid:".utf8): t.tgid = first()
            case 5 where key.elementsEqual("PPid:".utf8): t.ppid = first()
            case 6 where key.elementsEqual("NSpid:".utf8): t.pids = all()
            case 6 where key.elementsEqual("NSsid:".utf8): t.sids = all()
            case 6 where key.elementsEqual("State:".utf8): t.isZombie = value.first == UInt8(ascii: "Z")
            case 7 where key.elementsEqual("NSpgid:".utf8): t.pgids = all()
            case 7 where key.elementsEqual("SigIgn:".utf8):
                t.ignoresSigchld = (UInt64(String(decoding: value, as: UTF8.self), radix: 16) ?? 0) & Self.sigchldBit != 0
            case 8 where key.elementsEqual("Threads:".utf8): t.threads = first()
            default: break
            }
        }
        guard !t.pids.isEmpty else { throw DumpError("no NSpid in \(path)") }
        return t
    }

    /// A decimal number (digits only, as status shows them); nil when it is not one.
    static func number<T: FixedWidthInteger>(_ bytes: ArraySlice<UInt8>) -> T? {
        guard !bytes.isEmpty else { return nil }
        var v: T = 0
        for b in bytes {
            guard b >= 0x30 && b <= 0x39 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(T(b - 0x30))
            guard !o1 && !o2 else { return nil }
            v = a
        }
        return v
    }

    /// status shows a newline in the name as `\n` and a backslash as `\\`.
    static func unescapeName(_ escaped: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        var i = escaped.startIndex
        while i < escaped.endIndex {
            if escaped[i] == UInt8(ascii: "\\"), i + 1 < escaped.endIndex {
                out.append(escaped[i + 1] == UInt8(ascii: "n") ? UInt8(ascii: "\n") : escaped[i + 1])
                i += 2
            } else {
                out.append(escaped[i])
                i += 1
            }
        }
        return out
    }

    /// SIGCHLD (17) in a SigIgn mask.
    static let sigchldBit: UInt64 = 1 << 16

    /// A task's serial, from the inode number of its directory (docs/interface.md §2.2: it
    /// encodes the serial, which grows with every task made): the creation order of threads,
    /// which `stat` start times (clock ticks) cannot give for threads made in the same tick.
    func serial(_ path: String) throws(DumpError) -> UInt64 {
        guard let node = tree.inode(path).flatMap(NodeRef.init(inode:)) else { throw DumpError("cannot stat \(path)") }
        return node.serial
    }

    /// Field `n` (from 1) of a stat file, a number from field 3 on.
    func statField(_ path: String, _ n: Int) throws(DumpError) -> Int64 {
        guard let stat = tree.read(path), let close = stat.lastIndex(of: UInt8(ascii: ")")) else { throw DumpError("cannot read \(path)") }
        let fields = stat[(close + 2)...].split(separator: UInt8(ascii: " "))
        guard fields.count > n - 3, let v = Int64(String(decoding: fields[n - 3], as: UTF8.self).filter { $0 != "\n" }) else {
            throw DumpError("bad \(path)")
        }
        return v
    }

    func pendingIds(_ path: String) throws(DumpError) -> [Int32]? {
        guard let line = tree.firstLine(path) else { throw DumpError("cannot read \(path)") }
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        return words.isEmpty ? nil : words.dropFirst().compactMap { Int32($0) }
    }

    /// Who is whose parent, and in which order: the children files of every thread of a
    /// process with several threads (only they tell which thread is the parent), of the others
    /// only with two or more children (one child needs no order; PPid names its parent).
    func childrenLists(_ processes: [Int32: ProcessFacts]) throws(DumpError) -> (lists: [Int32: [Int32]], parentThread: [Int32: Int32]) {
        var byParent: [Int32: [Int32]] = [:]
        for (g, p) in processes where g != 1 { byParent[p.leader.ppid, default: []].append(g) }
        var lists: [Int32: [Int32]] = [:]
        for (g, p) in processes {
            let kids = byParent[g] ?? []
            if p.threads.count == 1 && kids.count < 2 {
                if !kids.isEmpty { lists[g] = kids }
                continue
            }
            for t in p.threads {
                guard let text = tree.text("\(g)/task/\(t.tid)/children") else { throw DumpError("cannot read \(g)/task/\(t.tid)/children") }
                let list = text.split(separator: " ").compactMap { Int32($0) }
                if !list.isEmpty { lists[t.tid] = list }
            }
        }
        var parentThread: [Int32: Int32] = [:]
        for (tid, list) in lists { for c in list { parentThread[c] = tid } }
        return (lists, parentThread)
    }

    // MARK: namespaces

    /// The pid_max and ns_last_pid of the namespaces without tasks (a dead one, a zombie or
    /// dying init's), which only the top's `pid_namespaces` shows (a nextidfs extension); a
    /// namespace that never had a task (`e<tgid>`) has no inode to find there and keeps `-`
    /// (its defaults: nothing can change them).
    func fillHiddenCursors(_ records: inout [PidNamespaceRecord], _ withoutTasks: [(record: Int, inode: UInt32)]) throws(DumpError) {
        guard !withoutTasks.isEmpty else { return }
        guard let text = tree.text("pid_namespaces"), let states = PidNamespacesFormat.parse(text) else {
            throw DumpError("cannot read pid_namespaces")
        }
        let byInode = Dictionary(states.map { ($0.inode, $0) }, uniquingKeysWith: { a, _ in a })
        for (index, inode) in withoutTasks {
            guard let state = byInode[inode] else { throw DumpError("pid_namespaces has no pid:[\(inode)]") }
            records[index].pidMax = state.pidMax
            records[index].lastPid = state.lastPid
        }
    }

    func number(_ path: String) throws(DumpError) -> Int {
        guard let line = tree.firstLine(path), let v = Int(line) else { throw DumpError("cannot read \(path)") }
        return v
    }

    func ipcNamespace(_ name: IpcNamespaceName, dir: String, isRoot: Bool) throws(DumpError)
        -> (IpcNamespaceRecord, [IpcObjectRecord]) {
        var nextIds: [Int] = []
        var allocators: [IpcAllocatorState] = []
        var objects: [IpcObjectRecord] = []
        for kind in IpcKind.allCases {
            nextIds.append(try number("\(dir)/sys/kernel/\(kind.name)_next_id"))
            objects += try table(kind, dir: dir, namespace: name)
        }
        guard let ids = tree.text("\(dir)/sysvipc/ids") else { throw DumpError("cannot read \(dir)/sysvipc/ids") }
        for line in ids.split(separator: "\n").dropFirst() {
            let f = line.split(separator: " ")
            guard f.count == 4, let kind = IpcKind.allCases.first(where: { $0.name == f[0] }),
                  let seq = Int(f[1]), let last = Int(f[2]), let cursor = Int(f[3]) else {
                throw DumpError("bad line in \(dir)/sysvipc/ids: \(line)")
            }
            allocators.append(IpcAllocatorState(kind: kind, seq: seq, lastIdx: last, cursor: cursor))
        }
        guard allocators.map(\.kind) == IpcKind.allCases else { throw DumpError("bad \(dir)/sysvipc/ids") }
        return (IpcNamespaceRecord(name: name, nextIds: nextIds, isRoot: isRoot, allocators: allocators), objects)
    }

    /// The rows of a sysvipc table. Message contents and attachments cannot be restored: a
    /// queue with messages or an attached segment is refused rather than dropped.
    func table(_ kind: IpcKind, dir: String, namespace: IpcNamespaceName) throws(DumpError) -> [IpcObjectRecord] {
        guard let text = tree.text("\(dir)/sysvipc/\(kind.name)") else { throw DumpError("cannot read \(dir)/sysvipc/\(kind.name)") }
        var out: [IpcObjectRecord] = []
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: " ")
            // msg: key id perms cbytes qnum lspid lrpid uid gid cuid cgid ...
            // sem: key id perms nsems uid gid cuid cgid ...
            // shm: key id perms size cpid lpid nattch uid gid cuid cgid ...
            let owners: Int
            switch kind {
            case .msg:
                guard f.count > 10 else { throw DumpError("bad line in \(dir)/sysvipc/msg") }
                if f[3] != "0" || f[4] != "0" { throw DumpError("message queue \(f[1]) holds messages: not supported") }
                owners = 7
            case .sem:
                guard f.count > 7 else { throw DumpError("bad line in \(dir)/sysvipc/sem") }
                owners = 4
            case .shm:
                guard f.count > 10 else { throw DumpError("bad line in \(dir)/sysvipc/shm") }
                if f[6] != "0" { throw DumpError("shm \(f[1]) is attached: not supported") }
                owners = 7
            }
            guard let key = Int32(f[0]), let id = Int32(f[1]), let mode = UInt32(f[2], radix: 8),
                  let uid = UInt32(f[owners]), let gid = UInt32(f[owners + 1]), let cuid = UInt32(f[owners + 2]),
                  let cgid = UInt32(f[owners + 3]), let size = kind == .msg ? 0 : UInt64(f[3]) else {
                throw DumpError("bad line in \(dir)/sysvipc/\(kind.name): \(line)")
            }
            out.append(IpcObjectRecord(kind: kind, namespace: namespace, id: id, key: key, mode: mode, uid: uid, gid: gid,
                                       cuid: cuid, cgid: cgid, size: size))
        }
        return out
    }
}

public struct DumpError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ message: String) { description = message }
}
