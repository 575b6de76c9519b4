import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import NextIdFS
import Restore
import SystemPackage

/// The Swift side of scripts/dump.sh and scripts/restore.sh. (No Foundation: loading it and ICU
/// was a tenth of a restore's planning.)
@main
struct NextidfsImage: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nextidfs-image",
        abstract: "Dump a nextidfs world to an image, and plan its restore as a shell program.",
        subcommands: [Dump.self, Plan.self, Check.self, Explain.self, Watch.self])
}

/// A progress line on stderr, only when stderr is a terminal (nil otherwise, or for small work).
func terminalProgress(_ what: String, total: Int, unit: String) -> ProgressLine? {
    guard isatty(2) == 1 else { return nil }
    return ProgressLine(what, total: total, unit: unit) { output($0, to: .standardError) }
}

/// `text` on standard output or standard error, whole (a failing write is not reported: the
/// reader of a pipe went away).
func output(_ text: String, to file: FileDescriptor = .standardOutput) {
    _ = try? file.writeAll(text.utf8)
}

/// stderr, then exit status 1.
func fail(_ message: String) -> ExitCode {
    output(message + "\n", to: .standardError)
    return ExitCode(1)
}

struct Dump: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the image of the world mounted at MOUNTPOINT.")
    @Argument var mountpoint: String

    func run() throws {
        do {
            var line: ProgressLine?
            let image = try Dumper(tree: MountedTree(root: mountpoint)).dump { done, total in
                if line == nil { line = terminalProgress("dump", total: total, unit: "processes") }
                line?.update(done)
            }
            line?.finish()
            output(ImageText.write(image))
        } catch {
            throw fail("dump: \(mountpoint): \(error)")
        }
    }
}

struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the restore program of IMAGE.")
    @Option(name: .customLong("check"), help: "First refuse MOUNTPOINT as `check` does (restore.sh: one process less).")
    var mountpoint: String?
    @Argument var image: String

    func run() throws {
        if let mountpoint { try refuseUsed(mountpoint) }
        guard let data = try? SystemIO.read(image) else { throw fail("restore: cannot read image \(image)") }
        do {
            let parsed = try ImageText.parse(String(decoding: data, as: UTF8.self))
            let plan = try Planner.plan(parsed)
            output(ProgramText.render(plan))
        } catch let e as ImageError {
            throw fail("restore: \(image) \(e)")
        } catch {
            throw fail("restore: \(image): \(error)")
        }
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Refuse (exit status 1) a mount that is not freshly mounted.")
    @Argument var mountpoint: String

    func run() throws { try refuseUsed(mountpoint) }
}

/// A mount that is not a freshly mounted nextidfs: the message, exit status 1.
func refuseUsed(_ mountpoint: String) throws {
    let tree = MountedTree(root: mountpoint)
    guard tree.read("1/task/1/next_id") != nil else { throw fail("restore: \(mountpoint) is not a nextidfs mount (no 1/task/1/ctl)") }
    if let why = pristineProblem(tree) {
        throw fail("restore: refusing to restore into \(mountpoint): not a pristine mount (\(why))")
    }
}

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Name the object, the command and the errno of a restore program's failing step.")
    @Argument(help: "The program that ran.") var program: String
    @Argument(help: "The line bash named.") var line: Int
    @Argument(help: "bash's error message.") var error: String
    @Argument var mountpoint: String

    func run() throws {
        let text = (try? SystemIO.read(program)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        print(FailureReport.explain(program: text, line: line, error: error, tree: MountedTree(root: mountpoint)))
    }
}

struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "progress",
        abstract: "Show on stderr how many of IMAGE's processes exist at MOUNTPOINT, while a restore runs.",
        discussion: """
            scripts/restore.sh runs it in the background when stderr is a terminal and the image \
            has more than 2000 processes, and stops it with SIGTERM; it redraws one line every \
            half second. Nothing is shown when stderr is not a terminal.
            """)
    @Argument var image: String
    @Argument var mountpoint: String
    @Flag(help: "Show the line once, with its newline, and exit.") var once = false

    func run() throws {
        guard let data = try? SystemIO.read(image),
              let parsed = try? ImageText.parse(String(decoding: data, as: UTF8.self)),
              var line = terminalProgress("restore", total: parsed.processes.count, unit: "processes")
        else { return }
        let tree = MountedTree(root: mountpoint)
        func existing() -> Int { (tree.list(".") ?? []).reduce(0) { $0 + (Int32($1) == nil ? 0 : 1) } }
        if once {
            line.update(existing())
            line.finish()
            return
        }
        while true {
            line.update(existing())
            usleep(500_000)
        }
    }
}
