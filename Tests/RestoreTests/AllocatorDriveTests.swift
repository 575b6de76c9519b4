import IdAllocators
@testable import Restore
import Testing

/// The allocator drive brings a fresh namespace's ids to the state asked for, with the ids a
/// real namespace hands out (the moves replayed on another kernel through ctl calls).
@Suite struct AllocatorDriveTests {
    static let targets: [(Int, Int)] = [(0, 0), (0, 5), (1, 0), (2, 17), (0, 63), (0, 64), (0, 67), (3, 100), (0, 1000), (1, 4000)]

    @Test(arguments: IpcKind.allCases)
    func reachesEveryState(kind: IpcKind) throws {
        for (seq, last) in Self.targets {
            let target = IpcAllocatorState(kind: kind, seq: seq, lastIdx: last, cursor: last + 1)
            let actions = try AllocatorDrive.actions(kind, to: target)
            let k = Kernel()
            for a in actions {
                switch a {
                case .ipcAuto(let kind):
                    _ = k.call(.ipcGet(IpcGetRequest(kind: kind, key: IpcGetRequest.privateKey, flags: [.create, 0o600], nsems: 1, size: 1)), by: 1)
                case .ipcRemove(let kind, let id):
                    #expect(k.call(.ipcRemove(kind, id: id), by: 1) == .success(0), "remove \(id) for \(target)")
                default: Issue.record("unexpected \(a)")
                }
            }
            #expect(k.ipcAllocators(as: k.actor(1))?[kind.rawValue] == target)
            #expect(k.ipcTable(kind, as: k.actor(1))?.isEmpty == true, "nothing left for \(target)")
        }
    }
}
