import IdAllocators
import NextIdFS

// A libFuzzer target (scripts/fuzz.sh builds and runs it; docs/testing.md has the campaigns):
// each input is a script of writes on a fresh simulated machine, through the same parsers the
// daemon uses, with the machine's invariants checked after its first two ctl batches and at
// its end, and what reads back checked after the other writes. One line per step:
//
//     @N             the acting thread becomes live thread number N (mod their count, by root
//                    tid); `@` alone ends the ctl batch being gathered
//     =TEXT          TEXT written to the acting thread's next_id (NextIdGrammar)
//     %NAME TEXT     TEXT written to the acting process's sys/kernel/NAME (KernelInteger);
//                    %/NAME acts on the root namespaces as root
//     ?              every file of the acting thread read and rendered (procfs formats)
//     *N LINE        LINE as N ctl lines (big worlds in a few bytes; 1000 ctl lines at most)
//     anything else  a ctl line; consecutive ctl lines are one write, one batch (CtlLanguage)
//
// A broken invariant or a failed check traps, which libFuzzer records as a crash with its input.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var player = Player()
    player.play(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

struct Player {
    /// A small pid_max, so that wrapping and exhaustion are a few hundred forks away.
    let kernel = Kernel(pidMax: 400)
    /// The acting thread.
    var actor: TaskHandle
    /// ctl lines gathered for the next batch.
    var batch: [UInt8] = []
    /// ctl lines left for this input, and batches still checked one by one (a check visits every
    /// task; the end of the input is always checked): both keep every input fast.
    var budget = 1000
    var checksLeft = 2

    static let newline = UInt8(ascii: "\n")

    init() { actor = kernel.handle(ofPid: 1) }

    mutating func play(_ input: [UInt8]) {
        for line in input.split(separator: Player.newline, omittingEmptySubsequences: false) {
            step(line)
        }
        runBatch()
        checksLeft = 1
        checkInvariants("at the end")
    }

    mutating func step(_ line: ArraySlice<UInt8>) {
        switch line.first {
        case UInt8(ascii: "@"):
            runBatch()
            if let n = Player.number(line.dropFirst()) { select(n) }
        case UInt8(ascii: "="):
            runBatch()
            writeNextId(line.dropFirst())
        case UInt8(ascii: "%"):
            runBatch()
            writeSysctl(line.dropFirst())
        case UInt8(ascii: "?"):
            runBatch()
            readAll()
        case UInt8(ascii: "*"):
            let count = line.dropFirst().prefix { $0 != UInt8(ascii: " ") }
            let rest = line.dropFirst(1 + count.count + 1)
            for _ in 0..<min(Player.number(count) ?? 0, budget) { gather(rest) }
        default:
            gather(line)
        }
    }

    mutating func gather(_ line: ArraySlice<UInt8>) {
        guard budget > 0 else { return }
        budget -= 1
        batch += line
        batch.append(Player.newline)
    }

    mutating func select(_ n: Int) {
        let threads = kernel.allThreads(from: 1, limit: Int.max)
        actor = threads[n % threads.count].handle
    }

    /// One ctl write: its lines as the daemon splits and parses them, run as one batch.
    mutating func runBatch() {
        guard !batch.isEmpty else { return }
        let lines = CtlLanguage.lines(batch)
        batch = []
        let calls = lines.map { CtlLanguage.parse($0.line) }
        let pending = kernel.pendingIds(of: actor)
        let outcome = kernel.run(calls, by: actor)
        require(outcome.completed <= calls.count && (outcome.failure == nil) == (outcome.completed == calls.count),
                "batch of \(calls.count) lines: \(outcome.completed) completed, failure \(String(describing: outcome.failure))")
        if calls.count == 1, outcome.completed == 1, case .success(let ids?) = pending {
            checkForcedPids(calls[0], ids)
        }
        checkInvariants("after a batch of \(calls.count) lines by \(actor.tid)")
    }

    /// A fork or clone that had pending ids and succeeded made a child with exactly those pids,
    /// innermost namespace first.
    func checkForcedPids(_ call: Result<Syscall, Errno>, _ ids: PendingIds) {
        switch call {
        case .success(.fork): break
        case .success(.clone(let flags)) where !flags.contains(.thread): break
        default: return
        }
        guard let child = kernel.children(of: actor)?.last, let status = kernel.status(of: kernel.handle(ofPid: child)) else {
            fail("a successful fork by \(actor.tid) left no child")
        }
        require(Array(status.nsPid.reversed().prefix(ids.ids.count)) == ids.ids,
                "forced \(ids) by \(actor.tid), child has NSpid \(status.nsPid)")
        require(kernel.pendingIds(of: actor) == .success(nil), "pending ids of \(actor.tid) not consumed")
    }

    func writeNextId(_ text: ArraySlice<UInt8>) {
        let before = kernel.pendingIds(of: actor)
        switch NextIdGrammar.parse(text) {
        case .success(let ids):
            if case .success = kernel.setPendingIds(of: actor, ids) {
                require(kernel.pendingIds(of: actor) == .success(ids), "next_id of \(actor.tid) does not read back as written")
            }
        case .failure:
            require(kernel.pendingIds(of: actor) == before, "a refused next_id write changed \(actor.tid)'s pending ids")
        }
    }

    func writeSysctl(_ text: ArraySlice<UInt8>) {
        let host = text.first == UInt8(ascii: "/")
        let words = text.dropFirst(host ? 1 : 0)
        let name = words.prefix { $0 != UInt8(ascii: " ") }
        let value = words.dropFirst(name.count + 1)
        guard let sysctl = SysctlName(rawValue: String(decoding: name, as: UTF8.self)) else { return }
        _ = kernel.writeSysctl(sysctl, KernelInteger.sysctlInput(value), as: host ? .host(uid: 0) : .task(actor))
    }

    /// Every file of the acting thread as the daemon renders it; what can be written back must
    /// parse back to the same value.
    func readAll() {
        let me = Actor.task(actor)
        if let s = kernel.status(of: actor) {
            _ = ProcFormats.status(s)
            _ = ProcFormats.stat(s, isThread: s.pid != s.tgid)
            _ = ProcFormats.comm(s)
            _ = ProcFormats.cmdline(s)
        }
        if let children = kernel.children(of: actor) { _ = ProcFormats.children(children) }
        if case .success(let result) = kernel.lastResult(of: actor) { _ = CtlLanguage.renderResult(result) }
        if case .success(let ids) = kernel.pendingIds(of: actor) {
            let text = NextIdGrammar.render(ids)
            if ids != nil { require(NextIdGrammar.parse(text) == .success(ids), "next_id of \(actor.tid) reads as unparsable text") }
        }
        if let inodes = kernel.namespaceInodes(of: actor) {
            _ = ProcFormats.namespaceLink("pid", inodes.pid)
            _ = ProcFormats.namespaceLink("ipc", inodes.ipc)
        }
        for name in SysctlName.allCases {
            if case .success(let value) = kernel.readSysctl(name, as: me) {
                require(KernelInteger.parse(ProcFormats.number(value)) == value, "\(name.rawValue) reads as \(value), which does not parse back")
            }
        }
        for kind in IpcKind.allCases {
            if let rows = kernel.ipcTable(kind, as: me) { _ = SysvipcFormat.table(kind, rows) }
        }
    }

    mutating func checkInvariants(_ when: String) {
        guard checksLeft > 0 else { return }
        checksLeft -= 1
        let broken = kernel.invariantViolations()
        require(broken.isEmpty, "invariants broken \(when):\n" + broken.joined(separator: "\n"))
    }

    func require(_ rule: Bool, _ what: @autoclosure () -> String) {
        if !rule { fail(what()) }
    }

    func fail(_ what: String) -> Never {
        fatalError(what)
    }

    /// Decimal digits, capped (nil when there are none).
    static func number(_ text: ArraySlice<UInt8>) -> Int? {
        guard !text.isEmpty, text.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        return text.prefix(9).reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }
}
