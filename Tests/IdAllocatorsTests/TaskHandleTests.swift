@testable import IdAllocators
import Testing

/// A handle names one task: once it has ended, every call through the handle is ESRCH and
/// changes nothing, also after its pid went to a new task (which has a handle of its own).
@Suite struct TaskHandleTests {
    @Test func aHandleOfAnEndedTaskIsESRCHAfterThePidIsReused() {
        let w = World()
        let child = w.spawn(1)
        let old = w.kernel.handle(ofPid: child)
        _ = w.call(1, .ipcGet(IpcGetRequest(kind: .msg, key: 0x77, flags: [.create, 0o600])))
        #expect(w.kernel.call(.exit(code: 0), by: old) == .success(0))
        _ = w.call(1, w.pending(child))
        #expect(w.spawn(1) == child, "the pid is reused")
        let new = w.kernel.handle(ofPid: child)
        #expect(new != old)
        #expect(new.tid == old.tid)

        let before = w.snapshot(excludingPendingOf: 0)
        for call: Syscall in [.fork, .clone(.newPid), .comm(Array("HIJACKED".utf8)), .setuid(7), .exit(code: 0),
                              .ipcRemove(.msg, id: 0), .setNextId(PendingIds([7777])), .unshare(.ipc)] {
            #expect(w.kernel.call(call, by: old) == .failure(.ESRCH), "\(call)")
        }
        let outcome = w.kernel.run([.success(.fork), .success(.fork)], by: old)
        #expect(outcome.completed == 0 && outcome.failure == .ESRCH)
        #expect(w.kernel.setPendingIds(of: old, PendingIds([5])) == .failure(.ESRCH))
        for name in SysctlName.allCases {
            #expect(w.kernel.writeSysctl(name, .number(400), as: .task(old)) == .failure(.ESRCH))
            #expect(w.kernel.readSysctl(name, as: .task(old)) == .failure(.ESRCH))
        }
        #expect(w.snapshot(excludingPendingOf: 0) == before, "nothing changed")

        #expect(w.kernel.lastResult(of: old) == .failure(.ESRCH))
        #expect(w.kernel.pendingIds(of: old) == .failure(.ESRCH))
        #expect(w.kernel.status(of: old) == nil)
        #expect(w.kernel.identity(of: old) == nil)
        #expect(w.kernel.children(of: old) == nil)
        #expect(w.kernel.threads(ofGroup: old) == nil)
        #expect(w.kernel.namespaceInodes(of: old) == nil)
        #expect(w.kernel.ipcTable(.msg, as: .task(old)) == nil)

        #expect(w.kernel.call(.comm(Array("new".utf8)), by: new) == .success(0))
        #expect(w.kernel.status(of: new)?.name == Array("new".utf8))
        #expect(w.kernel.identity(ofPid: child)?.handle == new)
    }

    @Test func aThreadThatExitsMidBatchStopsIt() {
        let w = World()
        let thread = w.spawn(1, .thread)
        let handle = w.kernel.handle(ofPid: thread)
        let outcome = w.kernel.run([.success(.exit(code: 0)), .success(.fork)], by: handle)
        #expect(outcome.completed == 1 && outcome.failure == .ESRCH)
        #expect(w.kernel.children(of: 1) == [], "the line after the exit did not run")
    }

    @Test func aHandleWithoutATaskNamesNone() {
        let w = World()
        #expect(w.kernel.handle(ofPid: 500) == TaskHandle(tid: 500, serial: 0))
        #expect(w.kernel.call(.fork, by: TaskHandle(tid: 1, serial: 0)) == .failure(.ESRCH))
        #expect(w.kernel.call(.fork, by: TaskHandle(tid: 1, serial: w.kernel.handle(ofPid: 1).serial + 1)) == .failure(.ESRCH))
        let m = Machine()
        m.nextSerial = TaskHandle.serialMask + 1
        #expect(m.takeSerial() & TaskHandle.serialMask != 0, "no task's handle has serial 0")
    }
}
