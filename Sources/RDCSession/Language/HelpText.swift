// Layer: session (command language). Pure Swift, no I/O: help texts generated from the
// registry, for `help`, `?COMMAND` and inspection.

extension CommandSpec {
    /// The usage line without the option list: e.g. `pretrain [options]`, `save FILE`.
    public var shortUsage: String {
        var words = [name.rawValue] + positionals.map(\.usage)
        if !allOptions.isEmpty { words.append("[options]") }
        return words.joined(separator: " ")
    }
}

extension OptionSpec {
    /// One row of an options table: name, type, default, range, help.
    var tableRow: [String] {
        [name, type.name, defaultValue.description, type.rangeDescription, help]
    }
}

extension CommandLanguage {
    /// The widest line of a help table: columns of text beyond it wrap (a terminal of 100
    /// columns, and a notebook's output area, show each row without folding it across columns).
    static let helpTableWidth = 100

    /// The overview: every command with its short usage and summary, and how to get more.
    public static func helpText() -> String {
        let rows = CommandRegistry.commands.map { ["  " + $0.shortUsage, $0.summary] }
        return """
        R-DC commands, one per line (`#` starts a comment; a trailing `\\` continues the line; \
        options are written key=value; quote values that hold spaces):

        \(Table(header: [], rows: rows).plainText(maximumWidth: helpTableWidth))

        `help COMMAND` or `?COMMAND` shows a command's options, defaults and an example.
        """
    }

    /// The full help of one command: summary, usage, description, positionals with their
    /// choices, options tables (type, default, range, help) and an example.
    public static func helpText(for command: CommandName) -> String {
        let spec = CommandRegistry.spec(for: command)
        var sections = ["\(spec.name.rawValue) — \(spec.summary)", "Usage: \(spec.usage)", spec.help]
        for positional in spec.positionals {
            if positional.choices.isEmpty {
                let optional = positional.isRequired ? "" : " Optional."
                sections.append("\(positional.placeholder) — \(positional.help) "
                                + "Expects \(positional.valueType.expectation).\(optional)")
            } else {
                let rows = positional.choices.map { ["  " + $0.name, $0.summary] }
                sections.append("\(positional.placeholder) is one of:\n" + Table(header: [], rows: rows).plainText(maximumWidth: helpTableWidth))
            }
        }
        for choice in spec.choicePositional?.choices ?? [] where !choice.options.isEmpty {
            sections.append("Options of `\(spec.name.rawValue) \(choice.name)`:\n" + optionsTable(choice.options))
        }
        if !spec.options.isEmpty {
            let heading = spec.choicePositional.map { "Options of every \($0.noun):" } ?? "Options:"
            sections.append(heading + "\n" + optionsTable(spec.options))
        }
        sections.append("Example:\n" + spec.example.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
        return sections.joined(separator: "\n\n")
    }

    /// A choice's summary and options, e.g. for `data mnist`.
    static func helpText(for choice: ChoiceSpec, of spec: CommandSpec) -> String {
        var text = "\(spec.name.rawValue) \(choice.name) — \(choice.summary)"
        let options = spec.options(forChoice: choice.name)
        if !options.isEmpty { text += "\n\nOptions:\n" + optionsTable(options) }
        return text
    }

    /// One option's help: usage, line of help, type, default and range.
    static func helpText(for option: OptionSpec, label: String) -> String {
        "\(label) \(option.name)=\(option.type.placeholder)\n\(option.help)\n"
            + "Type: \(option.type.expectation). Default: \(option.defaultValue.description)."
    }

    private static func optionsTable(_ options: [OptionSpec]) -> String {
        Table(header: ["option", "type", "default", "range", "help"], rows: options.map(\.tableRow))
            .plainText(maximumWidth: helpTableWidth)
    }
}
