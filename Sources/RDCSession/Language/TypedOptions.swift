// Layer: session (command language). Pure Swift, no I/O: typed handles on declared options and
// positionals. A handle is the one declaration of its option (name, type, default, help): the
// registry lists its spec, and executors read `invocation[handle]`, so a misspelt option name
// or a wrong type does not compile.

/// An enum whose raw values are the words a `oneOf` option accepts: its cases are the choices,
/// so help, completion and the executor's `switch` all come from the enum.
public protocol ChoiceWord: RawRepresentable, CaseIterable, Sendable where RawValue == String {}

/// How a Swift value is declared in the language and read back from a validated `OptionValue`.
public struct ValueCodec<Value: Sendable>: Sendable {
    /// The language type (with range or choices) the parser checks.
    public let type: ValueType
    let encode: @Sendable (Value) -> OptionValue
    let decode: @Sendable (OptionValue) -> Value?

    @Sendable fileprivate static func decodeDecimal(_ value: OptionValue) -> Double? {
        switch value {
        case .decimal(let number): return number
        case .integer(let number): return Double(number)
        default: return nil
        }
    }
}

extension ValueCodec where Value == Int {
    /// An integer within `range`.
    public static func integer(_ range: ClosedRange<Int>) -> Self {
        Self(type: .integer(range), encode: { .integer($0) }) {
            if case .integer(let number) = $0 { return number }
            return nil
        }
    }
}

extension ValueCodec where Value == Double {
    /// A decimal within `range`.
    public static func decimal(_ range: DecimalRange) -> Self {
        Self(type: .decimal(range), encode: { .decimal($0) }, decode: Self.decodeDecimal)
    }
}

extension ValueCodec where Value == Float {
    /// A decimal within `range`, read as a Float (the method's settings are Float). Defaults
    /// are shown as written in Swift (`0.001`, not the Float's binary expansion).
    public static func decimal(_ range: DecimalRange) -> Self {
        Self(type: .decimal(range), encode: { .decimal(Double("\($0)") ?? Double($0)) }) {
            ValueCodec<Double>.decodeDecimal($0).map(Float.init)
        }
    }
}

extension ValueCodec where Value == Bool {
    /// `on` or `off`.
    public static var toggle: Self {
        Self(type: .toggle, encode: { .toggle($0) }) {
            if case .toggle(let isOn) = $0 { return isOn }
            return nil
        }
    }
}

extension ValueCodec where Value == String {
    /// A file path (ending in one of `extensions` when given), as written.
    public static func file(extensions: [String] = []) -> Self { path(.file(extensions: extensions)) }

    /// A folder path, as written.
    public static var directory: Self { path(.directory) }

    /// Free text.
    public static var text: Self {
        Self(type: .text, encode: { .text($0) }) {
            if case .text(let text) = $0 { return text }
            return nil
        }
    }

    private static func path(_ type: ValueType) -> Self {
        Self(type: type, encode: { .path($0) }) {
            if case .path(let path) = $0 { return path }
            return nil
        }
    }
}

extension ValueCodec where Value == [Int] {
    /// Dimensions written `CxHxW`.
    public static var shape: Self {
        Self(type: .shape, encode: { .shape($0) }) {
            if case .shape(let dimensions) = $0 { return dimensions }
            return nil
        }
    }
}

extension ValueCodec where Value: ChoiceWord {
    /// One of the enum's cases, written as its raw value.
    public static var choice: Self { choice(among: Array(Value.allCases)) }

    /// One of `cases` (a subset of the enum, e.g. the splits one data set has).
    public static func choice(among cases: [Value]) -> Self {
        Self(type: .oneOf(cases.map(\.rawValue)), encode: { .word($0.rawValue) }) {
            if case .word(let word) = $0 { return Value(rawValue: word) }
            return nil
        }
    }
}

/// A value written out, or `auto` for one the data chooses.
public enum Automatic<Value: Sendable>: Sendable {
    /// `auto`: the executor chooses from the data.
    case automatic
    /// The value as written.
    case given(Value)

    /// The written value, or nil for `auto`.
    public var given: Value? {
        if case .given(let value) = self { return value }
        return nil
    }
}

