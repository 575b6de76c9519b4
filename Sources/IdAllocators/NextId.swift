/// The ids a thread asked for through next_id (the 2008 proposal, docs/interface.md §3): one to
/// 32 ids, `ids[0]` for the object's own (innermost) pid namespace, then its parents, as in
/// clone3's set_tid. IPC objects take exactly one, the full IPC id.
public struct PendingIds: Sendable, Equatable, CustomStringConvertible {
    public let ids: [Int32]

    /// nil unless 1...32 ids, each 0...Int32.max.
    public init?(_ ids: [Int32]) {
        guard (1...Limits.maxPendingIds).contains(ids.count), ids.allSatisfy({ $0 >= 0 }) else { return nil }
        self.ids = ids
    }

    /// The canonical form that reading next_id shows: `LONG X` or `LONG<n> X0 ... X<n-1>`.
    public var description: String {
        let word = ids.count == 1 ? "LONG" : "LONG\(ids.count)"
        return ([word] + ids.map(String.init)).joined(separator: " ")
    }
}

/// Pending ids are per thread and consumed by that thread's next creating call
/// (Fork.swift, IpcGet.swift say exactly when).
extension Machine {
    func setPendingIds(of t: TaskIndex, _ ids: PendingIds?) -> Result<Int64, Errno> {
        pendingIds[t] = ids?.ids
        tasks[Int(t)].hasPendingIds = ids != nil
        return .success(0)
    }

    func pendingIds(of t: TaskIndex) -> [Int32]? {
        tasks[Int(t)].hasPendingIds ? pendingIds[t] : nil
    }

    func takePendingIds(of t: TaskIndex) -> [Int32]? {
        guard tasks[Int(t)].hasPendingIds else { return nil }
        tasks[Int(t)].hasPendingIds = false
        return pendingIds.removeValue(forKey: t)
    }
}
