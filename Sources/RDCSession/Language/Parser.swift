// Layer: session (command language). Pure Swift, no I/O: turns program text into validated
// invocations, checking every word against the registry. All or nothing: the first bad line
// makes the whole program fail.

/// Parses the `.rdc` command language.
public enum CommandLanguage {
    /// Parses a program (a cell or a script): one invocation per non-empty logical line, in
    /// order. `$NAME` values are resolved from `variables` and from the `let` lines above them
    /// in the program. Throws `CommandLanguageError` for the first line that is not valid;
    /// then no invocation is returned at all.
    public static func parse(_ program: String, variables: Variables = Variables()) throws -> [Invocation] {
        let statements = LanguageScanner.statements(of: program)
        var invocations: [Invocation] = []
        var known = variables
        for statement in statements {
            if let invocation = try StatementParser.parse(statement, variables: known) {
                invocation.defineVariable(in: &known)
                invocations.append(invocation)
            }
        }
        return invocations
    }
}

/// Parses one scanned statement against the registry.
enum StatementParser {
    /// The invocation written by `statement`, or nil when it holds only blanks and comments.
    /// Values written `$NAME` or `${NAME}` are replaced from `variables` first, then checked
    /// exactly like literals.
    static func parse(_ statement: ScannedStatement, variables: Variables = Variables()) throws -> Invocation? {
        if let open = statement.unterminatedWord {
            let written = open.key.map { "\($0)=" } ?? ""
            throw CommandLanguageError(
                .unterminatedQuote, line: open.line, column: open.column, word: display(open),
                expected: "a closing `\"` on the same line",
                message: "unclosed quote in `\(written)\"\(open.value)`")
        }
        if statement.endsWithContinuation { throw danglingContinuation(statement) }
        guard let first = statement.words.first else { return nil }
        guard let normalized = NormalizedStatement(statement.words),
              let command = CommandName(rawValue: normalized.command) else {
            throw unknownCommand(first)
        }
        if command == .let {
            let (name, value) = try LetStatement.parse(normalized.arguments, after: first, variables: variables)
            return Invocation(command: .let, line: statement.line, choice: nil, asksForPager: false,
                              givenValues: [SessionCommandOptions.variableName.spec.name: .text(name),
                                            SessionCommandOptions.variableValue.spec.name: .text(value)],
                              optionOrder: [])
        }
        let words = try normalized.arguments.map(variables.substitute(in:))
        let asksForPager = normalized.asksForPager
        let spec = CommandRegistry.spec(for: command)
        var values: [String: OptionValue] = [:]
        var choice: String?

        // Positional words first: the choice decides which options are valid.
        var positionalIndex = 0
        var restWords: [String] = []
        for word in words where word.key == nil {
            guard positionalIndex < spec.positionals.count else {
                throw unexpectedWord(word, spec: spec)
            }
            let positional = spec.positionals[positionalIndex]
            if positional.collectsRest {
                restWords.append(word.value)
                continue
            }
            let value = try positionalValue(word, positional: positional, spec: spec)
            if !positional.choices.isEmpty { choice = word.value }
            values[positional.name] = value
            positionalIndex += 1
        }
        if let rest = spec.positionals.last(where: \.collectsRest), !restWords.isEmpty {
            values[rest.name] = .text(restWords.joined(separator: " "))
        }
        if let missing = spec.positionals.first(where: { $0.isRequired && values[$0.name] == nil }) {
            throw missingPositional(missing, spec: spec, after: words.last ?? first)
        }

        let label = choice.map { "\(command.rawValue) \($0)" } ?? command.rawValue
        let options = spec.options(forChoice: choice)
        var optionOrder: [String] = []
        for word in words {
            guard let key = word.key else { continue }
            guard !key.isEmpty else {
                throw CommandLanguageError(
                    .missingOptionName, line: word.line, column: word.column, word: display(word),
                    expected: "an option name", message: "`\(display(word))` needs an option name before `=`")
            }
            guard let option = options.first(where: { $0.name == key }) else {
                throw unknownOption(word, label: label, options: options)
            }
            guard values[key] == nil else {
                throw CommandLanguageError(
                    .repeatedOption, line: word.line, column: word.column, word: key,
                    expected: "each option at most once", message: "option `\(key)` is given twice")
            }
            if word.value.isEmpty && !word.isQuoted {
                throw CommandLanguageError(
                    .missingValue, line: word.line, column: word.valueColumn, word: "\(key)=",
                    expected: option.type.expectation,
                    message: "`\(key)=` needs a value: \(option.type.expectation)")
            }
            guard let value = option.type.value(of: word.value) else {
                throw invalidValue(word, subject: key, type: option.type)
            }
            values[key] = value
            optionOrder.append(key)
        }
        if let missing = options.first(where: { $0.defaultValue == .required && values[$0.name] == nil }) {
            let last = words.last ?? first
            throw CommandLanguageError(
                .missingOption, line: last.line, column: last.column + (last.end - last.start),
                word: "", expected: missing.usage,
                message: "`\(label)` needs `\(missing.name)=\(missing.type.placeholder)`")
        }
        return Invocation(command: command, line: statement.line, choice: choice, asksForPager: asksForPager,
                          givenValues: values, optionOrder: optionOrder)
    }

