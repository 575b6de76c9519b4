@testable import Restore
import Testing

/// The progress line of a big dump or restore: what it writes, and that small work writes nothing.
@Suite struct ProgressLineTests {
    final class Screen { var text = "" }

    @Test func smallWorkHasNoLine() {
        #expect(ProgressLine("dump", total: ProgressLine.threshold, unit: "processes") { _ in } == nil)
    }

    @Test func redrawnPerPercentThenFinished() {
        let screen = Screen()
        var line = ProgressLine("dump", total: 4_000, unit: "processes") { screen.text += $0 }!
        for done in 1...4_000 { line.update(done) }
        line.finish()
        let draws = screen.text.split(separator: "\r", omittingEmptySubsequences: true)
        // 0% (at the first process) to 100%, once each; the finish adds only the newline.
        #expect(draws.count == 101)
        #expect(draws.first == "dump: 1/4000 processes")
        #expect(draws.last == "dump: 4000/4000 processes\n")
    }

    @Test func countsBeyondTheTotalShowTheTotal() {
        let screen = Screen()
        var line = ProgressLine("restore", total: 3_000, unit: "processes") { screen.text += $0 }!
        line.update(3_500)
        line.finish()
        #expect(screen.text == "\rrestore: 3000/3000 processes\n")
    }
}
