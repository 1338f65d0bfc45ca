// Layer: session (command language). Pure Swift, no I/O: the types an option or positional
// word may have, how a written word becomes a typed value, and how each type is described in
// help and error messages (one place, so help and errors cannot disagree).

import Foundation

/// The allowed values of a decimal option: a lower bound (inclusive or not) and an optional
/// inclusive upper bound.
public struct DecimalRange: Sendable, Equatable {
    /// The smallest allowed value, or the bound every value must exceed.
    public let lower: Double
    /// Whether `lower` itself is allowed.
    public let lowerIsInclusive: Bool
    /// The largest allowed value (inclusive), or nil for no upper bound.
    public let upper: Double?

    /// Values from `lower` to `upper`, both included.
    public static func from(_ lower: Double, to upper: Double) -> DecimalRange {
        DecimalRange(lower: lower, lowerIsInclusive: true, upper: upper)
    }

    /// Values of at least `lower`, without upper bound.
    public static func atLeast(_ lower: Double) -> DecimalRange {
        DecimalRange(lower: lower, lowerIsInclusive: true, upper: nil)
    }

    /// Values strictly greater than `lower` and, when given, at most `upper`.
    public static func above(_ lower: Double, upTo upper: Double? = nil) -> DecimalRange {
        DecimalRange(lower: lower, lowerIsInclusive: false, upper: upper)
    }

    /// Whether `value` lies in the range.
    public func contains(_ value: Double) -> Bool {
        let aboveLower = lowerIsInclusive ? value >= lower : value > lower
        return aboveLower && (upper.map { value <= $0 } ?? true)
    }

    /// English words for the range, e.g. "from 0 to 1" or "greater than 0".
    var phrase: String {
        let low = formatDecimal(lower)
        switch (lowerIsInclusive, upper) {
        case (true, let upper?): return "from \(low) to \(formatDecimal(upper))"
        case (true, nil): return "of at least \(low)"
        case (false, let upper?): return "greater than \(low) and at most \(formatDecimal(upper))"
        case (false, nil): return "greater than \(low)"
        }
    }

    /// Compact notation for tables, e.g. "0…1" or ">0, ≤10".
    var compact: String {
        let low = formatDecimal(lower)
        switch (lowerIsInclusive, upper) {
        case (true, let upper?): return "\(low)…\(formatDecimal(upper))"
        case (true, nil): return "≥\(low)"
        case (false, let upper?): return ">\(low), ≤\(formatDecimal(upper))"
        case (false, nil): return ">\(low)"
        }
    }
}

