// Layer: Jupyter front end glue (RDCKernel). May use JupyterKernel, RDCSession and Foundation;
// never ZeroMQ, never tensors. Adapts the R-DC session to the language-agnostic Jupyter kernel:
// requests become session calls, session outputs become Jupyter outputs (`OutputRenderer`).
// Knows both, owns neither.

import Foundation
import JupyterKernel
import RDCSession

/// The R-DC language as a `KernelInterpreter`, over one persistent `Session`.
public final class SessionInterpreter: KernelInterpreter {
    private let session: Session

    /// What `kernel_info_reply` says: the `rdc` implementation and its command language.
    public let kernelInfo: KernelInfo

    /// An interpreter over `session`, reporting `implementationVersion` (`rdc --version`) and
    /// `languageVersion` (the command language's) in `kernel_info_reply`.
    public init(session: Session, implementationVersion: String, languageVersion: String) {
        self.session = session
        kernelInfo = KernelInfo(
            implementation: "rdc",
            implementationVersion: implementationVersion,
            banner: "R-DC \(implementationVersion): deep clustering by self-supervision (arXiv 2503.03733). Type `help`.",
            helpLinks: [HelpLink(text: "R-DC paper", url: "https://arxiv.org/abs/2503.03733")],
            languageInfo: LanguageInfo(name: "rdc", version: languageVersion, mimetype: "text/x-rdc",
                                       fileExtension: ".rdc", pygmentsLexer: "rdc", codemirrorMode: "shell",
                                       nbconvertExporter: "script"))
    }

    /// Runs the cell through the session, rendering its outputs as they come; a session
    /// failure becomes the cell's error (name, message, one coloured traceback line).
    public func execute(code: String, context: ExecutionContext) -> ExecutionOutcome {
        var renderer = OutputRenderer(context: context)
        do {
            try session.run(code) { renderer.render($0) }
            renderer.finish(asResult: true)
            return .ok(payload: renderer.payload)
        } catch let failure as SessionFailure {
            renderer.finish(asResult: false)
            return .error(name: failure.name, value: failure.message,
                          traceback: ["\u{1B}[0;31m\(failure.name)\u{1B}[0m: \(failure)"])
        } catch {
            renderer.finish(asResult: false)
            return .error(name: "InternalError", value: "\(error)", traceback: ["\(error)"])
        }
    }

    /// The session's completions at `cursor` (code points).
    public func complete(code: String, cursor: Int) -> CompletionReply {
        let result = session.complete(code: code, cursor: cursor)
        return CompletionReply(matches: result.matches, cursorStart: result.range.lowerBound, cursorEnd: result.range.upperBound)
    }

    /// The session's help for the word at `cursor`, as text/plain.
    public func inspect(code: String, cursor: Int, detailLevel: Int) -> InspectionReply {
        guard let text = session.inspect(code: code, cursor: cursor, detailLevel: detailLevel) else { return .notFound }
        return InspectionReply(found: true, data: ["text/plain": text])
    }

    /// Whether the session would run `code` as it stands (a trailing `\\` asks for more).
    public func isComplete(code: String) -> CompletenessReply {
        switch session.isComplete(code: code) {
        case .complete: return .complete
        case .incomplete: return .incomplete(indent: "")
        case .invalid: return .invalid
        }
    }

    /// Asks the running command to stop at its next check; any thread.
    public func interrupt() {
        session.interrupt()
    }
}
