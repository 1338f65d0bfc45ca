// Layer: session (command language). Pure Swift, no I/O: the shapes of the declarations in the
// registry. Parser, help, completion and inspection read only these.

import SafeFiles

/// The value an option takes when the user does not write it.
public enum OptionDefault: Sendable, Equatable {
    /// A fixed value, returned by the typed accessors of `Invocation`.
    case value(OptionValue)
    /// Decided by the executor from the session (the rule in words); accessors return nil.
    case computed(String)
    /// The user must write the option.
    case required

    /// The default as shown in help tables: the value, the rule, or "required".
    public var description: String {
        switch self {
        case .value(let value): return value.description
        case .computed(let rule): return rule
        case .required: return "required"
        }
    }
}

/// One `key=value` option of a command or of one choice of a command.
public struct OptionSpec: Sendable {
    /// The key, case-sensitive (e.g. `epochs`, `M`).
    public let name: String
    /// The value's type and allowed range.
    public let type: ValueType
    /// What applies when the option is not written.
    public let defaultValue: OptionDefault
    /// One line of help.
    public let help: String

    /// Declares an option.
    public init(_ name: String, _ type: ValueType, default defaultValue: OptionDefault, help: String) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.help = help
    }

    /// The option as written in a usage line, e.g. `[epochs=INTEGER]` or `images=FILE`.
    public var usage: String {
        let written = "\(name)=\(type.placeholder)"
        return defaultValue == .required ? written : "[\(written)]"
    }
}

/// One of the words a choice positional accepts (a data set, a model kind, a `show` kind),
/// with the options that only make sense for it.
public struct ChoiceSpec: Sendable {
    /// The word, e.g. `fashion-mnist`.
    public let name: String
    /// One line of help.
    public let summary: String
    /// Options valid only after this choice (the command's own options apply as well).
    public let options: [OptionSpec]

    /// Declares a choice.
    public init(_ name: String, summary: String, options: [OptionSpec] = []) {
        self.name = name
        self.summary = summary
        self.options = options
    }
}

/// A word written without `key=`, in a fixed position after the command.
public struct PositionalSpec: Sendable {
    /// What the positional accepts.
    public enum Kind: Sendable {
        /// One of several words, each carrying its own options.
        case choice([ChoiceSpec])
        /// A single value of the given type.
        case value(ValueType)
    }

    /// The key under which `Invocation` stores the value (e.g. `dataset`, `file`).
    public let name: String
    /// The placeholder in usage lines, e.g. `NAME` or `FILE`.
    public let placeholder: String
    /// What the word names, without article, e.g. "dataset name" (used in error messages).
    public let noun: String
    /// One line of help.
    public let help: String
    /// The accepted words.
    public let kind: Kind
    /// Whether the command fails without it.
    public let isRequired: Bool
    /// Whether it takes all remaining positional words, joined by single spaces.
    public let collectsRest: Bool

    /// Declares a positional word.
    public init(_ name: String, placeholder: String, noun: String, help: String, kind: Kind,
                isRequired: Bool = true, collectsRest: Bool = false) {
        self.name = name
        self.placeholder = placeholder
        self.noun = noun
        self.help = help
        self.kind = kind
        self.isRequired = isRequired
        self.collectsRest = collectsRest
    }

    /// The declared choices (empty for a value positional).
    public var choices: [ChoiceSpec] {
        if case .choice(let choices) = kind { return choices }
        return []
    }

    /// The type of the written word: the choice names for a choice positional.
    public var valueType: ValueType {
        switch kind {
        case .choice(let choices): return .oneOf(choices.map(\.name))
        case .value(let type): return type
        }
    }

    /// The positional as written in a usage line, e.g. `FILE` or `[COMMAND]`.
    public var usage: String {
        let word = collectsRest ? "\(placeholder)..." : placeholder
        return isRequired ? word : "[\(word)]"
    }
}

/// The declaration of one command: its words, its options and its help.
public struct CommandSpec: Sendable {
    /// The command's name.
    public let name: CommandName
    /// One line of help.
    public let summary: String
    /// A paragraph or more of help.
    public let help: String
    /// One or more example lines.
    public let example: String
    /// Positional words, in order.
    public let positionals: [PositionalSpec]
    /// Options valid whatever the choice.
    public let options: [OptionSpec]

    /// Declares a command.
    public init(_ name: CommandName, summary: String, help: String, example: String,
                positionals: [PositionalSpec] = [], options: [OptionSpec] = []) {
        self.name = name
        self.summary = summary
        self.help = help
        self.example = example
        self.positionals = positionals
        self.options = options
    }

    /// The positional whose words carry their own options, if any.
    public var choicePositional: PositionalSpec? {
        positionals.first { !$0.choices.isEmpty }
    }

    /// The declared choice called `name`, if any.
    public func choice(named name: String) -> ChoiceSpec? {
        choicePositional?.choices.first { $0.name == name }
    }

    /// The options valid after `choice` (its own first, then the command's), or the command's
    /// own options when no choice is given.
    public func options(forChoice choice: String?) -> [OptionSpec] {
        (choice.flatMap { self.choice(named: $0)?.options } ?? []) + options
    }

    /// Every option the command declares, for any choice.
    public var allOptions: [OptionSpec] {
        (choicePositional?.choices.flatMap(\.options) ?? []) + options
    }

    /// The usage line, e.g. `pretrain [epochs=INTEGER] ...` or `data NAME [options]`.
    public var usage: String {
        var words = [name.rawValue] + positionals.map(\.usage)
        if choicePositional != nil {
            if !allOptions.isEmpty { words.append("[options]") }
        } else {
            words += options.map(\.usage)
        }
        return words.joined(separator: " ")
    }
}
