import IdAllocators
import NextIdFS
@testable import Restore

/// One world through the whole restore pipeline, in process: dump through the tree, plan, the
/// program's text parsed back, run against a fresh kernel through the tree, the whole state
/// compared. Returns what went wrong, or nil.
struct RoundTrip {
    let original: Kernel
    var image: Image?
    var program = ""
    var restored = Kernel.ticking()

    init(_ original: Kernel) { self.original = original }

    mutating func run() -> String? {
        let dumped: Image
        do { dumped = try Dumper(tree: InProcessTree(Filesystem(kernel: original))).dump() } catch { return "dump: \(error)" }
        image = dumped
        let text = ImageText.write(dumped)
        do {
            guard ImageText.write(try ImageText.parse(text)) == text else { return "the image text does not read back as written" }
        } catch { return "image text: \(error)" }
        let plan: Plan
        do { plan = try Planner.plan(dumped) } catch { return "plan: \(error)" }
        program = ProgramText.render(plan)
        let writes: [ProgramWrite]
        do { writes = try ProgramText.parse(program) } catch { return "program: \(error)" }
        if let failure = ProgramRunner(Filesystem(kernel: restored)).run(writes) {
            return "step at program line \(failure.write.line) (\(failure.write.comment)): \(failure.errno): \(String(decoding: failure.write.data.prefix(200), as: UTF8.self))"
        }
        let a = original.snapshot().restorable, b = restored.snapshot().restorable
        if a != b { return "state differs: " + difference(a, b) }
        do {
            let again = try Dumper(tree: InProcessTree(Filesystem(kernel: restored))).dump()
            if ImageText.write(again) != text { return "the restored world's image differs" }
        } catch { return "dump of the restored world: \(error)" }
        return nil
    }
}

extension MachineSnapshot {
    /// Without what a restore cannot set and no later operation depends on: ctl read-backs,
    /// start times, IPC ctime and shm cpid (docs/restore.md, known limits).
    var restorable: MachineSnapshot {
        var s = self
        for i in s.processes.indices {
            for j in s.processes[i].threads.indices {
                s.processes[i].threads[j].lastResult = nil
                s.processes[i].threads[j].startTime = 0
            }
        }
        for i in s.ipcNamespaces.indices {
            for k in s.ipcNamespaces[i].objects.indices {
                for o in s.ipcNamespaces[i].objects[k].indices {
                    s.ipcNamespaces[i].objects[k][o].ctime = 0
                    s.ipcNamespaces[i].objects[k][o].creatorPid = 0
                }
            }
        }
        return s
    }
}

/// The first difference between two snapshots, in words.
func difference(_ a: MachineSnapshot, _ b: MachineSnapshot) -> String {
    if a.pidNamespaces != b.pidNamespaces {
        for (x, y) in zip(a.pidNamespaces, b.pidNamespaces) where x != y { return "pid namespace \(x) != \(y)" }
        return "pid namespaces \(a.pidNamespaces.map(\.name)) != \(b.pidNamespaces.map(\.name))"
    }
    if a.ipcNamespaces != b.ipcNamespaces {
        for (x, y) in zip(a.ipcNamespaces, b.ipcNamespaces) where x != y {
            if x.allocators != y.allocators { return "ipc namespace \(x.name) allocators \(x.allocators) != \(y.allocators)" }
            return "ipc namespace \(x.name) != \(y.name): \(x) != \(y)"
        }
        return "ipc namespaces \(a.ipcNamespaces.map(\.name)) != \(b.ipcNamespaces.map(\.name))"
    }
    for (x, y) in zip(a.processes, b.processes) where x != y {
        if x.tgid != y.tgid { return "process \(x.tgid) != \(y.tgid)" }
        return "process \(x.tgid): \(x) != \(y)"
    }
    return "processes \(a.processes.map(\.tgid)) != \(b.processes.map(\.tgid))"
}
