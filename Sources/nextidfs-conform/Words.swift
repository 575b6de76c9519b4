/// Blank-separated words of the script format (its numbers: NextIdFS's Tokens).
enum Words {
    static func split(_ text: Substring) -> [String] {
        text.split(whereSeparator: { (c: Character) in c == " " || c == "\t" }).map(String.init)
    }
}
