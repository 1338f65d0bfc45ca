// Layer: session (command language). Pure Swift, no I/O: one parsed, validated command, with
// typed accessors that fall back to the registry's defaults.

/// One command of a program after parsing and validation: every value it holds has its
/// declared type and lies in its declared range. The executor switches on `command` (and on
/// `choice(_:)` for commands with a choice positional) and reads values by name.
///
/// Accessors take the name of a positional (`dataset`, `file`, `seed`, ...) or an option
/// (`epochs`, `M`, ...). Asking for a name the command does not declare, or with the wrong
/// accessor for its type, is a programming error and stops the process.
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

    /// The choice as one of the enums of choice names (`DatasetName`, `ModelKind`, `ShowKind`,
    /// `ExportKind`), or nil when the command has no choice or it is not of that enum.
    public func choice<Choice: RawRepresentable>(_ type: Choice.Type) -> Choice? where Choice.RawValue == String {
        choice.flatMap(Choice.init(rawValue:))
    }

    /// Whether the user wrote `name`.
    public func isGiven(_ name: String) -> Bool {
        givenValues[name] != nil
    }

    /// The written value of `name`, else its fixed registry default; nil for a positional left
    /// out, an option with a computed default, or an option of another choice.
    public func value(_ name: String) -> OptionValue? {
        if let given = givenValues[name] { return given }
        let declaration = spec
        if let option = declaration.options(forChoice: choice).first(where: { $0.name == name }) {
            if case .value(let fallback) = option.defaultValue { return fallback }
            return nil
        }
        precondition(declaration.positionals.contains { $0.name == name }
                     || declaration.allOptions.contains { $0.name == name },
                     "`\(command.rawValue)` declares no option or positional `\(name)`")
        return nil
    }

    /// The integer value of `name` (written or default).
    public func integer(_ name: String) -> Int? {
        switch value(name) {
        case nil: return nil
        case .integer(let number)?: return number
        case let other?: mismatch(name, other, "integer")
        }
    }

    /// The decimal value of `name` (written or default); integer values are converted.
    public func decimal(_ name: String) -> Double? {
        switch value(name) {
        case nil: return nil
        case .decimal(let number)?: return number
        case .integer(let number)?: return Double(number)
        case let other?: mismatch(name, other, "decimal")
        }
    }

    /// The on/off value of `name` (written or default), `on` being true.
    public func toggle(_ name: String) -> Bool? {
        switch value(name) {
        case nil: return nil
        case .toggle(let isOn)?: return isOn
        case let other?: mismatch(name, other, "toggle")
        }
    }

    /// The word of a `oneOf` option or positional (written or default).
    public func word(_ name: String) -> String? {
        switch value(name) {
        case nil: return nil
        case .word(let word)?: return word
        case let other?: mismatch(name, other, "word")
        }
    }

    /// The word of a `oneOf` option as an enum whose raw values are the choices.
    public func word<Word: RawRepresentable>(_ name: String, as type: Word.Type) -> Word? where Word.RawValue == String {
        word(name).flatMap(Word.init(rawValue:))
    }

    /// The file or folder path of `name` as written (written or default).
    public func path(_ name: String) -> String? {
        switch value(name) {
        case nil: return nil
        case .path(let path)?: return path
        case let other?: mismatch(name, other, "path")
        }
    }

    /// The free text of `name`.
    public func text(_ name: String) -> String? {
        switch value(name) {
        case nil: return nil
        case .text(let text)?: return text
        case let other?: mismatch(name, other, "text")
        }
    }

    /// The dimensions of a shape option, e.g. [1, 28, 28].
    public func shape(_ name: String) -> [Int]? {
        switch value(name) {
        case nil: return nil
        case .shape(let dimensions)?: return dimensions
        case let other?: mismatch(name, other, "shape")
        }
    }

    /// The command as it would be written: positionals, then the options in the order given.
    public var description: String {
        let declaration = spec
        let positionals = declaration.positionals.compactMap { givenValues[$0.name]?.description }
        let options = optionOrder.compactMap { key in givenValues[key].map { "\(key)=\($0)" } }
        return ([command.rawValue] + positionals + options).joined(separator: " ")
    }

    private func mismatch(_ name: String, _ value: OptionValue, _ accessor: String) -> Never {
        preconditionFailure("`\(name)` of `\(command.rawValue)` holds \(value), read as \(accessor)")
    }
}
