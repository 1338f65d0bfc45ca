// Layer: session (command language). Pure Swift, no I/O: whether typed code is ready to run
// (Jupyter's is_complete_request; the REPL's decision to ask for another line).

/// Whether code can run as it is.
public enum Completeness: Sendable, Equatable {
    /// Ready to run.
    case complete
    /// Needs more lines: it ends with a continuation `\` or inside an open quote.
    case incomplete
    /// Will fail whatever follows; the message says why.
    case invalid(String)
}

extension CommandLanguage {
    /// Whether `code` is ready to run: incomplete when its last line ends with `\` or leaves
    /// a quote open, invalid when parsing fails otherwise, else complete.
    public static func isComplete(code: String) -> Completeness {
        let statements = LanguageScanner.statements(of: code)
        if let last = statements.last {
            let openQuoteOnLastLine = last.words.last.map { $0.isUnterminated && $0.end == last.end } ?? false
            if last.endsWithContinuation || openQuoteOnLastLine { return .incomplete }
        }
        do {
            _ = try parse(code)
            return .complete
        } catch let error as CommandLanguageError {
            return .invalid(error.description)
        } catch {
            return .invalid(String(describing: error))
        }
    }
}
