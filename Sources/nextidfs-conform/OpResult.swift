import IdAllocators

/// The result of one operation, and its line in the output format of docs/ops-format.md.
enum OpResult: Equatable {
    case value(Int64)
    /// A task creation: the child's pid in the actor's namespace, its handle, its pids from the
    /// root namespace down.
    case created(value: Int64, handle: Int, pids: [Int32])
    /// `read nspid`: the pids, root namespace first.
    case pids([Int32])
    /// `read ipc`: one row per object in idx order.
    case table([IpcRow])
    case failure(Int32)

    func line(_ number: Int) -> String {
        switch self {
        case .value(let v): "\(number) = \(v)"
        case .created(let v, let h, let pids): "\(number) = \(v) h\(h)" + pids.map { " \($0)" }.joined()
        case .pids(let pids): "\(number) =" + pids.map { " \($0)" }.joined()
        case .table(let rows): "\(number) = " + (rows.isEmpty ? "-" : rows.map(\.token).joined(separator: " "))
        case .failure(let e): "\(number) ! \(ErrnoName.of(e))"
        }
    }

    var errno: Int32? {
        if case .failure(let e) = self { return e }
        return nil
    }
}

/// One row of /proc/sysvipc/*, as the output format shows it:
/// `id:key:mode:uid:gid:cuid:cgid[:nsems|:size]` (key decimal, mode octal).
struct IpcRow: Equatable {
    var kind: IpcKind
    var id: Int32
    var key: Int32
    var mode: UInt32
    var uid: UInt32
    var gid: UInt32
    var cuid: UInt32
    var cgid: UInt32
    /// nsems for sem, size for shm; unused for msg.
    var extra: UInt64

    var token: String {
        let base = "\(id):\(key):\(String(mode, radix: 8)):\(uid):\(gid):\(cuid):\(cgid)"
        return kind == .msg ? base : base + ":\(extra)"
    }
}

/// errno names as kernelrun prints them (strerrorname_np).
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
