// Layer: session (command language). Pure Swift: the one error type of parsing, naming the
// line, column and word at fault, what was expected, and the nearest valid name.

import Foundation
import SafeFiles

/// A program that does not follow the language or the registry. Its `description` is the
/// message shown to users, e.g. "line 3: unknown option `epoch` for `pretrain`; did you mean
/// `epochs`?".
public struct CommandLanguageError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// What kind of mistake it is.
    public enum Kind: Sendable, Equatable {
        /// The first word is not a command.
        case unknownCommand
        /// A `key=` is not an option of the command (or of its choice).
        case unknownOption
        /// A choice positional (data set, kind) is not one of the declared choices.
        case unknownChoice
        /// A value does not have the declared type or is out of range.
        case invalidValue
        /// `key=` with nothing after the `=`.
        case missingValue
        /// `=value` with nothing before the `=`.
        case missingOptionName
        /// A required positional word is missing.
        case missingPositional
        /// A required option is missing.
        case missingOption
        /// A positional word the command does not take.
        case unexpectedWord
        /// The same option written twice.
        case repeatedOption
        /// A quote opened and not closed on its line.
        case unterminatedQuote
        /// The program ends with a continuation backslash.
        case danglingContinuation
        /// `$NAME` names no variable defined with `let`.
        case unknownVariable
        /// A `$` not followed by a variable name (`$NAME` or `${NAME}`).
        case invalidVariable
    }

    /// What kind of mistake it is.
    public let kind: Kind
    /// Physical line (1-based) of the offending word.
    public let line: Int
    /// Column (1-based, in Unicode scalars) of the offending word on its line.
    public let column: Int
    /// The offending word as written (empty when something is missing).
    public let word: String
    /// What would have been valid, in words (e.g. "an integer from 1 to 100000").
    public let expected: String
    /// The nearest valid name, when one is close enough to be a likely typo.
    public let suggestion: String?
    /// The message without its "line N: " prefix.
    public let message: String

    /// The message shown to users: "line N: " followed by `message`.
    public var description: String { "line \(line): \(message)" }

    /// Same as `description`, for code that reads `localizedDescription`.
    public var errorDescription: String? { description }

    init(_ kind: Kind, line: Int, column: Int, word: String, expected: String,
         suggestion: String? = nil, message: String) {
        self.kind = kind
        self.line = line
        self.column = column
        self.word = word
        self.expected = expected
        self.suggestion = suggestion
        self.message = suggestion.map { "\(message); did you mean `\($0)`?" } ?? message
    }
}
