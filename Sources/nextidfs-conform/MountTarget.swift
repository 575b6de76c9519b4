import IdAllocators
import NextIdFS

/// A live nextidfs mount, used only through its files: every operation is what a user of the
/// tree would do with open/read/write/close (and stat for a task's identity, its inode).
struct MountTarget: Target {
    let root: String

    func taskPath(_ task: TaskRef, _ file: String) -> String { "\(root)/\(task.tgid)/task/\(task.tid)/\(file)" }

    func text(_ path: String) -> Result<String, Errno> {
        FileIO.read(path).map { String(decoding: $0, as: UTF8.self) }
    }

    func ctl(_ line: String, by task: TaskRef) -> Result<Int64, Errno> {
        let path = taskPath(task, "ctl")
        switch FileIO.write(path, MountTarget.written(line)) {
        case .failure(let e): return .failure(e)
        case .success: break
        }
        // The read-back is the value; after an exit the thread and its files are gone.
        guard case .success(let back) = text(path) else { return .success(0) }
        return .success(Int64(back.split(separator: "\n").first ?? "") ?? 0)
    }

    /// What a ctl write sends for `line`: the line, and every third one padded with blanks to a
    /// whole page (4096 bytes, the most a line may be): a write that fills a page leaves the
    /// writer's own bytes in the kernel's page cache, which the next read must not show. Not a
    /// comm line: its blanks would be part of the name.
    static func written(_ line: String) -> [UInt8] {
        let bytes = Array(line.utf8)
        guard bytes.count % 3 == 0, !line.contains("comm"), bytes.count < 4095 else { return bytes + [UInt8(ascii: "\n")] }
        return bytes + [UInt8](repeating: UInt8(ascii: " "), count: 4095 - bytes.count) + [UInt8(ascii: "\n")]
    }

    func newestChild(of task: TaskRef) -> Int32? {
        guard case .success(let list) = text(taskPath(task, "children")) else { return nil }
        return list.split(separator: " ").last.flatMap { Int32($0.trimmingNewline) }
    }

    func thread(ofGroup tgid: Int32, innermostPid: Int64) -> Int32? {
        guard case .success(let names) = FileIO.names(inDirectory: "\(root)/\(tgid)/task") else { return nil }
        return names.compactMap { Int32($0) }.first { tid in
            nspid(of: TaskRef(tid: tid, tgid: tgid))?.last.map(Int64.init) == innermostPid
        }
    }

    /// The serial that every inode of the task carries.
    func serial(of tid: Int32) -> UInt64? {
        guard case .success(let inode) = FileIO.inode("\(root)/task/\(tid)") else { return nil }
        return NodeRef(inode: inode)?.serial
    }

    func nsList(_ list: NsList, of task: TaskRef) -> [Int32]? {
        guard case .success(let status) = text(taskPath(task, "status")) else { return nil }
        return ProcText.statusField(status, list.rawValue)?.map { Int32($0) }
    }

    func stat(of task: TaskRef) -> StatFields? {
        guard case .success(let line) = text(taskPath(task, "stat")) else { return nil }
        return ProcText.stat(line)
    }

    func ppid(of task: TaskRef) -> Int32? {
        guard case .success(let status) = text(taskPath(task, "status")) else { return nil }
        return ProcText.statusField(status, "PPid")?.first.map { Int32($0) }
    }

    func readSysctl(_ name: SysctlName, by task: TaskRef) -> Result<Int64, Errno> {
        text("\(root)/\(task.tgid)/sys/kernel/\(name.rawValue)").map { Int64($0.trimmingNewline) ?? Int64.min }
    }

    func writeSysctl(_ name: SysctlName, text value: String, by task: TaskRef) -> Result<Int64, Errno> {
        FileIO.write("\(root)/\(task.tgid)/sys/kernel/\(name.rawValue)", Array((value + "\n").utf8)).map { _ in 0 }
    }

    func ipcTable(_ kind: IpcKind, by task: TaskRef) -> Result<[IpcRow], Errno> {
        text("\(root)/\(task.tgid)/sysvipc/\(kind.name)").flatMap { table in
            guard let rows = ProcText.sysvipc(kind, table) else { return .failure(.EINVAL) }
            return .success(rows)
        }
    }
}
