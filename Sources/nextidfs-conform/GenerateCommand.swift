import ArgumentParser

/// `nextidfs-conform generate --seed S --count N --ops M --out DIR`: N random scripts of M
/// operations each, the same for the same seed.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write random operation scripts (deterministic per seed).",
        discussion: """
            Every operation is run on the simulation while the script is written, so that the \
            next one can aim at live tasks, pids in use, namespaces with or without an init, IPC \
            ids and keys. Scripts are named s<SEED>-<NNNNN>.ops. --stats prints how often each \
            interesting event happened and in how many scripts.
            """)

    @Option(help: "Seed (any 64-bit number).")
    var seed: UInt64

    @Option(help: "Number of scripts.")
    var count: Int

    @Option(help: "Operations per script.")
    var ops = 200

    @Option(help: ArgumentHelp("Directory to write the scripts into (created if missing).", valueName: "DIR"))
    var out: String

    @Flag(help: "Print a summary of the events the scripts provoke.")
    var stats = false

    func validate() throws {
        guard count >= 0, ops >= 1 else { throw ValidationError("--count must be >= 0 and --ops >= 1") }
    }

    func run() throws {
        if case .failure(let e) = FileIO.makeDirectory(out) {
            throw ValidationError("\(out): \(FileIO.errorMessage(e))")
        }
        var events = EventStats()
        for index in 0..<count {
            let name = "s\(seed)-" + GenerateCommand.zeroPadded(index, width: 5) + ".ops"
            let generator = ScriptGenerator(seed: GenerateCommand.scriptSeed(seed, index), operations: ops, stats: events)
            let text = generator.generate(header: "nextidfs-conform generate --seed \(seed): script \(index)")
            events = generator.stats
            if case .failure(let e) = FileIO.create("\(out)/\(name)", Array(text.utf8)) {
                throw ValidationError("\(out)/\(name): \(FileIO.errorMessage(e))")
            }
        }
        if stats {
            var output = Output()
            for line in events.report() { output.line(line) }
            output.flush()
        }
    }

    static func zeroPadded(_ n: Int, width: Int) -> String {
        let digits = String(n)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// Each script's own seed, so that script i is the same whatever --count is.
    static func scriptSeed(_ seed: UInt64, _ index: Int) -> UInt64 {
        var x = seed ^ (UInt64(index) &* 0xD1B5_4A32_D192_ED03)
        x = (x ^ (x >> 33)) &* 0xFF51_AFD7_ED55_8CCD
        return x ^ (x >> 29)
    }
}
