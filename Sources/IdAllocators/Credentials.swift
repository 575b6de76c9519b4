/// Credentials and names (docs/interface.md §4.2: setuid, setgid, comm).
///
/// uid and gid belong to the process (every thread changes together, as glibc's setxid
/// broadcast does). Only a task with uid 0 may change them, else EPERM, even to its own id
/// (docs/interface.md §8.2).
extension Machine {
    /// setuid and setgid: `change` on the process's credentials, as uid 0.
    func setCredentials(actor: TaskIndex, _ changes: inout Changes, _ change: (inout Task) -> Void) -> Result<Int64, Errno> {
        let process = groupLeader(actor)
        guard tasks[Int(process)].uid == 0 else { return .failure(.EPERM) }
        change(&tasks[Int(process)])
        changes.newOwners.append(Changes.NewOwner(process: handle(of: process), threads: threads(ofLeader: process).map(handle(of:))))
        return .success(0)
    }

    /// The name is per thread, cut to 15 bytes like PR_SET_NAME.
    func setComm(actor: TaskIndex, name: [UInt8]) -> Result<Int64, Errno> {
        tasks[Int(actor)].comm = Comm(name)
        return .success(0)
    }
}