/// The type of an option value or positional word, with its allowed range or choices.
public indirect enum ValueType: Sendable, Equatable {
    /// A whole number within the range.
    case integer(ClosedRange<Int>)
    /// A number such as `0.5`, `2` or `1e-3` within the range.
    case decimal(DecimalRange)
    /// `on` or `off`.
    case toggle
    /// One word out of a fixed list.
    case oneOf([String])
    /// A path to a file; when `extensions` is not empty the name must end in one of them.
    case file(extensions: [String])
    /// A path to a folder.
    case directory
    /// Free text (quote it to keep spaces).
    case text
    /// Dimensions written `CxHxW`, e.g. `1x28x28`.
    case shape
    /// The word `auto` (the data chooses), or a value of the wrapped type.
    case automaticOr(ValueType)

    /// The word that asks the data to choose a value.
    public static let automaticWord = "auto"

    /// The placeholder used in usage lines, e.g. `INTEGER` or `kmeans|gmm|dbscan`.
    public var placeholder: String {
        switch self {
        case .integer: return "INTEGER"
        case .decimal: return "DECIMAL"
        case .toggle: return "on|off"
        case .oneOf(let choices): return choices.joined(separator: "|")
        case .file: return "FILE"
        case .directory: return "DIR"
        case .text: return "TEXT"
        case .shape: return "CxHxW"
        case .automaticOr(let inner): return "\(inner.placeholder)|auto"
        }
    }

    /// What a valid value looks like, in words, e.g. "an integer from 1 to 100000".
    public var expectation: String {
        switch self {
        case .integer(let range):
            if range.upperBound == Int.max { return "an integer of at least \(range.lowerBound)" }
            return "an integer from \(range.lowerBound) to \(range.upperBound)"
        case .decimal(let range): return "a decimal \(range.phrase)"
        case .toggle: return "on or off"
        case .oneOf(let choices): return englishList(choices, conjunction: "or")
        case .file(let extensions):
            if extensions.isEmpty { return "a file path" }
            return "a file path ending in \(englishList(extensions, conjunction: "or"))"
        case .directory: return "a folder path"
        case .text: return "text"
        case .shape: return "a shape CxHxW such as 1x28x28"
        case .automaticOr(let inner): return "\(inner.expectation), or auto"
        }
    }

    /// The allowed values in compact form for help tables, e.g. "1…100000".
    public var rangeDescription: String {
        switch self {
        case .integer(let range):
            if range.upperBound == Int.max { return "≥\(range.lowerBound)" }
            return "\(range.lowerBound)…\(range.upperBound)"
        case .decimal(let range): return range.compact
        case .toggle: return "on|off"
        case .oneOf(let choices): return choices.joined(separator: "|")
        case .file(let extensions): return extensions.isEmpty ? "path" : extensions.joined(separator: "|")
        case .directory: return "path"
        case .text: return "any"
        case .shape: return "positive"
        case .automaticOr(let inner): return "\(inner.rangeDescription)|auto"
        }
    }

    /// The type's name for help tables.
    public var name: String {
        switch self {
        case .integer: return "integer"
        case .decimal: return "decimal"
        case .toggle: return "on/off"
        case .oneOf: return "choice"
        case .file: return "file"
        case .directory: return "folder"
        case .text: return "text"
        case .shape: return "shape"
        case .automaticOr(let inner): return "\(inner.name)/auto"
        }
    }

    /// The typed value of the written word `raw`, or nil when it is not a valid value.
    public func value(of raw: String) -> OptionValue? {
        switch self {
        case .integer(let range):
            guard let number = Int(raw), range.contains(number) else { return nil }
            return .integer(number)
        case .decimal(let range):
            guard let number = parseDecimal(raw), range.contains(number) else { return nil }
            return .decimal(number)
        case .toggle:
            switch raw {
            case "on": return .toggle(true)
            case "off": return .toggle(false)
            default: return nil
            }
        case .oneOf(let choices):
            return choices.contains(raw) ? .word(raw) : nil
        case .file(let extensions):
            guard !raw.isEmpty else { return nil }
            guard extensions.isEmpty || extensions.contains(where: { raw.hasSuffix($0) }) else { return nil }
            return .path(raw)
        case .directory:
            return raw.isEmpty ? nil : .path(raw)
        case .text:
            return .text(raw)
        case .shape:
            let parts = raw.split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
            guard parts.count == 3, parts.allSatisfy({ ($0 ?? 0) >= 1 }) else { return nil }
            return .shape(parts.compactMap { $0 })
        case .automaticOr(let inner):
            return raw == Self.automaticWord ? .word(raw) : inner.value(of: raw)
        }
    }
}

/// A typed value of an option or positional word, after validation against its `ValueType`.
public enum OptionValue: Sendable, Equatable, CustomStringConvertible {
    /// A whole number.
    case integer(Int)
    /// A decimal number.
    case decimal(Double)
    /// `on` (true) or `off` (false).
    case toggle(Bool)
    /// One of a fixed list of words.
    case word(String)
    /// A file or folder path, as written (not resolved).
    case path(String)
    /// Free text.
    case text(String)
    /// Dimensions such as [1, 28, 28].
    case shape([Int])

    /// The value as it would be written in the language (quoted when it holds spaces).
    public var description: String {
        switch self {
        case .integer(let number): return String(number)
        case .decimal(let number): return formatDecimal(number)
        case .toggle(let isOn): return isOn ? "on" : "off"
        case .word(let word): return word
        case .path(let text), .text(let text): return quoteIfNeeded(text)
        case .shape(let dimensions): return dimensions.map(String.init).joined(separator: "x")
        }
    }
}

/// Parses a plain decimal (digits, sign, point, exponent); rejects `nan`, `inf` and hex.
func parseDecimal(_ raw: String) -> Double? {
    guard !raw.isEmpty, raw.allSatisfy({ "0123456789+-.eE".contains($0) }),
          let number = Double(raw), number.isFinite else { return nil }
    return number
}

/// A decimal as short as Swift can print it exactly, without a trailing ".0".
func formatDecimal(_ number: Double) -> String {
    if number == number.rounded(), abs(number) < 1e15 { return String(Int(number)) }
    return String(number)
}

/// Wraps `text` in double quotes, escaping `"` and `\`, when it is empty or holds characters
/// the scanner would otherwise split on or interpret.
func quoteIfNeeded(_ text: String) -> String {
    let needsQuotes = text.isEmpty || text.contains(where: { $0.isWhitespace || "\"#=\\".contains($0) })
    guard needsQuotes else { return text }
    let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    return "\"\(escaped)\""
}

/// "a", "a or b", "a, b or c".
func englishList(_ items: [String], conjunction: String) -> String {
    guard items.count > 1 else { return items.first ?? "" }
    return items.dropLast().joined(separator: ", ") + " \(conjunction) " + items[items.count - 1]
}
