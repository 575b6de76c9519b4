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
        var utf8 = Array(text.utf8)
        return utf8.withUnsafeMutableBufferPointer { decodeComm($0[...]) }
    }

    static func decodeComm(_ bytes: Field) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let b = bytes[i]
            if b == UInt8(ascii: "\\") {
                guard bytes.endIndex - i >= 4, bytes[i + 1] == UInt8(ascii: "x"), let v = hexByte(bytes[(i + 2)..<(i + 4)]) else { return nil }
                if v != 0 { out.append(v) }
                i += 4
            } else {
                out.append(b)
                i += 1
            }
        }
        return out
    }

    /// Two hex digits (else as `UInt8(_:radix: 16)` takes them).
    static func hexByte(_ two: Field) -> UInt8? {
        if let high = hexDigit(two[two.startIndex]), let low = hexDigit(two[two.startIndex + 1]) { return high << 4 | low }
        return UInt8(two.text, radix: 16)
    }

    static func hexDigit(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    // MARK: reading

    /// A field of a line: its bytes in the image text (the image is ASCII).
    typealias Field = Slice<UnsafeMutableBufferPointer<UInt8>>

    /// A version 1 or 2 image. Errors name the line.
    public static func parse(_ text: String) throws(ImageError) -> Image {
        // (on the bytes, fields as slices of them: Substrings for 30,000 lines and their fields
        // were most of a big world's parse)
        var bytes = Array(text.utf8)
        return try bytes.withUnsafeMutableBufferPointer { (buffer) throws(ImageError) -> Image in
            var reader = Reader(text: buffer)
            return try reader.read()
        }
    }

    /// `s` cut at every `byte` (empty pieces kept).
    static func split(_ s: Field, _ byte: UInt8) -> [Field] {
        var out: [Field] = []
        split(s, byte, into: &out)
        return out
    }

    /// (plain index loops: the collection algorithms on a Slice went through unspecialized code)
    static func split(_ s: Field, _ byte: UInt8, into out: inout [Field]) {
        var start = s.startIndex, i = start
        while i < s.endIndex {
            if s[i] == byte {
                out.append(s[start..<i])
                start = i + 1
            }
            i += 1
        }
        out.append(s[start..<s.endIndex])
    }

    struct Reader {
        let text: UnsafeMutableBufferPointer<UInt8>
        /// The lines, without their newlines (and without the empty one after the last newline).
        let lines: [Field]
        var number = 0
        var version = 0
        var image = Image(pidNamespaces: [], ipcNamespaces: [], processes: [], objects: [])
        var threads: [(tgid: Int32, record: ThreadRecord, line: Int)] = []
        var hasChildren = false
        /// Zombies and dying inits.
        var exited: [Int32] = []

        init(text: UnsafeMutableBufferPointer<UInt8>) {
            self.text = text
            var lines = ImageText.split(text[...], 0x0a)
            if lines.last?.isEmpty == true { lines.removeLast() }
            self.lines = lines
        }

        func fail(_ message: String) -> ImageError { ImageError(line: number, message: message) }

        mutating func read() throws(ImageError) -> Image {
            guard let header = lines.first.map(\.text), header.hasPrefix("nextidfs-image "),
                  let v = Int(header.dropFirst("nextidfs-image ".count)), (1...ImageText.version).contains(v) else {
                number = 1
                throw fail("not a nextidfs image of version 1 or 2 (header '\(lines.first?.text ?? "")')")
            }
            version = v
            var f: [Field] = []
            for i in 1..<max(lines.count, 1) {
                number = i + 1
                f.removeAll(keepingCapacity: true)
                ImageText.split(lines[i], 0x20, into: &f)
                switch f[0] {
                case "end":
                    try finish()
                    return image
                case "pidns": try pidns(f)
                case "ipcns": try ipcns(f)
                case "proc": try proc(f)
                case "thread": try thread(f)
                case "msg", "sem", "shm": try object(f)
                default: throw fail("unknown record '\(f[0].text)'")
                }
            }
            number = lines.count
            throw fail("truncated (no 'end' line)")
        }

        func count(_ f: [Field], _ n: Int) throws(ImageError) {
            guard f.count == n else { throw fail("\(f[0].text) record with \(f.count - 1) fields, not \(n - 1)") }
        }

        func int<T: FixedWidthInteger>(_ s: Field, _ what: String) throws(ImageError) -> T {
            var v: T = 0
            var negative = false
            var digits = 0
            var i = s.startIndex
            while i < s.endIndex {
                let b = s[i]
                i += 1
                if b == UInt8(ascii: "-") && digits == 0 && !negative && T.isSigned { negative = true; continue }
                guard b >= 0x30 && b <= 0x39 else { throw fail("bad \(what) '\(s.text)'") }
                let (m, o1) = v.multipliedReportingOverflow(by: 10)
                let (a, o2) = negative ? m.subtractingReportingOverflow(T(b - 0x30)) : m.addingReportingOverflow(T(b - 0x30))
                guard !o1 && !o2 else { throw fail("bad \(what) '\(s.text)'") }
                v = a
                digits += 1
            }
            guard digits > 0 else { throw fail("bad \(what) '\(s.text)'") }
            return v
        }

        func optionalInt(_ s: Field, _ what: String) throws(ImageError) -> Int? {
            s == "-" ? nil : try int(s, what)
        }

        func pidName(_ s: Field) throws(ImageError) -> PidNamespaceName {
            guard let n = PidNamespaceName(s) else { throw fail("bad pid namespace name '\(s.text)'") }
            return n
        }

        func ipcName(_ s: Field) throws(ImageError) -> IpcNamespaceName {
            guard let n = IpcNamespaceName(s) else { throw fail("bad IPC namespace name '\(s.text)'") }
            return n
        }

        func pids(_ s: Field, _ what: String) throws(ImageError) -> [Int32] {
            var out: [Int32] = []
            var start = s.startIndex, i = start
            while i < s.endIndex {
                if s[i] == 0x2c {
                    out.append(try int(s[start..<i], what))
                    start = i + 1
                }
                i += 1
            }
            out.append(try int(s[start..<s.endIndex], what))
            return out
        }

        mutating func pidns(_ f: [Field]) throws(ImageError) {
            try count(f, 6)
            image.pidNamespaces.append(PidNamespaceRecord(
                name: try pidName(f[1]), parent: f[2] == "-" ? nil : try pidName(f[2]), level: try int(f[3], "level"),
                pidMax: try optionalInt(f[4], "pid_max"), lastPid: try optionalInt(f[5], "ns_last_pid")))
        }

        mutating func ipcns(_ f: [Field]) throws(ImageError) {
            try count(f, version == 1 ? 6 : 9)
            var allocators = IpcKind.allCases.map(IpcAllocatorState.pristine)
            if version > 1 {
                for kind in IpcKind.allCases {
                    let v = ImageText.split(f[6 + kind.rawValue], 0x2c)
                    guard v.count == 3 else { throw fail("bad \(kind.name) allocator state '\(f[6 + kind.rawValue].text)'") }
                    allocators[kind.rawValue] = IpcAllocatorState(
                        kind: kind, seq: try int(v[0], "seq"), lastIdx: try int(v[1], "last_idx"), cursor: try int(v[2], "idr_next"))
                }
            }
            image.ipcNamespaces.append(IpcNamespaceRecord(
                name: try ipcName(f[1]), nextIds: [try int(f[2], "msg_next_id"), try int(f[3], "sem_next_id"), try int(f[4], "shm_next_id")],
                isRoot: f[5] == "1", allocators: allocators))
        }

        mutating func proc(_ f: [Field]) throws(ImageError) {
            try count(f, version == 1 ? 8 : 13)
            let pidNamespace = try pidName(f[3])
            var p = ProcessRecord(
                tgid: try int(f[1], "tgid"), parentTid: try int(f[2], "parent"), pidNamespace: pidNamespace,
                pidForChildren: pidNamespace, ipcNamespace: .root, uid: try int(f[6], "uid"), gid: try int(f[7], "gid"), threads: [])
            if version > 1 {
                guard f[10] == "S" || f[10] == "Z" || f[10] == "D" else { throw fail("bad state '\(f[10].text)'") }
                guard f[12] == "ign" || f[12] == "dfl" else { throw fail("bad SIGCHLD disposition '\(f[12].text)'") }
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

        mutating func thread(_ f: [Field]) throws(ImageError) {
            try count(f, version == 1 ? 6 : 7)
            var pending: [Int32]? = nil
            if f[4] != "-" {
                let parts = ImageText.split(f[4], 0x2c)
                guard let first = parts.first?.text, first.hasPrefix("LONG"), parts.count >= 2 else { throw fail("bad next_id '\(f[4].text)'") }
                pending = try parts.dropFirst().map { (p) throws(ImageError) -> Int32 in try int(p, "next_id") }
                let n = first == "LONG" ? 1 : Int(first.dropFirst(4)) ?? -1
                guard n == pending!.count else { throw fail("bad next_id '\(f[4].text)'") }
            }
            guard let comm = decodeComm(f[5]) else { throw fail("bad comm '\(f[5].text)'") }
            let children = version == 1 || f[6] == "-" ? [] : try pids(f[6], "child")
            hasChildren = version > 1
            threads.append((try int(f[2], "tgid"), ThreadRecord(
                tid: try int(f[1], "tid"), pids: try pids(f[3], "pid"), pendingIds: pending, comm: comm, children: children), number))
        }

        mutating func object(_ f: [Field]) throws(ImageError) {
            try count(f, 10)
            let kind: IpcKind = f[0] == "msg" ? .msg : f[0] == "sem" ? .sem : .shm
            guard let mode = octal(f[4]) else { throw fail("bad mode '\(f[4].text)'") }
            image.objects.append(IpcObjectRecord(
                kind: kind, namespace: try ipcName(f[1]), id: try int(f[2], "id"), key: try int(f[3], "key"), mode: mode,
                uid: try int(f[5], "uid"), gid: try int(f[6], "gid"), cuid: try int(f[7], "cuid"), cgid: try int(f[8], "cgid"),
                size: kind == .msg ? 0 : try int(f[9], kind == .sem ? "nsems" : "size")))
        }

        /// A mode: octal digits (ten at most cannot overflow), else as `UInt32(_:radix: 8)` takes it.
        func octal(_ s: Field) -> UInt32? {
            guard !s.isEmpty, s.count <= 10 else { return UInt32(s.text, radix: 8) }
            var v: UInt32 = 0, i = s.startIndex
            while i < s.endIndex {
                guard s[i] >= 0x30 && s[i] <= 0x37 else { return UInt32(s.text, radix: 8) }
                v = v << 3 | UInt32(s[i] - 0x30)
                i += 1
            }
            return v
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
            for (i, l) in lines.enumerated() where l.starts(with: prefix.utf8) {
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

extension Slice<UnsafeMutableBufferPointer<UInt8>> {
    /// The field as text (messages, and the few fields read through the standard parsers).
    var text: String { String(decoding: self, as: UTF8.self) }

    static func == (field: Self, word: StaticString) -> Bool {
        guard field.count == word.utf8CodeUnitCount else { return false }
        var i = field.startIndex, p = word.utf8Start
        while i < field.endIndex {
            guard field[i] == p.pointee else { return false }
            i += 1
            p += 1
        }
        return true
    }

    static func != (field: Self, word: StaticString) -> Bool { !(field == word) }

    /// A pattern for `switch`.
    static func ~= (word: StaticString, field: Self) -> Bool { field == word }
}

extension PidNamespaceName {
    /// As `init?(_: Substring)` reads it, on the bytes.
    init?(_ field: ImageText.Field) {
        guard let kind = field.first, let n = ImageText.int32(field.dropFirst()), n > 0 else { return nil }
        switch kind {
        case UInt8(ascii: "p"): self = .live(initPid: n)
        case UInt8(ascii: "e"): self = .empty(unsharer: n)
        case UInt8(ascii: "d"): self = .dead(unsharer: n)
        default: return nil
        }
    }
}

extension IpcNamespaceName {
    /// As `init?(_: Substring)` reads it, on the bytes.
    init?(_ field: ImageText.Field) {
        if field == "root" { self = .root; return }
        guard field.first == UInt8(ascii: "i"), let n = ImageText.int32(field.dropFirst()), n > 0 else { return nil }
        self = .member(n)
    }
}

extension ImageText {
    /// A number as `Int32(_: Substring)` reads it: a sign (`+` or `-`) or none, then digits.
    static func int32(_ s: Field) -> Int32? {
        var i = s.startIndex
        var negative = false
        if i < s.endIndex, s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-") {
            negative = s[i] == UInt8(ascii: "-")
            i += 1
        }
        guard i < s.endIndex else { return nil }
        var v: Int32 = 0
        while i < s.endIndex {
            guard s[i] >= 0x30 && s[i] <= 0x39 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let d = Int32(s[i] - 0x30)
            let (a, o2) = negative ? m.subtractingReportingOverflow(d) : m.addingReportingOverflow(d)
            guard !o1 && !o2 else { return nil }
            v = a
            i += 1
        }
        return v
    }
}
