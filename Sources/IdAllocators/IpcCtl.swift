/// IPC_RMID and IPC_SET (msgctl, semctl, shmctl), through ipcctl_obtain_check.
extension Machine {
    /// The object `id` names in the actor's namespace, if the actor may change it: its owner,
    /// its creator or uid 0, else EPERM; a free idx or stale seq is EINVAL.
    func ipcObtainForChange(actor: TaskIndex, kind: IpcKind, id: Int32) -> Result<(IpcObject, Int32), Errno> {
        let process = groupLeader(actor)
        let ns = tasks[Int(process)].ipcNamespace
        guard let object = ipcObject(ipcNamespaces[Int(ns)].ids[kind.rawValue], id: id) else {
            return .failure(.EINVAL)
        }
        let uid = tasks[Int(process)].uid
        guard uid == object.cuid || uid == object.uid || uid == 0 else { return .failure(.EPERM) }
        return .success((object, ns))
    }

    func ipcRemove(actor: TaskIndex, kind: IpcKind, id: Int32) -> Result<Int64, Errno> {
        ipcObtainForChange(actor: actor, kind: kind, id: id).map { object, ns in
            ipcRemoveObject(object, kind: kind, namespace: ns)
            return 0
        }
    }

    /// IPC_SET: new owner uid/gid and the permission bits; ctime becomes now.
    func ipcSet(actor: TaskIndex, kind: IpcKind, id: Int32, uid: UInt32, gid: UInt32, mode: UInt32) -> Result<Int64, Errno> {
        ipcObtainForChange(actor: actor, kind: kind, id: id).map { object, ns in
            var changed = object
            changed.uid = uid
            changed.gid = gid
            changed.mode = (object.mode & ~0o777) | (mode & 0o777)
            changed.ctime = now()
            ipcNamespaces[Int(ns)].ids[kind.rawValue].objects[object.idx] = changed
            return 0
        }
    }
}
