import IdAllocators

/// The image as text (docs/restore.md): one record per line, fields separated by single spaces,
/// `-` for "none". Version 2 is written; versions 1 and 2 are read.
public enum ImageText {
    public static let version = 2

    // MARK: writing

    /// The image in version 2, records in the canonical order (two dumps of equal worlds are
    /// equal byte for byte).
    public static func write(_ image: Image) -> String {
        var out = "nextidfs-image \(version)\n"
        for ns in image.pidNamespaces.sorted(by: pidNamespaceOrder) {
            out += "pidns \(ns.name) \(ns.parent.map { "\($0)" } ?? "-") \(ns.level) \(field(ns.pidMax)) \(field(ns.lastPid))\n"
        }
        for ns in image.ipcNamespaces.sorted(by: { $0.name.sortKey < $1.name.sortKey }) {
            let ids = ns.allocators.map { "\($0.seq),\($0.lastIdx),\($0.cursor)" }.joined(separator: " ")
            out += "ipcns \(ns.name) \(ns.nextIds.map(String.init).joined(separator: " ")) \(ns.isRoot ? 1 : 0) \(ids)\n"
        }
        let processes = image.processes.sorted { $0.tgid < $1.tgid }
        for p in processes {
            let namespaces = p.hasExited ? "- -" : "\(p.pidForChildren) \(p.ipcNamespace)"
            out += "proc \(p.tgid) \(p.parentTid) \(p.pidNamespace) \(namespaces) \(p.uid) \(p.gid) \(list(p.pgids)) \(list(p.sids)) "
                + "\(p.isZombie ? "Z" : p.isDying ? "D" : "S") \(p.exitCode) \(p.ignoresSigchld ? "ign" : "dfl")\n"
        }
        for p in processes {
            for t in p.threads {
                let pending = t.pendingIds.map { (["LONG" + ($0.count == 1 ? "" : "\($0.count)")] + $0.map(String.init)).joined(separator: ",") } ?? "-"
                out += "thread \(t.tid) \(p.tgid) \(list(t.pids)) \(pending) \(encodeComm(t.comm)) \(t.children.isEmpty ? "-" : list(t.children))\n"
            }
        }
        for o in image.objects.sorted(by: objectOrder) {
            let extra = o.kind == .msg ? "-" : "\(o.size)"
            out += "\(o.kind.name) \(o.namespace) \(o.id) \(o.key) \(String(o.mode, radix: 8)) \(o.uid) \(o.gid) \(o.cuid) \(o.cgid) \(extra)\n"
        }
        return out + "end\n"
    }

    /// pidns lines: by level, those with tasks first, then by number.
    static func pidNamespaceOrder(_ a: PidNamespaceRecord, _ b: PidNamespaceRecord) -> Bool {
        (a.level, a.name.hasTasks ? 0 : 1, a.name.number) < (b.level, b.name.hasTasks ? 0 : 1, b.name.number)
    }

    /// Objects: by namespace (as the ipcns lines), then msg, sem, shm, then id.
    static func objectOrder(_ a: IpcObjectRecord, _ b: IpcObjectRecord) -> Bool {
        (a.namespace.sortKey, a.kind.rawValue, a.id) < (b.namespace.sortKey, b.kind.rawValue, b.id)
    }

    static func field(_ value: Int?) -> String { value.map(String.init) ?? "-" }
    static func list(_ values: [Int32]) -> String { values.map(String.init).joined(separator: ",") }

    /// comm: bytes outside `!`..`~` and the backslash as `\xHH` (`printf %b` undoes it); an
    /// empty comm is `\x00`.
    public static func encodeComm(_ comm: [UInt8]) -> String {
        if comm.isEmpty { return "\\x00" }
        var out = ""
        for b in comm {
            if b <= 32 || b >= 127 || b == UInt8(ascii: "\\") {
                out += "\\x" + (b < 16 ? "0" : "") + String(b, radix: 16)
            } else {
                out.unicodeScalars.append(Unicode.Scalar(b))
            }
        }
        return out
    }

    static func decodeComm(_ text: Substring) -> [UInt8]? {
        var out: [UInt8] = []
        var bytes = Array(text.utf8)[...]
        while let b = bytes.first {
            if b == UInt8(ascii: "\\") {
                guard bytes.count >= 4, bytes[bytes.startIndex + 1] == UInt8(ascii: "x"),
                      let v = UInt8(String(decoding: bytes.dropFirst(2).prefix(2), as: UTF8.self), radix: 16) else { return nil }
                if v != 0 { out.append(v) }
                bytes = bytes.dropFirst(4)
            } else {
                out.append(b)
                bytes = bytes.dropFirst()
            }
        }
        return out
    }

