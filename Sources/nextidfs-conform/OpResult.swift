import IdAllocators

/// The result of one operation, and its line in the output format of docs/ops-format.md.
enum OpResult: Equatable {
    case value(Int64)
    /// A task creation: the child's pid in the actor's namespace, its handle, its pids from the
    /// root namespace down.
    case created(value: Int64, handle: Int, pids: [Int32])
    /// `read nspid` (nspgid, nssid): the ids, root namespace first.
    case pids([Int32])
    /// `read stat`: its fields.
    case text(String)
    /// `read ipc`: one row per object in idx order.
    case table([IpcRow])
    case failure(Errno)

    func line(_ number: Int) -> String {
        switch self {
        case .value(let v): "\(number) = \(v)"
        case .created(let v, let h, let pids): "\(number) = \(v) h\(h)" + pids.map { " \($0)" }.joined()
        case .pids(let pids): "\(number) =" + pids.map { " \($0)" }.joined()
        case .text(let text): "\(number) = \(text)"
        case .table(let rows): "\(number) = " + (rows.isEmpty ? "-" : rows.map(\.token).joined(separator: " "))
        case .failure(let e): "\(number) ! \(e.name)"
        }
    }

    var errno: Errno? {
        if case .failure(let e) = self { return e }
        return nil
    }

    /// The errno's name, `E0` after a success (for the generator's statistics).
    var errnoName: String { errno?.name ?? "E0" }
}
