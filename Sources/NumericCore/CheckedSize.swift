// Layer: numeric core. May use the standard library only; knows nothing of R-DC, sessions or files.
// The one place where sizes read from untrusted bytes are multiplied, added and compared with
// what the bytes can hold, so every decoder refuses an impossible size before it allocates.

/// A size read from a file that cannot be right: negative, overflowing, or larger than the
/// bytes that are there. Names the field and the value; decoders add the file's name.
public struct SizeProblem: Error, Equatable, Sendable, CustomStringConvertible {
    /// The field the size came from, e.g. `IDX dimensions` or `shape`.
    public let field: String
    /// The value as read, e.g. `[100000, 10000, 10000]`.
    public let value: String
    /// Why it cannot be right, e.g. `need 40000000000016 bytes but the file has 1024`.
    public let reason: String

    /// A problem with `field` holding `value`.
    public init(field: String, value: String, reason: String) {
        self.field = field
        self.value = value
        self.reason = reason
    }

    /// `FIELD VALUE: REASON` (`FIELD: REASON` when the value is already part of the field).
    public var description: String { value.isEmpty ? "\(field): \(reason)" : "\(field) \(value): \(reason)" }
}

/// Overflow-checked arithmetic on sizes from untrusted input, throwing `SizeProblem`.
public enum CheckedSize {
    /// The product of `extents`, each of which must lie in `minimum...` (0 or 1); throws on a
    /// smaller extent or when the product does not fit an `Int`.
    public static func product(_ extents: [Int], minimum: Int = 0, field: String) throws -> Int {
        if let bad = extents.first(where: { $0 < minimum }) {
            throw SizeProblem(field: field, value: "\(extents)", reason: "extent \(bad) is not at least \(minimum)")
        }
        var result = 1
        for extent in extents {
            let (next, overflow) = result.multipliedReportingOverflow(by: extent)
            if overflow {
                throw SizeProblem(field: field, value: "\(extents)", reason: "the product overflows (too large for this machine)")
            }
            result = next
        }
        return result
    }

    /// The sum of `terms` (each ≥ 0); throws when it does not fit an `Int`.
    public static func sum(_ terms: [Int], field: String) throws -> Int {
        var result = 0
        for term in terms {
            let (next, overflow) = result.addingReportingOverflow(term)
            if term < 0 || overflow {
                throw SizeProblem(field: field, value: "\(terms)", reason: "the sum overflows or has a negative term")
            }
            result = next
        }
        return result
    }

    /// `count × elementSize` bytes, checked to fit in the `available` bytes that are there.
    ///
    /// - Parameter value: the size as the file states it, for the error (the count by default).
    public static func bytes(_ count: Int, of elementSize: Int, within available: Int, field: String,
                             value: String? = nil) throws -> Int {
        let needed = try product([count, elementSize], field: field)
        guard needed <= available else {
            throw SizeProblem(field: field, value: value ?? String(count),
                              reason: "needs \(needed) bytes but only \(max(available, 0)) are there (truncated or corrupt)")
        }
        return needed
    }

    /// An unsigned size from a file as an `Int`, refusing values beyond `Int.max`.
    public static func integer(_ value: UInt64, field: String) throws -> Int {
        guard let result = Int(exactly: value) else {
            throw SizeProblem(field: field, value: String(value), reason: "too large for this machine")
        }
        return result
    }
}
