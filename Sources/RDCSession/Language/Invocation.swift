// Layer: session (command language). Pure Swift, no I/O: one parsed, validated command. Its
// values are read through the typed handles of TypedOptions.swift, never by name.

/// One command of a program after parsing and validation: every value it holds has its
/// declared type and lies in its declared range. The executor switches on `command` (and on
/// `choice(as:)` for commands with a choice positional) and reads values with
/// `invocation[handle]`, the handle being the option's one declaration.
public struct Invocation: Sendable, Equatable, CustomStringConvertible {
    /// The command.
    public let command: CommandName
    /// Physical line (1-based) where the command starts in its program.
    public let line: Int
    /// The word of the command's choice positional (data set, model kind, show kind, export
    /// kind), if the command has one.
    public let choice: String?
    /// Whether help was asked for with `?COMMAND` or `COMMAND?` (front ends show it in a pager).
    public let asksForPager: Bool
    /// The values written, positionals under their declared names, options under their keys.
    public let givenValues: [String: OptionValue]
    /// The option keys in the order they were written.
    private let optionOrder: [String]

    init(command: CommandName, line: Int, choice: String?, asksForPager: Bool,
         givenValues: [String: OptionValue], optionOrder: [String]) {
        self.command = command
        self.line = line
        self.choice = choice
        self.asksForPager = asksForPager
        self.givenValues = givenValues
        self.optionOrder = optionOrder
    }

    /// The command's declaration.
    public var spec: CommandSpec { CommandRegistry.spec(for: command) }

    /// For a `let`, defines its variable in `variables`; does nothing for other commands.
    func defineVariable(in variables: inout Variables) {
        guard command == .let else { return }
        variables.define(self[SessionCommandOptions.variableName], as: self[SessionCommandOptions.variableValue])
    }

    /// The command as it would be written: positionals, then the options in the order given.
    public var description: String {
        let declaration = spec
        if command == .let, case .text(let name)? = givenValues[SessionCommandOptions.variableName.spec.name],
           case .text(let value)? = givenValues[SessionCommandOptions.variableValue.spec.name] {
            return "let \(name) = \(quoteIfNeeded(value))"
        }
        let positionals = declaration.positionals.compactMap { givenValues[$0.name]?.description }
        let options = optionOrder.compactMap { key in givenValues[key].map { "\(key)=\($0)" } }
        return ([command.rawValue] + positionals + options).joined(separator: " ")
    }
}