extension ValueCodec {
    /// `auto`, or a value of `inner`'s type.
    public static func automaticOr<Inner>(_ inner: ValueCodec<Inner>) -> Self where Value == Automatic<Inner> {
        Self(type: .automaticOr(inner.type), encode: { value in
            switch value {
            case .automatic: return .word(ValueType.automaticWord)
            case .given(let given): return inner.encode(given)
            }
        }) { value in
            if case .word(ValueType.automaticWord) = value { return .automatic }
            return inner.decode(value).map { .given($0) }
        }
    }
}

/// A declared option with a fixed default, or a required one: reading it always gives a value.
public struct OptionKey<Value: Sendable>: Sendable {
    /// The declaration the registry lists.
    public let spec: OptionSpec
    let codec: ValueCodec<Value>
    let fallback: Value?

    /// An option whose value is `defaultValue` when not written.
    public init(_ name: String, _ codec: ValueCodec<Value>, default defaultValue: Value, help: String) {
        spec = OptionSpec(name, codec.type, default: .value(codec.encode(defaultValue)), help: help)
        self.codec = codec
        fallback = defaultValue
    }

    /// An option the user must write (the parser refuses the command without it).
    public init(required name: String, _ codec: ValueCodec<Value>, help: String) {
        spec = OptionSpec(name, codec.type, default: .required, help: help)
        self.codec = codec
        fallback = nil
    }
}

/// A declared option whose default the executor computes from the session (the rule is in
/// the help): reading it gives nil when it was not written.
public struct OptionalOptionKey<Value: Sendable>: Sendable {
    /// The declaration the registry lists.
    public let spec: OptionSpec
    let codec: ValueCodec<Value>

    /// An option whose default is `rule`, in words.
    public init(_ name: String, _ codec: ValueCodec<Value>, computed rule: String, help: String) {
        spec = OptionSpec(name, codec.type, default: .computed(rule), help: help)
        self.codec = codec
    }
}

/// A declared positional value word (not a choice positional).
public struct PositionalKey<Value: Sendable>: Sendable {
    /// The declaration the registry lists.
    public let spec: PositionalSpec
    let codec: ValueCodec<Value>

    /// A positional word; `isRequired: false` makes reading it optional in practice (nil when
    /// left out), so such positionals are read with `invocation[optional:]`.
    public init(_ name: String, placeholder: String, noun: String, help: String, _ codec: ValueCodec<Value>,
                isRequired: Bool = true, collectsRest: Bool = false) {
        spec = PositionalSpec(name, placeholder: placeholder, noun: noun, help: help, kind: .value(codec.type),
                              isRequired: isRequired, collectsRest: collectsRest)
        self.codec = codec
    }
}

extension Invocation {
    /// The value of `option`: as written, else its default (a required one is always written).
    public subscript<Value>(option: OptionKey<Value>) -> Value {
        if let written = givenValues[option.spec.name] { return decoded(written, option.codec, option.spec.name) }
        guard let fallback = option.fallback else {
            preconditionFailure("the parser admits `\(command.rawValue)` only with `\(option.spec.name)`")
        }
        return fallback
    }

    /// The value of `option` as written, or nil (the executor then applies its rule).
    public subscript<Value>(option: OptionalOptionKey<Value>) -> Value? {
        givenValues[option.spec.name].map { decoded($0, option.codec, option.spec.name) }
    }

    /// The value of a required positional.
    public subscript<Value>(positional: PositionalKey<Value>) -> Value {
        guard let value = self[optional: positional] else {
            preconditionFailure("the parser admits `\(command.rawValue)` only with its \(positional.spec.noun)")
        }
        return value
    }

    /// The value of a positional, or nil when it was left out.
    public subscript<Value>(optional positional: PositionalKey<Value>) -> Value? {
        givenValues[positional.spec.name].map { decoded($0, positional.codec, positional.spec.name) }
    }

    /// The choice positional's word as `Choice` (data set, model kind, show kind, export kind).
    public func choice<Choice: ChoiceWord>(as type: Choice.Type) -> Choice {
        guard let word = choice, let value = Choice(rawValue: word) else {
            preconditionFailure("the parser admits `\(command.rawValue)` only with one of its declared \(Choice.self) words")
        }
        return value
    }

    private func decoded<Value>(_ value: OptionValue, _ codec: ValueCodec<Value>, _ name: String) -> Value {
        guard let decoded = codec.decode(value) else {
            preconditionFailure("`\(name)` of `\(command.rawValue)` holds \(value), which its declaration cannot read")
        }
        return decoded
    }
}