    // MARK: reading

    /// A version 1 or 2 image. Errors name the line.
    public static func parse(_ text: String) throws(ImageError) -> Image {
        var lines = split(Substring(text), 0x0a)
        if lines.last == "" { lines.removeLast() }
        var reader = Reader(lines: lines)
        return try reader.read()
    }

    /// `s` cut at every `byte` (empty pieces kept), on its bytes: the image is ASCII.
    static func split(_ s: Substring, _ byte: UInt8) -> [Substring] {
        var out: [Substring] = []
        let u = s.utf8
        // (the cuts found on the contiguous bytes, the pieces by index arithmetic: walking the
        // view's indices and aligning each piece was most of the parse)
        let done: Bool? = u.withContiguousStorageIfAvailable { bytes in
            var start = s.startIndex, offset = 0
            for k in bytes.indices where bytes[k] == byte {
                let end = u.index(start, offsetBy: k - offset)
                out.append(s[start..<end])
                start = u.index(after: end)
                offset = k + 1
            }
            out.append(s[start..<s.endIndex])
            return true
        }
        guard done != nil else {
            var start = u.startIndex, i = start
            while i != u.endIndex {
                if u[i] == byte {
                    out.append(Substring(u[start..<i]))
                    start = u.index(after: i)
                }
                i = u.index(after: i)
            }
            out.append(Substring(u[start..<i]))
            return out
        }
        return out
    }

    struct Reader {
        let lines: [Substring]
        var number = 0
        var version = 0
        var image = Image(pidNamespaces: [], ipcNamespaces: [], processes: [], objects: [])
        var threads: [(tgid: Int32, record: ThreadRecord, line: Int)] = []
        var hasChildren = false
        /// Zombies and dying inits.
        var exited: [Int32] = []

        init(lines: [Substring]) { self.lines = lines }

        func fail(_ message: String) -> ImageError { ImageError(line: number, message: message) }

        mutating func read() throws(ImageError) -> Image {
            guard let header = lines.first, header.hasPrefix("nextidfs-image "),
                  let v = Int(header.dropFirst("nextidfs-image ".count)), (1...ImageText.version).contains(v) else {
                number = 1
                throw fail("not a nextidfs image of version 1 or 2 (header '\(lines.first ?? "")')")
            }
            version = v
            for (i, line) in lines.enumerated().dropFirst() {
                number = i + 1
                let f = ImageText.split(line, 0x20)
                switch f[0] {
                case "end":
                    try finish()
                    return image
                case "pidns": try pidns(f)
                case "ipcns": try ipcns(f)
                case "proc": try proc(f)
                case "thread": try thread(f)
                case "msg", "sem", "shm": try object(f)
                default: throw fail("unknown record '\(f[0])'")
                }
            }
            number = lines.count
            throw fail("truncated (no 'end' line)")
        }

        func count(_ f: [Substring], _ n: Int) throws(ImageError) {
            guard f.count == n else { throw fail("\(f[0]) record with \(f.count - 1) fields, not \(n - 1)") }
        }

        func int<T: FixedWidthInteger>(_ s: Substring, _ what: String) throws(ImageError) -> T {
            // (on the bytes: the standard parser goes through generic code)
            var v: T = 0
            var negative = false
            var digits = 0
            for b in s.utf8 {
                if b == UInt8(ascii: "-") && digits == 0 && !negative && T.isSigned { negative = true; continue }
                guard b >= 0x30 && b <= 0x39 else { throw fail("bad \(what) '\(s)'") }
                let (m, o1) = v.multipliedReportingOverflow(by: 10)
                let (a, o2) = negative ? m.subtractingReportingOverflow(T(b - 0x30)) : m.addingReportingOverflow(T(b - 0x30))
                guard !o1 && !o2 else { throw fail("bad \(what) '\(s)'") }
                v = a
                digits += 1
            }
            guard digits > 0 else { throw fail("bad \(what) '\(s)'") }
            return v
        }

        func optionalInt(_ s: Substring, _ what: String) throws(ImageError) -> Int? {
            s == "-" ? nil : try int(s, what)
        }

