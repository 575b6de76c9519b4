import ArgumentParser
import NextIdFS

/// `nextidfs-conform run SCRIPT...`: each script on a fresh simulated machine (or through a
/// live mount), printed in the format kernelrun prints.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run scripts on the simulated kernel and print their results.",
        discussion: """
            Each script runs on a fresh Kernel(pidMax: header or 32768). With --mount, the one \
            script runs through the files of a fresh nextidfs mount at DIR instead (started by \
            the caller with the script's pid_max: nextidfs -f --pid-max N DIR); the output is \
            the same. --check-tree also compares the whole tree after every operation (stale reads: exit \
            status 1). Exit status 2 when a script cannot be read or parsed.
            """)

    @Option(name: .long, help: ArgumentHelp("Run through a live, freshly started nextidfs mount.", valueName: "DIR"))
    var mount: String?

    @Flag(help: ArgumentHelp("With --mount: after every operation, read every name, link and file of the mount and compare it with an in-process simulation run in step (a difference is a stale read: exit 1)."))
    var checkTree = false

    @Argument(help: "Operation scripts (docs/ops-format.md).")
    var scripts: [String]

    func validate() throws {
        if mount != nil && scripts.count != 1 {
            throw ValidationError("--mount runs exactly one script (a fresh mount per script)")
        }
        if checkTree && mount == nil { throw ValidationError("--check-tree needs --mount") }
    }

    func run() throws {
        var failed = false
        var stale = false
        var out = Output()
        for path in scripts {
            out.line("== \(path)")
            do {
                let script = try Script.load(path)
                if let mount {
                    try checkMount(mount, pidMax: script.pidMax)
                    if checkTree {
                        stale = !runChecked(script, mount: mount, into: &out) || stale
                    } else {
                        run(script, on: MountTarget(root: mount), into: &out)
                    }
                } else {
                    run(script, on: SimulatedTarget(pidMax: script.pidMax), into: &out)
                }
            } catch {
                out.flush()
                Output.error("nextidfs-conform: \(error)")
                failed = true
            }
        }
        out.flush()
        if failed { throw ExitCode(2) }
        if stale { throw ExitCode(1) }
    }

    func run(_ script: Script, on target: some Target, into out: inout Output) {
        let runner = ScriptRunner(target: target)
        for op in script.operations {
            out.line(runner.execute(handle: op.handle, command: op.command).line(op.line))
        }
    }

    /// `run` on the mount, with the same operations on an in-process simulation in step and the
    /// whole tree compared after each; the differences go to stderr. Whether there were none.
    func runChecked(_ script: Script, mount: String, into out: inout Output) -> Bool {
        let mounted = ScriptRunner(target: MountTarget(root: mount))
        let simulation = SimulatedTarget(pidMax: script.pidMax)
        let simulated = ScriptRunner(target: simulation)
        let check = TreeCheck(root: mount, filesystem: Filesystem(kernel: simulation.kernel))
        var compared = 0, stale = 0
        for (index, op) in script.operations.enumerated() {
            out.line(mounted.execute(handle: op.handle, command: op.command).line(op.line))
            _ = simulated.execute(handle: op.handle, command: op.command)
            let walk = check.walk()
            compared += walk.compared
            stale += walk.differences.count
            for d in walk.differences.prefix(5) { Output.error("STALE after operation \(index + 1) (line \(op.line): \(op.handle) \(op.command)): \(d)") }
        }
        Output.error("check-tree: \(script.operations.count) operations, \(compared) names, links and files compared, \(stale) stale")
        return stale == 0
    }

    struct MountError: Error, CustomStringConvertible {
        var description: String
    }

    /// A fresh mount with the script's pid_max: anything else could not give the same output.
    func checkMount(_ root: String, pidMax: Int) throws {
        let target = MountTarget(root: root)
        let one = TaskRef(tid: 1, tgid: 1)
        guard case .success(let value) = target.readSysctl(.pidMax, by: one) else {
            throw MountError(description: "\(root): no nextidfs mount (cannot read 1/sys/kernel/pid_max)")
        }
        guard value == Int64(pidMax) else {
            throw MountError(description: "\(root): pid_max is \(value), the script needs \(pidMax) (start nextidfs --pid-max \(pidMax))")
        }
        guard case .success(let names) = FileIO.names(inDirectory: root), names.filter({ Int($0) != nil }) == ["1"] else {
            throw MountError(description: "\(root): not a fresh mount (processes other than 1)")
        }
    }
}