    private static func unknownCommand(_ word: ScannedWord) -> CommandLanguageError {
        let written = display(word)
        let names = CommandName.allCases.map(\.rawValue)
        return CommandLanguageError(
            .unknownCommand, line: word.line, column: word.column, word: written,
            expected: "a command", suggestion: NameSuggestion.nearest(to: word.key ?? word.value, among: names),
            message: "unknown command `\(written)`")
    }

    private static func positionalValue(_ word: ScannedWord, positional: PositionalSpec,
                                        spec: CommandSpec) throws -> OptionValue {
        if let value = positional.valueType.value(of: word.value) { return value }
        if case .oneOf(let choices) = positional.valueType {
            let suggestion = NameSuggestion.nearest(to: word.value, among: choices)
            let hint = suggestion == nil ? "; expected \(englishList(choices, conjunction: "or"))" : ""
            throw CommandLanguageError(
                .unknownChoice, line: word.line, column: word.column, word: word.value,
                expected: positional.valueType.expectation, suggestion: suggestion,
                message: "unknown \(positional.noun) `\(word.value)`\(origin(of: word)) for `\(spec.name.rawValue)`\(hint)")
        }
        throw invalidValue(word, subject: spec.name.rawValue, type: positional.valueType)
    }

    private static func invalidValue(_ word: ScannedWord, subject: String, type: ValueType) -> CommandLanguageError {
        var suggestion: String?
        if case .oneOf(let choices) = type { suggestion = NameSuggestion.nearest(to: word.value, among: choices) }
        return CommandLanguageError(
            .invalidValue, line: word.line, column: word.valueColumn, word: word.value,
            expected: type.expectation, suggestion: suggestion,
            message: "`\(subject)` expects \(type.expectation), got `\(word.value)`\(origin(of: word))")
    }

    /// " (from `$epochs`)" for a value that came from variables, else "".
    private static func origin(of word: ScannedWord) -> String {
        word.writtenValue.map { " (from `\($0)`)" } ?? ""
    }

    private static func unknownOption(_ word: ScannedWord, label: String, options: [OptionSpec]) -> CommandLanguageError {
        let key = word.key ?? word.value
        let names = options.map(\.name)
        let suggestion = NameSuggestion.nearest(to: key, among: names)
        let message: String
        if names.isEmpty {
            message = "unknown option `\(key)` for `\(label)`, which takes no options"
        } else if suggestion == nil {
            message = "unknown option `\(key)` for `\(label)`; options are \(englishList(names, conjunction: "and"))"
        } else {
            message = "unknown option `\(key)` for `\(label)`"
        }
        return CommandLanguageError(
            .unknownOption, line: word.line, column: word.column, word: key,
            expected: names.isEmpty ? "no options" : englishList(names, conjunction: "or"),
            suggestion: suggestion, message: message)
    }

    private static func unexpectedWord(_ word: ScannedWord, spec: CommandSpec) -> CommandLanguageError {
        let name = spec.name.rawValue
        let message = spec.positionals.isEmpty
            ? "unexpected word `\(word.value)` for `\(name)`, which takes only key=value options"
            : "unexpected word `\(word.value)` for `\(name)`; usage: \(spec.usage)"
        return CommandLanguageError(
            .unexpectedWord, line: word.line, column: word.column, word: word.value,
            expected: spec.usage, message: message)
    }

    private static func missingPositional(_ positional: PositionalSpec, spec: CommandSpec,
                                          after word: ScannedWord) -> CommandLanguageError {
        let noun = "\(article(for: positional.noun)) \(positional.noun)"
        let detail: String
        switch positional.kind {
        case .choice(let choices): detail = ": " + englishList(choices.map(\.name), conjunction: "or")
        case .value(.text), .value(.directory), .value(.file(extensions: [])): detail = ""
        case .value(let type): detail = ": " + type.expectation
        }
        return CommandLanguageError(
            .missingPositional, line: word.line, column: word.column + (word.end - word.start),
            word: "", expected: noun + detail,
            message: "`\(spec.name.rawValue)` needs \(noun)\(detail)")
    }

    private static func danglingContinuation(_ statement: ScannedStatement) -> CommandLanguageError {
        let line = statement.words.last?.line ?? statement.line
        return CommandLanguageError(
            .danglingContinuation, line: line, column: 1, word: "\\",
            expected: "another line after the continuation",
            message: "the program ends with `\\`, which continues onto a line that is not there")
    }

    /// The word as written, without its quotes: `key=value` or `value`.
    static func display(_ word: ScannedWord) -> String {
        word.key.map { "\($0)=\(word.value)" } ?? word.value
    }

    private static func article(for noun: String) -> String {
        guard let first = noun.first else { return "a" }
        return "aeiou".contains(first) ? "an" : "a"
    }
}
