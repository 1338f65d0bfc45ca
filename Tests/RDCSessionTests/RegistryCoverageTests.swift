// Layer: session tests. Walks the whole registry, so a command or option added without help,
// completion, inspection or a consistent default fails here.

import XCTest
@testable import RDCSession
import RDCMethod

final class RegistryCoverageTests: XCTestCase {
    /// A valid word of `type`, for building minimal valid commands.
    private func sample(_ type: ValueType) -> String {
        switch type {
        case .integer(let range): return String(range.lowerBound)
        case .decimal(let range): return range.contains(range.lower) ? formatDecimal(range.lower) : formatDecimal(range.upper ?? range.lower + 1)
        case .toggle: return "on"
        case .oneOf(let choices): return choices[0]
        case .file(let extensions): return "sample" + (extensions.first ?? ".bin")
        case .directory: return "/tmp"
        case .text: return "hello"
        case .shape: return "1x2x2"
        case .automaticOr: return ValueType.automaticWord
        }
    }

    /// Each command with each of its choices (nil for commands without a choice).
    private var commandsAndChoices: [(CommandSpec, ChoiceSpec?)] {
        CommandRegistry.commands.flatMap { spec -> [(CommandSpec, ChoiceSpec?)] in
            guard let choices = spec.choicePositional?.choices else { return [(spec, nil)] }
            return choices.map { (spec, $0) }
        }
    }

    /// The shortest valid line for `spec` with `choice`: required positionals and options only.
    private func minimalLine(_ spec: CommandSpec, _ choice: ChoiceSpec?) -> String {
        var words = [spec.name.rawValue]
        for positional in spec.positionals where positional.isRequired {
            words.append(positional.choices.isEmpty ? sample(positional.valueType) : choice!.name)
        }
        for option in spec.options(forChoice: choice?.name) where option.defaultValue == .required {
            words.append("\(option.name)=\(sample(option.type))")
        }
        return words.joined(separator: " ")
    }

    func testEveryDeclarationHasHelp() {
        XCTAssertEqual(CommandRegistry.commands.map(\.name), CommandName.allCases)
        for spec in CommandRegistry.commands {
            let name = spec.name.rawValue
            XCTAssertFalse(spec.summary.isEmpty, name)
            XCTAssertFalse(spec.help.isEmpty, name)
            XCTAssertFalse(spec.example.isEmpty, name)
            XCTAssertFalse(spec.summary.contains("\n"), "\(name): summary is one line")
            for positional in spec.positionals {
                XCTAssertFalse(positional.help.isEmpty, "\(name) \(positional.name)")
                XCTAssertFalse(positional.noun.isEmpty, "\(name) \(positional.name)")
                for choice in positional.choices {
                    XCTAssertFalse(choice.summary.isEmpty, "\(name) \(choice.name)")
                }
            }
            for option in spec.allOptions {
                XCTAssertFalse(option.help.isEmpty, "\(name) \(option.name)")
                XCTAssertFalse(option.help.contains("\n"), "\(name) \(option.name): help is one line")
            }
        }
    }

    func testEveryExampleParsesAsItsCommand() throws {
        for spec in CommandRegistry.commands {
            let invocations = try CommandLanguage.parse(spec.example)
            XCTAssertFalse(invocations.isEmpty, spec.name.rawValue)
            XCTAssertTrue(invocations.allSatisfy { $0.command == spec.name }, spec.name.rawValue)
        }
    }

    func testNamesAreUniqueWithinEachCommandAndChoice() {
        for (spec, choice) in commandsAndChoices {
            let options = spec.options(forChoice: choice?.name).map(\.name)
            let names = options + spec.positionals.map(\.name)
            XCTAssertEqual(Set(names).count, names.count, "\(spec.name.rawValue) \(choice?.name ?? ""): \(names)")
        }
    }

    func testChoiceEnumsMatchTheRegistry() {
        XCTAssertEqual(CommandRegistry.spec(for: .data).choicePositional?.choices.map(\.name), DatasetName.allCases.map(\.rawValue))
        XCTAssertEqual(CommandRegistry.spec(for: .model).choicePositional?.choices.map(\.name), ModelKind.allCases.map(\.rawValue))
        XCTAssertEqual(CommandRegistry.spec(for: .show).choicePositional?.choices.map(\.name), ShowKind.allCases.map(\.rawValue))
        XCTAssertEqual(CommandRegistry.spec(for: .export).choicePositional?.choices.map(\.name), ExportKind.allCases.map(\.rawValue))
    }

    func testFixedDefaultsAreValidValuesOfTheirOwnType() {
        for spec in CommandRegistry.commands {
            for option in spec.allOptions {
                guard case .value(let fallback) = option.defaultValue else { continue }
                XCTAssertEqual(option.type.value(of: String(describing: fallback)), fallback,
                               "\(spec.name.rawValue) \(option.name)")
            }
        }
    }

    func testEveryCommandCompletesFromAPrefix() {
        for spec in CommandRegistry.commands {
            let name = spec.name.rawValue
            for length in [0, 1, 2, name.count] where length <= name.count {
                let prefix = String(name.prefix(length))
                let result = CommandLanguage.complete(code: prefix, cursor: prefix.unicodeScalars.count)
                XCTAssertTrue(result.matches.contains(name), "`\(prefix)` should offer \(name)")
                XCTAssertTrue(result.matches.allSatisfy { $0.hasPrefix(prefix) }, prefix)
                XCTAssertEqual(result.range, 0..<prefix.unicodeScalars.count)
            }
        }
    }

