// Layer: Jupyter front end glue (RDCKernel). May use JupyterKernel, RDCSession and Foundation;
// never ZeroMQ, never tensors. How R-DC session outputs look in Jupyter (design.md "Outputs").
import Foundation
import JupyterKernel
import RDCSession

/// Turns one cell's session outputs into Jupyter messages: text to streams, tables and images
/// to rich displays (the cell's last table becomes its execute_result), progress to one display
/// per training command updated in place, help to the pager.
struct OutputRenderer {
    /// Where the cell's outputs go.
    let context: ExecutionContext
    /// The `execute_reply` payload gathered so far (pager pages).
    private(set) var payload: [ExecutionPayload] = []
    /// The latest table, held back: it becomes the execute_result if nothing follows it.
    private var pendingTable: Table?
    /// The display id of the progress display being updated, nil between training commands.
    private var progressDisplay: String?

    /// A renderer for one cell.
    init(context: ExecutionContext) {
        self.context = context
    }

    /// Shows one output (a table waits until the next output or `finish`).
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

    private mutating func show(_ event: TrainingProgress) {
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

    private static func html(_ event: TrainingProgress) -> String {
        let percent = Int((event.fractionDone * 100).rounded())
        let text = escapeHTML(event.plainText)
        return "<div style=\"font-family:monospace\"><progress value=\"\(percent)\" max=\"100\" style=\"width:240px\"></progress> \(text)</div>"
    }
}
