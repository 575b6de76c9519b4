/// Compares the kernel's output with the simulation's, script by script and line by line,
/// ignoring everything from ` # ` on (a runner's mapping note), and counts the mapped lines.
struct Differ {
    struct Difference {
        var path: String
        /// What differs: the line number (or -1 when a whole section is missing).
        var line: Int
        var expected: String
        var actual: String
        /// Up to a few lines that agreed just before.
        var context: [String]
    }

    var scripts = 0
    var lines = 0
    var mapped = 0
    /// Mapped lines that the runner itself says are not exact (`INEXACT`).
    var inexact = 0
    var differences: [Difference] = []
    static let contextLines = 3

    /// `expected` is the kernel's output (A), `actual` the simulation's (B).
    mutating func compare(_ expected: RunOutput, _ actual: RunOutput) {
        let bySection = Dictionary(actual.sections.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        for section in expected.sections {
            scripts += 1
            guard let other = bySection[section.path] else {
                differences.append(Difference(path: section.path, line: -1, expected: "\(section.results.count) results",
                                              actual: "script missing", context: []))
                continue
            }
            compare(section, other)
        }
        let known = Set(expected.sections.map(\.path))
        for section in actual.sections where !known.contains(section.path) {
            differences.append(Difference(path: section.path, line: -1, expected: "script missing",
                                          actual: "\(section.results.count) results", context: []))
        }
    }

    mutating func compare(_ a: RunOutput.Section, _ b: RunOutput.Section) {
        for r in a.results + b.results where r.note?.hasPrefix("mapped:") == true {
            mapped += 1
            if r.note!.contains("INEXACT") { inexact += 1 }
        }
        var context: [String] = []
        for i in 0..<max(a.results.count, b.results.count) {
            let x = i < a.results.count ? a.results[i] : nil
            let y = i < b.results.count ? b.results[i] : nil
            lines += 1
            if let x, let y, x.line == y.line, x.value == y.value {
                context.append(x.raw)
                if context.count > Differ.contextLines { context.removeFirst() }
                continue
            }
            differences.append(Difference(path: a.path, line: x?.line ?? y?.line ?? -1,
                                          expected: x?.raw ?? "(no more results)", actual: y?.raw ?? "(no more results)",
                                          context: context))
            return  // the first difference per script; the rest usually follows from it
        }
    }
}
