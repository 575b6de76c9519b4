/// The progress line of a long dump or restore (docs/restore.md): `\rWHAT: DONE/TOTAL UNIT`,
/// redrawn when the percentage changes and once at the end, for work of more than `threshold`
/// steps. Who writes it (stderr, when it is a terminal) is the caller's choice: the library does
/// no I/O.
public struct ProgressLine {
    /// "More than a few thousand tasks": smaller worlds finish before a line would help.
    public static let threshold = 2_000

    let what: String
    let unit: String
    let total: Int
    let write: (String) -> Void
    private var shownPercent = -1

    /// nil when `total` is not above the threshold: nothing to show.
    public init?(_ what: String, total: Int, unit: String, write: @escaping (String) -> Void) {
        guard total > ProgressLine.threshold else { return nil }
        self.what = what
        self.unit = unit
        self.total = total
        self.write = write
    }

    /// `done` of the total are done (more is shown as the total).
    public mutating func update(_ done: Int) {
        let done = min(max(done, 0), total)
        let percent = done * 100 / total
        guard percent != shownPercent else { return }
        shownPercent = percent
        write("\r\(what): \(done)/\(total) \(unit)")
    }

    /// The line at 100% and its newline.
    public mutating func finish() {
        update(total)
        write("\n")
    }
}
