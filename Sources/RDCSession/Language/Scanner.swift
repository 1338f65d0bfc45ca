// Layer: session (command language). Pure Swift, no I/O: splits program text into logical
// lines (statements) of words, keeping every word's position in Unicode scalars, as Jupyter
// counts cursor offsets. Never fails: problems (open quote, dangling `\`) are recorded for the
// parser to report and for completion and is-complete to read.

/// One word of a statement, split at its first unquoted `=` into key and value.
struct ScannedWord: Equatable {
    /// The text before the first unquoted `=`, or nil for a word without one.
    var key: String?
    /// The text after the `=` (or the whole word), quotes removed and escapes resolved.
    var value: String
    /// Scalar offset of the word's first scalar.
    var start: Int
    /// Scalar offset just after the word's last scalar.
    var end: Int
    /// Scalar offset where the value starts (after the `=`, or `start`).
    var valueStart: Int
    /// Physical line (1-based) and column (1-based, in scalars) of `start`.
    var line: Int
    var column: Int
    /// Whether the value held a quoted part.
    var isQuoted = false
    /// Whether a quote was still open at the end of the line.
    var isUnterminated = false
    /// The value as written when `$NAME` variables were substituted into `value`, else nil.
    var writtenValue: String? = nil

    /// Column of the value's first scalar (words never span physical lines).
    var valueColumn: Int { column + (valueStart - start) }
}

/// One logical line: physical lines joined by trailing backslashes.
struct ScannedStatement: Equatable {
    /// The words, in order.
    var words: [ScannedWord] = []
    /// Physical line (1-based) where the statement starts.
    var line: Int
    /// Scalar offset of the statement's first scalar.
    var start: Int
    /// Scalar offset of the newline ending it (or of the end of the text).
    var end: Int
    /// Scalar ranges of comments (from `#` to the end of their line).
    var comments: [Range<Int>] = []
    /// Whether the text ends right after a continuation backslash of this statement.
    var endsWithContinuation = false

    /// The first word whose quote was left open, if any.
    var unterminatedWord: ScannedWord? { words.first { $0.isUnterminated } }
}

/// Splits program text into statements.
struct LanguageScanner {
    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var line = 1
    private var lineStart = 0

    /// Scans `text` into its statements, including empty and comment-only ones.
    static func statements(of text: String) -> [ScannedStatement] {
        var scanner = LanguageScanner(scalars: Array(text.unicodeScalars))
        return scanner.scanAll()
    }

    private init(scalars: [Unicode.Scalar]) {
        self.scalars = scalars
    }

    private mutating func scanAll() -> [ScannedStatement] {
        var statements: [ScannedStatement] = []
        var current = ScannedStatement(line: 1, start: 0, end: 0)
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "\n" {
                current.end = index
                statements.append(current)
                advanceLine()
                current = ScannedStatement(line: line, start: index, end: index)
            } else if isBlank(scalar) {
                index += 1
            } else if scalar == "#" {
                let end = endOfLine(from: index)
                current.comments.append(index..<end)
                index = end
            } else if scalar == "\\" && isContinuation(at: index) {
                let end = endOfLine(from: index)
                if let hash = (index + 1..<end).first(where: { scalars[$0] == "#" }) {
                    current.comments.append(hash..<end)
                }
                index = end
                if index == scalars.count {
                    current.endsWithContinuation = true
                } else {
                    advanceLine()
                }
            } else {
                current.words.append(scanWord())
            }
        }
        current.end = scalars.count
        statements.append(current)
        return statements
    }

    /// Scans one word starting at `index`, leaving `index` just after it.
    private mutating func scanWord() -> ScannedWord {
        var word = ScannedWord(key: nil, value: "", start: index, end: index, valueStart: index,
                               line: line, column: index - lineStart + 1)
        var buffer = String.UnicodeScalarView()
        scanning: while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "\n" || isBlank(scalar) { break }
            if scalar == "\\" && isContinuation(at: index) { break }
            if scalar == "\"" {
                word.isQuoted = true
                index += 1
                while true {
                    guard index < scalars.count, scalars[index] != "\n" else {
                        word.isUnterminated = true
                        break scanning
                    }
                    let inner = scalars[index]
                    if inner == "\\", index + 1 < scalars.count, scalars[index + 1] == "\"" || scalars[index + 1] == "\\" {
                        buffer.append(scalars[index + 1])
                        index += 2
                    } else if inner == "\"" {
                        index += 1
                        break
                    } else {
                        buffer.append(inner)
                        index += 1
                    }
                }
            } else if scalar == "=" && word.key == nil && !word.isQuoted {
                word.key = String(buffer)
                buffer = String.UnicodeScalarView()
                index += 1
                word.valueStart = index
            } else {
                buffer.append(scalar)
                index += 1
            }
        }
        word.value = String(buffer)
        word.end = index
        return word
    }

    /// Whether the backslash at `position` continues the line: only blanks, or blanks and a
    /// comment, follow it on its line.
    private func isContinuation(at position: Int) -> Bool {
        var next = position + 1
        while next < scalars.count, isBlank(scalars[next]) { next += 1 }
        return next == scalars.count || scalars[next] == "\n" || scalars[next] == "#"
    }

    private func endOfLine(from position: Int) -> Int {
        var end = position
        while end < scalars.count, scalars[end] != "\n" { end += 1 }
        return end
    }

    private mutating func advanceLine() {
        index += 1
        line += 1
        lineStart = index
    }

    private func isBlank(_ scalar: Unicode.Scalar) -> Bool {
        scalar != "\n" && scalar.properties.isWhitespace
    }
}

/// A statement's words with `?COMMAND` and `COMMAND?` rewritten as `help COMMAND`.
struct NormalizedStatement {
    /// The command word (`help` for `?...` and `...?`).
    let command: String
    /// The words after the command word (the help topic first, for `?...` and `...?`).
    let arguments: [ScannedWord]
    /// Whether the statement asked for help with a question mark.
    let asksForPager: Bool

    init?(_ words: [ScannedWord]) {
        guard let first = words.first else { return nil }
        var arguments = Array(words.dropFirst())
        let isPlain = first.key == nil && !first.isQuoted
        if isPlain, first.value.hasPrefix("?") || (first.value.count > 1 && first.value.hasSuffix("?")) {
            command = CommandName.help.rawValue
            asksForPager = true
            let isLeading = first.value.hasPrefix("?")
            let topic = isLeading ? String(first.value.dropFirst()) : String(first.value.dropLast())
            if !topic.isEmpty {
                let start = isLeading ? first.start + 1 : first.start
                let column = isLeading ? first.column + 1 : first.column
                arguments.insert(ScannedWord(key: nil, value: topic, start: start, end: start + topic.unicodeScalars.count,
                                             valueStart: start, line: first.line, column: column), at: 0)
            }
        } else {
            command = isPlain ? first.value : ""
            asksForPager = false
        }
        self.arguments = arguments
    }
}
