import ArgumentParser

/// `nextidfs-conform diff KERNEL SIM`: the first difference of every script, with context and
/// the operation that caused it, then a one-line summary; exit 1 on any difference.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare kernelrun's output with the simulation's.",
        discussion: """
            Lines are compared without their ` # ...` annotations (a runner's mapping notes), \
            which are counted instead. Prints the first difference of each script (path, line, \
            operation, both results, preceding lines) and a summary line: \
            `scripts N lines L mapped M inexact I differences D`. Exit status 1 on any difference.
            """)

    @Argument(help: "The kernel's output (tools/kernelrun).")
    var kernel: String

    @Argument(help: "The simulation's output (nextidfs-conform run).")
    var simulation: String

    @Option(help: "Print at most this many differences.")
    var limit = 20

    func run() throws {
        let a = try load(kernel)
        let b = try load(simulation)
        var differ = Differ()
        differ.compare(a, b)
        for d in differ.differences.prefix(limit) { print(describe(d)) }
        if differ.differences.count > limit { print("... \(differ.differences.count - limit) more scripts differ") }
        print("scripts \(differ.scripts) lines \(differ.lines) mapped \(differ.mapped) inexact \(differ.inexact) differences \(differ.differences.count)")
        if !differ.differences.isEmpty { throw ExitCode(1) }
    }

    func load(_ path: String) throws -> RunOutput {
        switch FileIO.read(path) {
        case .success(let bytes): return RunOutput(String(decoding: bytes, as: UTF8.self))
        case .failure(let e): throw ValidationError("\(path): \(FileIO.errorMessage(e))")
        }
    }

    func describe(_ d: Differ.Difference) -> String {
        var out = "DIFF \(d.path):\(d.line)"
        if d.line > 0, case .success(let bytes) = FileIO.read(d.path) {
            let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            if d.line <= lines.count { out += ": \(lines[d.line - 1])" }
        }
        for c in d.context { out += "\n    \(c)" }
        out += "\n  kernel:     \(d.expected)\n  simulation: \(d.actual)"
        return out
    }
}
