import ArgumentParser

@main
struct Conform: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nextidfs-conform",
        abstract: "Kernel conformance: run operation scripts on the simulation, generate them, compare with tools/kernelrun.",
        discussion: """
            Scripts and output follow docs/ops-format.md. The running Linux kernel is the judge: \
            tools/kernelrun runs the same scripts on it, and `diff` compares the two outputs \
            (tests/conformance/run.sh does all of it).
            """,
        subcommands: [RunCommand.self, GenerateCommand.self, DiffCommand.self])
}
