import ArgumentParser

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
            the same. Exit status 2 when a script cannot be read or parsed.
            """)

    @Option(name: .long, help: ArgumentHelp("Run through a live, freshly started nextidfs mount.", valueName: "DIR"))
    var mount: String?

    @Argument(help: "Operation scripts (docs/ops-format.md).")
    var scripts: [String]

    func validate() throws {
        if mount != nil && scripts.count != 1 {
            throw ValidationError("--mount runs exactly one script (a fresh mount per script)")
        }
    }

    func run() throws {
        var failed = false
        var out = Output()
        for path in scripts {
            out.line("== \(path)")
            do {
                let script = try Script.load(path)
                if let mount {
                    try checkMount(mount, pidMax: script.pidMax)
                    run(script, on: MountTarget(root: mount), into: &out)
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
    }

    func run(_ script: Script, on target: some Target, into out: inout Output) {
        let runner = ScriptRunner(target: target)
        for op in script.operations {
            out.line(runner.execute(handle: op.handle, command: op.command).line(op.line))
        }
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
