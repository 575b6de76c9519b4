/// Counts of the events the generated scripts are meant to provoke, over all scripts, and in
/// how many scripts each happened at least once (`generate --stats`).
struct EventStats {
    private(set) var totals: [String: Int] = [:]
    private(set) var scriptsWith: [String: Int] = [:]
    private(set) var scripts = 0
    private(set) var operations = 0
    private var current: Set<String> = []

    mutating func note(_ event: String, _ n: Int = 1) {
        totals[event, default: 0] += n
        current.insert(event)
    }

    mutating func countOperation() { operations += 1 }

    mutating func endScript() {
        scripts += 1
        for e in current { scriptsWith[e, default: 0] += 1 }
        current = []
    }

    func report() -> [String] {
        var out = ["\(scripts) scripts, \(operations) operations", "event                          total  scripts"]
        for name in totals.keys.sorted() {
            let n = scriptsWith[name] ?? 0
            let percent = scripts > 0 ? n * 100 / scripts : 0
            out.append(name.padding(30) + " " + String(totals[name]!).leftPadding(6) + "  " + "\(n) (\(percent)%)".leftPadding(12))
        }
        return out
    }
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
    func leftPadding(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
