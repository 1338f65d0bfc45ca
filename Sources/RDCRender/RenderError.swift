// Layer: render. Pure Swift value types; no dependencies beyond the standard library.

/// Why a picture could not be drawn or encoded (writing fails with `SafeFiles.FileProblem`).
/// Every case carries a message that names the offending input, so callers can show it to a
/// user unchanged.
public enum RenderError: Error, Equatable, CustomStringConvertible {
    /// The arrays, sizes or labels passed in do not describe a drawable picture.
    case invalidInput(String)
    /// libpng refused to encode the canvas.
    case encodingFailed(String)
    /// The figure font could not be loaded (the message names the file and the package).
    case fontUnavailable(String)

    /// A one-line, human-readable explanation.
    public var description: String {
        switch self {
        case .invalidInput(let message): return "invalid figure input: \(message)"
        case .encodingFailed(let message): return "PNG encoding failed: \(message)"
        case .fontUnavailable(let message): return "figure text cannot be drawn: \(message)"
        }
    }
}

/// Throws `RenderError.invalidInput(message())` unless `condition` holds.
@inline(__always)
func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw RenderError.invalidInput(message()) }
}
