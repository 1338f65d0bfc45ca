// Layer: session (command language). Pure Swift, no I/O: help for the word under the cursor
// (Jupyter's inspect_request, shift-tab), generated from the registry.

extension CommandLanguage {
    /// Help for the command, choice or option under the cursor, or just before it (a
    /// Unicode-scalar offset into `code`). Detail level 0 gives the short form (usage and one
    /// line); 1 adds the long help, options and example. Nil when the cursor is on no known
    /// command, or in a comment or blank line.
    public static func inspect(code: String, cursor: Int, detailLevel: Int = 0) -> String? {
        let context = CursorContext(code: code, cursor: cursor)
        guard let statement = context.statement, !context.isInComment,
              let normalized = NormalizedStatement(statement.words),
              let spec = CommandRegistry.spec(named: normalized.command) else { return nil }
        let detailed = detailLevel > 0
        guard let word = statement.words.first(where: { $0.start <= context.cursor && context.cursor <= $0.end })
                ?? statement.words.last(where: { $0.end <= context.cursor }),
              let argument = normalized.arguments.first(where: { $0.start >= word.start && $0.end <= word.end })
        else { return commandHelp(spec, detailed: detailed) }

        let choice = choiceWord(of: spec, in: normalized.arguments)
        if let key = argument.key {
            guard let option = spec.options(forChoice: choice).first(where: { $0.name == key })
                ?? spec.allOptions.first(where: { $0.name == key })
            else { return commandHelp(spec, detailed: detailed) }
            let label = choice.map { "\(spec.name.rawValue) \($0)" } ?? spec.name.rawValue
            let text = helpText(for: option, label: label)
            return detailed ? text + "\n\n" + commandHelp(spec, detailed: false) + "\n\nExample:\n  \(spec.example)" : text
        }
        if let chosen = spec.choice(named: argument.value) {
            let text = helpText(for: chosen, of: spec)
            return detailed ? text + "\n\n" + spec.help + "\n\nExample:\n  \(spec.example)" : text
        }
        if spec.name == .help, let topic = CommandName(rawValue: argument.value) {
            return commandHelp(CommandRegistry.spec(for: topic), detailed: detailed)
        }
        return commandHelp(spec, detailed: detailed)
    }

    private static func commandHelp(_ spec: CommandSpec, detailed: Bool) -> String {
        detailed ? helpText(for: spec.name) : "\(spec.usage)\n\(spec.summary)"
    }
}
