// Layer: session (command language). Pure Swift, no I/O: `let NAME = VALUE` variables and the
// substitution of `$NAME` / `${NAME}` in values before they are checked like literals.

/// The variables of a session, in the order they were first defined. A value is kept as the
/// text that was written (quotes removed, variables inside it already resolved), and checked
/// against an option's type only where it is used, exactly as if it had been written there.
public struct Variables: Sendable, Equatable {
    private var values: [String: String] = [:]
    /// Every defined name, in the order of first definition.
    public private(set) var names: [String] = []

    /// No variables.
    public init() {}

    /// The value of `name`, if it is defined.
    public subscript(name: String) -> String? { values[name] }

    /// Defines `name` (or redefines it, keeping its place in `names`).
    public mutating func define(_ name: String, as value: String) {
        if values[name] == nil { names.append(name) }
        values[name] = value
    }

    /// Whether no variable is defined.
    public var isEmpty: Bool { names.isEmpty }

    /// `name=value` pairs in definition order, values quoted when they need it, e.g.
    /// `epochs=4 path="my runs/a.ckpt"`.
    public var summary: String {
        names.map { "\($0)=\(quoteIfNeeded(values[$0] ?? ""))" }.joined(separator: " ")
    }

    /// Whether `word` is a valid variable name: a letter or `_`, then letters, digits or `_`.
    static func isValidName(_ word: String) -> Bool {
        guard let first = word.unicodeScalars.first, isNameStart(first) else { return false }
        return word.unicodeScalars.allSatisfy(isNameScalar)
    }

    static func isNameStart(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "_" || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }

    static func isNameScalar(_ scalar: Unicode.Scalar) -> Bool {
        isNameStart(scalar) || ("0"..."9").contains(scalar)
    }

    /// `word` with every `$NAME` and `${NAME}` in its value replaced by the variable's value.
    /// Quoted words are left alone (quotes keep a `$` literal). Throws a
    /// `CommandLanguageError` naming the line, the column of the `$` and the nearest defined
    /// name for an unknown variable, or for a `$` not followed by a name.
    func substitute(in word: ScannedWord) throws -> ScannedWord {
        guard !word.isQuoted, word.value.unicodeScalars.contains("$") else { return word }
        let scalars = Array(word.value.unicodeScalars)
        var result = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            guard scalars[index] == "$" else {
                result.append(scalars[index])
                index += 1
                continue
            }
            let dollar = index
            let braced = index + 1 < scalars.count && scalars[index + 1] == "{"
            var end = index + (braced ? 2 : 1)
            let nameStart = end
            while end < scalars.count, Variables.isNameScalar(scalars[end]) { end += 1 }
            var name = String.UnicodeScalarView()
            name.append(contentsOf: scalars[nameStart..<end])
            let column = word.valueColumn + dollar
            let closed = !braced || (end < scalars.count && scalars[end] == "}")
            guard Variables.isValidName(String(name)), closed else {
                var written = String.UnicodeScalarView()
                written.append(contentsOf: scalars[dollar..<min(end + (braced ? 1 : 0), scalars.count)])
                throw CommandLanguageError(
                    .invalidVariable, line: word.line, column: column, word: String(written),
                    expected: "a variable name after `$`, as in `$epochs` or `${epochs}`",
                    message: "`\(String(written))` is not a variable: write `$NAME` or `${NAME}` (quote the value to keep a `$`)")
            }
            guard let value = values[String(name)] else {
                throw unknownVariable(String(name), line: word.line, column: column)
            }
            result.append(contentsOf: value.unicodeScalars)
            index = end + (braced ? 1 : 0)
        }
        var resolved = word
        resolved.value = String(result)
        resolved.writtenValue = word.value
        return resolved
    }

    private func unknownVariable(_ name: String, line: Int, column: Int) -> CommandLanguageError {
        let suggestion = NameSuggestion.nearest(to: name, among: names).map { "$" + $0 }
        let detail: String
        if names.isEmpty {
            detail = "; no variables are defined (define one with `let \(name) = VALUE`)"
        } else if suggestion == nil {
            detail = "; defined are \(englishList(names.map { "`$\($0)`" }, conjunction: "and"))"
        } else {
            detail = ""
        }
        return CommandLanguageError(
            .unknownVariable, line: line, column: column, word: "$" + name,
            expected: "a variable defined with `let`", suggestion: suggestion,
            message: "unknown variable `$\(name)`\(detail)")
    }
}

/// Parses `let NAME = VALUE` (also written `NAME=VALUE`, `NAME= VALUE` or `NAME =VALUE`).
enum LetStatement {
    /// The name and the resolved value of a `let` statement whose words after `let` are
    /// `words`; `after` is the `let` word itself, for errors about missing parts.
    static func parse(_ words: [ScannedWord], after letWord: ScannedWord,
                      variables: Variables) throws -> (name: String, value: String) {
        let usage = CommandRegistry.spec(for: .let).usage
        func missing(_ what: String, after word: ScannedWord) -> CommandLanguageError {
            CommandLanguageError(.missingPositional, line: word.line, column: word.column + (word.end - word.start),
                                 word: "", expected: usage, message: "`let` needs \(what): \(usage)")
        }
        guard let first = words.first else { throw missing("a name", after: letWord) }
        let name: String
        var valueWord: ScannedWord?
        var rest: ArraySlice<ScannedWord>
        if let key = first.key {
            name = key
            if first.value.isEmpty && !first.isQuoted {
                valueWord = words.dropFirst().first
                rest = words.dropFirst(2)
            } else {
                valueWord = ScannedWord(key: nil, value: first.value, start: first.valueStart, end: first.end,
                                        valueStart: first.valueStart, line: first.line, column: first.valueColumn,
                                        isQuoted: first.isQuoted)
                rest = words.dropFirst()
            }
        } else {
            name = first.value
            guard words.count > 1, let equals = words.dropFirst().first, equals.key == "" else {
                throw CommandLanguageError(
                    .missingValue, line: first.line, column: first.column + (first.end - first.start),
                    word: first.value, expected: "`=` and a value", message: "`let \(first.value)` needs `= VALUE`: \(usage)")
            }
            if equals.value.isEmpty && !equals.isQuoted {
                valueWord = words.dropFirst(2).first
                rest = words.dropFirst(3)
            } else {
                valueWord = ScannedWord(key: nil, value: equals.value, start: equals.valueStart, end: equals.end,
                                        valueStart: equals.valueStart, line: equals.line, column: equals.valueColumn,
                                        isQuoted: equals.isQuoted)
                rest = words.dropFirst(2)
            }
        }
        guard !first.isQuoted || first.key != nil, Variables.isValidName(name) else {
            throw CommandLanguageError(
                .invalidValue, line: first.line, column: first.column, word: name,
                expected: "a variable name: letters, digits and _, not starting with a digit",
                message: "`\(name)` is not a variable name: use letters, digits and _, not starting with a digit")
        }
        guard let valueWord else { throw missing("a value after `=`", after: words.last ?? first) }
        if let extra = rest.first ?? (valueWord.key == nil ? nil : valueWord) {
            throw CommandLanguageError(
                .unexpectedWord, line: extra.line, column: extra.column, word: StatementParser.display(extra),
                expected: "one value", message: "`let` takes one value; quote it to keep spaces or `=`: \(usage)")
        }
        return (name, try variables.substitute(in: valueWord).value)
    }
}
