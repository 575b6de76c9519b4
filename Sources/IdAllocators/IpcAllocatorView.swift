/// What Linux keeps hidden of an IPC id type in a namespace (struct ipc_ids): the sequence
/// counter, the idx of the last automatic allocation and the idr's cyclic cursor. Together with
/// the objects in use they decide every later automatic id; nextidfs shows them read-only in
/// `sysvipc/ids` (a documented extension) so that a restore can reproduce them.
public struct IpcAllocatorState: Sendable, Equatable, Hashable {
    public var kind: IpcKind
    /// ids->seq: the seq of the next automatic id once idx wraps.
    public var seq: Int
    /// ids->last_idx: -1 before the first automatic allocation.
    public var lastIdx: Int
    /// idr_next: where the next automatic idx search starts.
    public var cursor: Int

    public init(kind: IpcKind, seq: Int, lastIdx: Int, cursor: Int) {
        self.kind = kind
        self.seq = seq
        self.lastIdx = lastIdx
        self.cursor = cursor
    }

    /// A namespace's state before any automatic allocation.
    public static func pristine(_ kind: IpcKind) -> IpcAllocatorState {
        IpcAllocatorState(kind: kind, seq: 0, lastIdx: -1, cursor: 0)
    }
}

extension Machine {
    func ipcAllocators(namespace ns: Int32) -> [IpcAllocatorState] {
        IpcKind.allCases.map { kind in
            let ids = ipcNamespaces[Int(ns)].ids[kind.rawValue]
            return IpcAllocatorState(kind: kind, seq: ids.seq, lastIdx: ids.lastIdx, cursor: ids.idr.cursor)
        }
    }
}

extension Kernel {
    /// The allocator state of each IPC type in the actor's IPC namespace (msg, sem, shm).
    public func ipcAllocators(as actor: Actor) -> [IpcAllocatorState]? {
        withMachine { m in m.resolve(actor).map { m.ipcAllocators(namespace: $0.ipcNamespace) } }
    }
}
