/// The output of kernelrun or `nextidfs-conform run`: scripts in order, each a `== path` line
/// followed by `<line> <result>` lines.
struct RunOutput {
    struct Result {
        var line: Int
        /// The result without the line number and without a ` # ...` annotation.
        var value: String
        /// The annotation after ` # `, if any (`mapped: why`).
        var note: String?
        var raw: String
    }

    struct Section {
        var path: String
        var results: [Result] = []
    }

    var sections: [Section] = []

    init(_ text: String) {
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) where !line.isEmpty {
            if line.hasPrefix("== ") {
                sections.append(Section(path: String(line.dropFirst(3))))
                continue
            }
            if sections.isEmpty { sections.append(Section(path: "?")) }
            sections[sections.count - 1].results.append(RunOutput.result(String(line)))
        }
    }

    static func result(_ raw: String) -> Result {
        var body = Substring(raw)
        var note: String? = nil
        if let mark = raw.firstRange(of: " # ") {
            body = raw[..<mark.lowerBound]
            note = String(raw[mark.upperBound...])
        }
        let number = body.prefix { $0.isASCII && $0.isNumber }
        return Result(line: Int(number) ?? -1, value: String(body.dropFirst(number.count)), note: note, raw: raw)
    }
}
