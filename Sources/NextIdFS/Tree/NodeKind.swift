/// Every kind of node in the tree (docs/interface.md §2) and where it sits. A node is a kind plus,
/// for per-process and per-thread kinds, the task it belongs to.
public enum NodeKind: UInt8, Sendable, CaseIterable {
    // The top of the mount: the root namespaces' files.
    case root = 1
    case taskLinksDir
    case rootSysvipcDir, rootSysvipcMsg, rootSysvipcSem, rootSysvipcShm
    case rootSysDir, rootSysKernelDir
    case rootNsLastPid, rootPidMax, rootMsgNextId, rootSemNextId, rootShmNextId
    /// uptime: how long the simulated machine has run (pstree reads it).
    case uptime

    // <pid>/: one per thread group.
    case processDir = 32
    case processStatus, processStat, processComm, processCmdline
    case nsDir, nsPid, nsPidForChildren, nsIpc
    case sysvipcDir, sysvipcMsg, sysvipcSem, sysvipcShm
    case sysDir, sysKernelDir
    case nsLastPid, pidMax, msgNextId, semNextId, shmNextId
    case threadsDir

    // <pid>/task/<tid>/: one per thread.
    case threadDir = 96
    case nextId, ctl, threadStatus, threadStat, threadComm, children
    /// task/<tid> at the top: a link to ../<tgid>/task/<tid>.
    case taskLink

    public enum Scope: Sendable { case machine, process, thread }

    public var scope: Scope {
        switch rawValue {
        case ..<NodeKind.processDir.rawValue: .machine
        case ..<NodeKind.threadDir.rawValue: .process
        default: .thread
        }
    }

    public enum FileType: Sendable { case directory, regular, symlink }

    public var type: FileType {
        switch self {
        case .root, .taskLinksDir, .rootSysvipcDir, .rootSysDir, .rootSysKernelDir,
             .processDir, .nsDir, .sysvipcDir, .sysDir, .sysKernelDir, .threadsDir, .threadDir:
            .directory
        case .nsPid, .nsPidForChildren, .nsIpc, .taskLink:
            .symlink
        default:
            .regular
        }
    }

    /// Permission bits, as procfs gives its files.
    public var permissions: UInt32 {
        switch self {
        case .nsDir: 0o511
        case .nextId, .ctl: 0o600
        case .nsLastPid, .pidMax, .msgNextId, .semNextId, .shmNextId,
             .rootNsLastPid, .rootPidMax, .rootMsgNextId, .rootSemNextId, .rootShmNextId: 0o644
        case .nsPid, .nsPidForChildren, .nsIpc, .taskLink: 0o777
        default: type == .directory ? 0o555 : 0o444
        }
    }

    /// The fixed entries of a directory, in listing order.
    public var fixedEntries: [(name: String, kind: NodeKind)] {
        switch self {
        case .root: [("task", .taskLinksDir), ("sysvipc", .rootSysvipcDir), ("sys", .rootSysDir), ("uptime", .uptime)]
        case .rootSysvipcDir: [("msg", .rootSysvipcMsg), ("sem", .rootSysvipcSem), ("shm", .rootSysvipcShm)]
        case .rootSysDir: [("kernel", .rootSysKernelDir)]
        case .rootSysKernelDir:
            [("msg_next_id", .rootMsgNextId), ("ns_last_pid", .rootNsLastPid), ("pid_max", .rootPidMax),
             ("sem_next_id", .rootSemNextId), ("shm_next_id", .rootShmNextId)]
        case .processDir:
            [("cmdline", .processCmdline), ("comm", .processComm), ("ns", .nsDir), ("stat", .processStat),
             ("status", .processStatus), ("sys", .sysDir), ("sysvipc", .sysvipcDir), ("task", .threadsDir)]
        case .nsDir: [("ipc", .nsIpc), ("pid", .nsPid), ("pid_for_children", .nsPidForChildren)]
        case .sysvipcDir: [("msg", .sysvipcMsg), ("sem", .sysvipcSem), ("shm", .sysvipcShm)]
        case .sysDir: [("kernel", .sysKernelDir)]
        case .sysKernelDir:
            [("msg_next_id", .msgNextId), ("ns_last_pid", .nsLastPid), ("pid_max", .pidMax),
             ("sem_next_id", .semNextId), ("shm_next_id", .shmNextId)]
        case .threadDir:
            [("children", .children), ("comm", .threadComm), ("ctl", .ctl), ("next_id", .nextId),
             ("stat", .threadStat), ("status", .threadStatus)]
        default: []
        }
    }
}
