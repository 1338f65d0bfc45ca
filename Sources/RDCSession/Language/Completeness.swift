// Layer: session (command language). Pure Swift, no I/O: whether typed code is ready to run
// (Jupyter's is_complete_request; the REPL's decision to ask for another line).

/// Whether code can run as it is.
public enum Completeness: Sendable, Equatable {
    /// Ready to run.
    case complete
    /// Needs more lines: it ends with a continuation `\`.
    case incomplete
    /// Will fail whatever follows; the message says why.
    case invalid(String)
}

extension CommandLanguage {
    /// Whether `code` is ready to run. Only a trailing `\` makes it incomplete. A quote never
    /// spans lines, so an unclosed quote is invalid at once, like any other error in a finished
    /// statement: no line typed after it could mend it. The statement a trailing `\` leaves
    /// open is not judged yet (its missing words may still come).
    public static func isComplete(code: String) -> Completeness {
        let statements = LanguageScanner.statements(of: code)
        let endsOpen = statements.last?.endsWithContinuation ?? false
        do {
            for statement in endsOpen ? statements.dropLast() : statements[...] {
                _ = try StatementParser.parse(statement)
            }
        } catch let error as CommandLanguageError {
            return .invalid(error.description)
        } catch {
            return .invalid(String(describing: error))
        }
        return endsOpen ? .incomplete : .complete
    }
}
