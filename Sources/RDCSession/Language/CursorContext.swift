// Layer: session (command language). Pure Swift, no I/O: where a cursor stands in program
// text, shared by completion and inspection.

/// Where a cursor stands in program text: its statement, its word, whether in a comment.
struct CursorContext {
    let scalars: [Unicode.Scalar]
    /// The cursor, clamped to the text.
    let cursor: Int
    /// The logical line holding the cursor.
    let statement: ScannedStatement?
    /// The word the cursor is in or right after (nil between words).
    let currentWord: ScannedWord?
    /// Index of the word being written among the statement's words.
    let currentWordIndex: Int
    /// Whether the cursor is inside a comment.
    let isInComment: Bool

    init(code: String, cursor: Int) {
        scalars = Array(code.unicodeScalars)
        let cursor = min(max(0, cursor), scalars.count)
        self.cursor = cursor
        let statement = LanguageScanner.statements(of: code).first { $0.start <= cursor && cursor <= $0.end }
        self.statement = statement
        let words = statement?.words ?? []
        let index = words.firstIndex { $0.start < cursor && cursor <= $0.end }
        currentWord = index.map { words[$0] }
        currentWordIndex = index ?? words.filter { $0.end <= cursor }.count
        isInComment = statement?.comments.contains { $0.lowerBound < cursor && cursor <= $0.upperBound } ?? false
    }

    /// The code's text in `range`.
    func text(_ range: Range<Int>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[range])
        return String(view)
    }
}