        func pidName(_ s: Substring) throws(ImageError) -> PidNamespaceName {
            guard let n = PidNamespaceName(s) else { throw fail("bad pid namespace name '\(s)'") }
            return n
        }

        func ipcName(_ s: Substring) throws(ImageError) -> IpcNamespaceName {
            guard let n = IpcNamespaceName(s) else { throw fail("bad IPC namespace name '\(s)'") }
            return n
        }

        func pids(_ s: Substring, _ what: String) throws(ImageError) -> [Int32] {
            var out: [Int32] = []
            for part in ImageText.split(s, 0x2c) { out.append(try int(part, what)) }
            return out
        }

        mutating func pidns(_ f: [Substring]) throws(ImageError) {
            try count(f, 6)
            image.pidNamespaces.append(PidNamespaceRecord(
                name: try pidName(f[1]), parent: f[2] == "-" ? nil : try pidName(f[2]), level: try int(f[3], "level"),
                pidMax: try optionalInt(f[4], "pid_max"), lastPid: try optionalInt(f[5], "ns_last_pid")))
        }

        mutating func ipcns(_ f: [Substring]) throws(ImageError) {
            try count(f, version == 1 ? 6 : 9)
            var allocators = IpcKind.allCases.map(IpcAllocatorState.pristine)
            if version > 1 {
                for kind in IpcKind.allCases {
                    let v = ImageText.split(f[6 + kind.rawValue], 0x2c)
                    guard v.count == 3 else { throw fail("bad \(kind.name) allocator state '\(f[6 + kind.rawValue])'") }
                    allocators[kind.rawValue] = IpcAllocatorState(
                        kind: kind, seq: try int(v[0], "seq"), lastIdx: try int(v[1], "last_idx"), cursor: try int(v[2], "idr_next"))
                }
            }
            image.ipcNamespaces.append(IpcNamespaceRecord(
                name: try ipcName(f[1]), nextIds: [try int(f[2], "msg_next_id"), try int(f[3], "sem_next_id"), try int(f[4], "shm_next_id")],
                isRoot: f[5] == "1", allocators: allocators))
        }

        mutating func proc(_ f: [Substring]) throws(ImageError) {
            try count(f, version == 1 ? 8 : 13)
            let pidNamespace = try pidName(f[3])
            var p = ProcessRecord(
                tgid: try int(f[1], "tgid"), parentTid: try int(f[2], "parent"), pidNamespace: pidNamespace,
                pidForChildren: pidNamespace, ipcNamespace: .root, uid: try int(f[6], "uid"), gid: try int(f[7], "gid"), threads: [])
            if version > 1 {
                guard f[10] == "S" || f[10] == "Z" || f[10] == "D" else { throw fail("bad state '\(f[10])'") }
                guard f[12] == "ign" || f[12] == "dfl" else { throw fail("bad SIGCHLD disposition '\(f[12])'") }
                p.pgids = try pids(f[8], "pgid")
                p.sids = try pids(f[9], "sid")
                p.isZombie = f[10] == "Z"
                p.isDying = f[10] == "D"
                p.exitCode = try int(f[11], "exit code")
                p.ignoresSigchld = f[12] == "ign"
            }
            if p.hasExited {
                guard f[4] == "-", f[5] == "-" else { throw fail("\(p.isZombie ? "zombie" : "dying init") \(p.tgid) with namespaces") }
                exited.append(p.tgid)
            } else {
                p.pidForChildren = try pidName(f[4])
                p.ipcNamespace = try ipcName(f[5])
            }
            image.processes.append(p)
        }

        mutating func thread(_ f: [Substring]) throws(ImageError) {
            try count(f, version == 1 ? 6 : 7)
            var pending: [Int32]? = nil
            if f[4] != "-" {
                let parts = ImageText.split(f[4], 0x2c)
                guard let first = parts.first, first.hasPrefix("LONG"), parts.count >= 2 else { throw fail("bad next_id '\(f[4])'") }
                pending = try parts.dropFirst().map { (p) throws(ImageError) -> Int32 in try int(p, "next_id") }
                let n = first == "LONG" ? 1 : Int(first.dropFirst(4)) ?? -1
                guard n == pending!.count else { throw fail("bad next_id '\(f[4])'") }
            }
            guard let comm = decodeComm(f[5]) else { throw fail("bad comm '\(f[5])'") }
            let children = version == 1 || f[6] == "-" ? [] : try pids(f[6], "child")
            hasChildren = version > 1
            threads.append((try int(f[2], "tgid"), ThreadRecord(
                tid: try int(f[1], "tid"), pids: try pids(f[3], "pid"), pendingIds: pending, comm: comm, children: children), number))
        }

