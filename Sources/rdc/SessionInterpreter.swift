// Layer: executable. Adapts the R-DC session to the language-agnostic Jupyter kernel: maps
// session outputs to Jupyter messages and requests to session calls. Knows both, owns neither.

import Foundation
import JupyterKernel
import RDCSession

/// The R-DC language as a `KernelInterpreter`, over one persistent `Session`.
final class SessionInterpreter: KernelInterpreter {
    private let session: Session

    /// An interpreter over `session`.
    init(session: Session) {
        self.session = session
    }

    let kernelInfo = KernelInfo(
        implementation: "rdc",
        implementationVersion: RDCVersion.current,
        banner: "R-DC \(RDCVersion.current): deep clustering by self-supervision (arXiv 2503.03733). Type `help`.",
        helpLinks: [HelpLink(text: "R-DC paper", url: "https://arxiv.org/abs/2503.03733")],
        languageInfo: LanguageInfo(name: "rdc", version: RDCVersion.language, mimetype: "text/x-rdc",
                                   fileExtension: ".rdc", pygmentsLexer: "rdc", codemirrorMode: "shell",
                                   nbconvertExporter: "script"))

    func execute(code: String, context: ExecutionContext) -> ExecutionOutcome {
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

    func complete(code: String, cursor: Int) -> CompletionReply {
        let result = session.complete(code: code, cursor: cursor)
        return CompletionReply(matches: result.matches, cursorStart: result.range.lowerBound, cursorEnd: result.range.upperBound)
    }

    func inspect(code: String, cursor: Int, detailLevel: Int) -> InspectionReply {
        guard let text = session.inspect(code: code, cursor: cursor, detailLevel: detailLevel) else { return .notFound }
        return InspectionReply(found: true, data: ["text/plain": text])
    }

    func isComplete(code: String) -> CompletenessReply {
        switch session.isComplete(code: code) {
        case .complete: return .complete
        case .incomplete: return .incomplete(indent: "")
        case .invalid: return .invalid
        }
    }

    func interrupt() {
        session.interrupt()
    }
}

/// Turns one cell's session outputs into Jupyter messages: text to streams, tables and images
/// to rich displays (the cell's last table becomes its execute_result), progress to one display
/// per training command updated in place, help to the pager.
private struct OutputRenderer {
    let context: ExecutionContext
    private(set) var payload: [ExecutionPayload] = []
    private var pendingTable: Table?
    private var progressDisplay: String?

    init(context: ExecutionContext) {
        self.context = context
    }

    mutating func render(_ output: SessionOutput) {
        if case .table = output {} else { flushTable(asResult: false) }
        switch output {
        case .text(let text, let stream):
            context.stream(stream == .stderr ? .stderr : .stdout, text: text.hasSuffix("\n") ? text : text + "\n")
        case .table(let table):
            flushTable(asResult: false)
            pendingTable = table
        case .image(let image):
            context.display(data: ["image/png": Data(image.png).base64EncodedString(), "text/plain": "<\(image.title)>"],
                            metadata: ["image/png": ["width": image.logicalWidth, "height": image.logicalHeight]])
        case .progress(let event):
            show(event)
        case .page(let text):
            payload.append(.page(data: ["text/plain": text]))
        case .clearOutput:
            context.clearOutput(wait: false)
        }
    }

    /// Flushes what is pending; the last table becomes the execute_result when the cell succeeded.
    mutating func finish(asResult: Bool) {
        flushTable(asResult: asResult)
    }

    private mutating func flushTable(asResult: Bool) {
        guard let table = pendingTable else { return }
        pendingTable = nil
        let data: MimeBundle = ["text/plain": table.plainText, "text/html": table.html]
        if asResult { context.executeResult(data: data, metadata: [:]) } else { context.display(data: data) }
    }

    private mutating func show(_ event: ProgressEvent) {
        let data: MimeBundle = ["text/plain": event.plainText, "text/html": Self.html(event)]
        if let id = progressDisplay {
            context.updateDisplay(data: data, metadata: [:], displayID: id)
        } else {
            let id = "rdc-progress-\(UUID().uuidString)"
            progressDisplay = id
            context.display(data: data, metadata: [:], displayID: id)
        }
        if event.isFinal { progressDisplay = nil }
    }

    private static func html(_ event: ProgressEvent) -> String {
        let percent = Int((event.fractionDone * 100).rounded())
        let text = event.plainText.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        return "<div style=\"font-family:monospace\"><progress value=\"\(percent)\" max=\"100\" style=\"width:240px\"></progress> \(text)</div>"
    }
}
