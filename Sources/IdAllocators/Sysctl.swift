/// The sysctl files of docs/interface.md §5.2, per namespace.
public enum SysctlName: String, Sendable, CaseIterable {
    case nsLastPid = "ns_last_pid"
    case pidMax = "pid_max"
    case msgNextId = "msg_next_id"
    case semNextId = "sem_next_id"
    case shmNextId = "shm_next_id"

    /// The IPC id type of a *_next_id file.
    public var ipcKind: IpcKind? {
        switch self {
        case .msgNextId: .msg
        case .semNextId: .sem
        case .shmNextId: .shm
        case .nsLastPid, .pidMax: nil
        }
    }
}

/// What a write to a sysctl file holds: a number, or text that is not one.
public enum SysctlInput: Sendable, Equatable {
    case number(Int64)
    case notANumber
}

/// Reads and writes of the sysctl files, with the kernel's ranges. A write needs uid 0 (EPERM,
/// checked before the value); text that is not a number, or a number out of range, is EINVAL.
extension Machine {
    func readSysctl(_ name: SysctlName, pidNamespace: Int32, ipcNamespace: Int32) -> Int64 {
        switch name {
        case .nsLastPid:
            Int64(pidNamespaces[Int(pidNamespace)].lastPid)
        case .pidMax:
            Int64(pidNamespaces[Int(pidNamespace)].pidMax)
        case .msgNextId, .semNextId, .shmNextId:
            Int64(ipcNamespaces[Int(ipcNamespace)].ids[name.ipcKind!.rawValue].nextId)
        }
    }

    func writeSysctl(_ name: SysctlName, _ input: SysctlInput, uid: UInt32, pidNamespace: Int32, ipcNamespace: Int32) -> Result<Int64, Errno> {
        operations += 1
        guard uid == 0 else { return .failure(.EPERM) }
        guard case .number(let value) = input else { return .failure(.EINVAL) }
        switch name {
        case .nsLastPid:
            // 0...pid_max; the next automatic pid is the first free one from value + 1.
            guard value >= 0, value <= Int64(pidNamespaces[Int(pidNamespace)].pidMax) else { return .failure(.EINVAL) }
            pidNamespaces[Int(pidNamespace)].idr.cursor = Int(value) + 1
        case .pidMax:
            guard value >= Int64(Limits.pidMaxMin), value <= Int64(Limits.pidMaxLimit) else { return .failure(.EINVAL) }
            pidNamespaces[Int(pidNamespace)].pidMax = Int(value)
        case .msgNextId, .semNextId, .shmNextId:
            guard value >= 0, value <= Int64(Int32.max) else { return .failure(.EINVAL) }
            ipcNamespaces[Int(ipcNamespace)].ids[name.ipcKind!.rawValue].nextId = Int(value)
        }
        return .success(0)
    }
}