        mutating func object(_ f: [Substring]) throws(ImageError) {
            try count(f, 10)
            let kind: IpcKind = f[0] == "msg" ? .msg : f[0] == "sem" ? .sem : .shm
            guard let mode = UInt32(f[4], radix: 8) else { throw fail("bad mode '\(f[4])'") }
            image.objects.append(IpcObjectRecord(
                kind: kind, namespace: try ipcName(f[1]), id: try int(f[2], "id"), key: try int(f[3], "key"), mode: mode,
                uid: try int(f[5], "uid"), gid: try int(f[6], "gid"), cuid: try int(f[7], "cuid"), cgid: try int(f[8], "cgid"),
                size: kind == .msg ? 0 : try int(f[9], kind == .sem ? "nsems" : "size")))
        }

        /// Threads join their processes (leader first, then image order); a version 1 image's
        /// children lists come from the parent fields, in tgid order.
        mutating func finish() throws(ImageError) {
            var index: [Int32: Int] = [:]
            for (i, p) in image.processes.enumerated() {
                guard index[p.tgid] == nil else {
                    number = lineOf("proc \(p.tgid) ", nth: 2)
                    throw fail("process \(p.tgid) twice")
                }
                index[p.tgid] = i
            }
            var seen = Set<Int32>()
            for (tgid, t, line) in threads {
                number = line
                guard seen.insert(t.tid).inserted else { throw fail("thread \(t.tid) twice") }
                guard let i = index[tgid] else { throw fail("thread \(t.tid) of process \(tgid), which has no proc line") }
                if t.tid == tgid { image.processes[i].threads.insert(t, at: 0) } else { image.processes[i].threads.append(t) }
            }
            for p in image.processes where p.threads.first?.tid != p.tgid {
                number = lineOf("proc \(p.tgid) ")
                throw fail("process \(p.tgid) has no thread line for its leader")
            }
            // A zombie stands in its parent's IPC namespace, a dying init in its nearest live
            // ancestor's (its parent may be a dying init too: one that killed it).
            var groupOfTid: [Int32: Int] = [:]
            for (i, p) in image.processes.enumerated() { for t in p.threads { groupOfTid[t.tid] = i } }
            for z in exited {
                var up = groupOfTid[image.processes[index[z]!].parentTid]
                while let u = up, image.processes[u].isDying { up = groupOfTid[image.processes[u].parentTid] }
                guard let u = up, !image.processes[u].isZombie, image.processes[index[z]!].isDying || u == groupOfTid[image.processes[index[z]!].parentTid] else {
                    number = lineOf("proc \(z) ")
                    throw fail("\(image.processes[index[z]!].isZombie ? "zombie" : "dying init") \(z) has no live parent")
                }
                image.processes[index[z]!].ipcNamespace = image.processes[u].ipcNamespace
            }
            if !hasChildren {
                var tidIndex: [Int32: (Int, Int)] = [:]
                for (i, p) in image.processes.enumerated() {
                    for (j, t) in p.threads.enumerated() { tidIndex[t.tid] = (i, j) }
                }
                for p in image.processes.sorted(by: { $0.tgid < $1.tgid }) where p.parentTid != 0 {
                    if let (i, j) = tidIndex[p.parentTid] { image.processes[i].threads[j].children.append(p.tgid) }
                }
            }
            number = lines.count
        }

        func lineOf(_ prefix: String, nth: Int = 1) -> Int {
            var k = 0
            for (i, l) in lines.enumerated() where l.hasPrefix(prefix) {
                k += 1
                if k == nth { return i + 1 }
            }
            return 0
        }
    }
}

/// A malformed image: the line and what is wrong.
public struct ImageError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var message: String
    public var description: String { line > 0 ? "line \(line): \(message)" : message }
}

extension PidNamespaceName {
    var number: Int32 {
        switch self {
        case .live(let n), .empty(let n), .dead(let n): n
        }
    }
}

extension IpcNamespaceName {
    /// `root` first, then by member.
    var sortKey: Int32 {
        switch self {
        case .root: 0
        case .member(let g): g
        }
    }
}