    func testEveryChoiceAndOptionCompletesFromAPrefix() {
        for (spec, choice) in commandsAndChoices {
            let name = spec.name.rawValue
            if let choice {
                let code = "\(name) \(choice.name.prefix(2))"
                XCTAssertTrue(CommandLanguage.complete(code: code, cursor: code.unicodeScalars.count).matches.contains(choice.name), code)
            }
            let base = minimalLine(spec, choice)
            for option in spec.options(forChoice: choice?.name) where option.defaultValue != .required {
                let code = "\(base) \(option.name.prefix(1))"
                let result = CommandLanguage.complete(code: code, cursor: code.unicodeScalars.count)
                XCTAssertTrue(result.matches.contains("\(option.name)="), "\(code) → \(result.matches)")
                XCTAssertEqual(result.range, (code.unicodeScalars.count - 1)..<code.unicodeScalars.count)
            }
        }
    }

    func testEveryChoiceOptionCompletesItsValues() {
        for (spec, choice) in commandsAndChoices {
            let base = minimalLine(spec, choice)
            for option in spec.options(forChoice: choice?.name) where option.defaultValue != .required {
                let expected: [String]
                switch option.type {
                case .oneOf(let choices): expected = choices
                case .toggle: expected = ["on", "off"]
                default: continue
                }
                let code = "\(base) \(option.name)="
                let count = code.unicodeScalars.count
                XCTAssertEqual(CommandLanguage.complete(code: code, cursor: count),
                               CompletionResult(matches: expected, range: count..<count), code)
            }
        }
    }

    func testEveryCommandAndOptionInspectsAtStartMiddleAndEndOfItsWord() throws {
        for (spec, choice) in commandsAndChoices {
            let name = spec.name.rawValue
            let base = minimalLine(spec, choice)
            for cursor in [0, name.count / 2, name.count] {
                let text = try XCTUnwrap(CommandLanguage.inspect(code: base, cursor: cursor), "\(base) @\(cursor)")
                XCTAssertTrue(text.hasPrefix(spec.usage), "\(base) @\(cursor)")
                XCTAssertEqual(CommandLanguage.inspect(code: base, cursor: cursor, detailLevel: 1),
                               CommandLanguage.helpText(for: spec.name))
            }
            if let choice {
                let start = name.count + 1
                for cursor in [start, start + choice.name.count / 2, start + choice.name.count] {
                    let text = try XCTUnwrap(CommandLanguage.inspect(code: base, cursor: cursor))
                    XCTAssertTrue(text.hasPrefix("\(name) \(choice.name) — \(choice.summary)"), "\(base) @\(cursor): \(text)")
                }
            }
            for option in spec.options(forChoice: choice?.name) where option.defaultValue != .required {
                let word = "\(option.name)=\(sample(option.type))"
                let code = "\(base) \(word)"
                let start = base.unicodeScalars.count + 1
                for cursor in [start, start + word.unicodeScalars.count / 2, start + word.unicodeScalars.count] {
                    let text = try XCTUnwrap(CommandLanguage.inspect(code: code, cursor: cursor), "\(code) @\(cursor)")
                    XCTAssertTrue(text.contains("\(option.name)=\(option.type.placeholder)\n\(option.help)"), "\(code) @\(cursor): \(text)")
                    let detailed = try XCTUnwrap(CommandLanguage.inspect(code: code, cursor: cursor, detailLevel: 1))
                    XCTAssertTrue(detailed.hasPrefix(text) && detailed.contains(spec.example), code)
                }
            }
        }
    }

    func testHelpTextNamesEveryOptionWithItsHelpAndTheExample() {
        let overview = CommandLanguage.helpText()
        for spec in CommandRegistry.commands {
            XCTAssertTrue(overview.contains(spec.shortUsage) && containsInOrder(overview, spec.summary), spec.name.rawValue)
            let text = CommandLanguage.helpText(for: spec.name)
            XCTAssertTrue(text.contains(spec.usage) && text.contains(spec.help) && text.contains(spec.example), spec.name.rawValue)
            // Option tables wrap long cells onto continuation lines: each cell's words appear in order.
            for option in spec.allOptions {
                XCTAssertTrue(containsInOrder(text, option.help), "\(spec.name.rawValue) \(option.name)")
                XCTAssertTrue(containsInOrder(text, option.defaultValue.description), "\(spec.name.rawValue) \(option.name)")
            }
            XCTAssertLessThanOrEqual(text.split(separator: "\n").filter { $0.hasPrefix(" ") || $0.contains("  ") }
                .map(\.count).max() ?? 0, CommandLanguage.helpTableWidth, "\(spec.name.rawValue): a table line is too wide")
            for choice in spec.choicePositional?.choices ?? [] {
                XCTAssertTrue(containsInOrder(text, choice.summary), "\(spec.name.rawValue) \(choice.name)")
            }
        }
    }

    /// Whether the words of `phrase` occur in `text` in order (other words may come between).
    private func containsInOrder(_ text: String, _ phrase: String) -> Bool {
        var words = text.split(whereSeparator: \.isWhitespace)[...]
        for word in phrase.split(whereSeparator: \.isWhitespace) {
            guard let found = words.firstIndex(of: word) else { return false }
            words = words[(found + 1)...]
        }
        return true
    }
}
