// Layer: tests of the Jupyter front end glue (RDCKernel): how session outputs become Jupyter
// outputs, and the session as an interpreter. No sockets: an ExecutionContext that records.
import Foundation
import XCTest
@testable import JupyterKernel
@testable import RDCKernel
import RDCRender
import RDCSession

/// An ExecutionContext whose published outputs are kept, in order.
final class RecordingContext {
    private(set) var outputs: [(type: String, content: JSONObject)] = []
    private(set) lazy var context = ExecutionContext(
        executionCount: 7, allowsInput: false, isSilent: false,
        publish: { [unowned self] type, content in outputs.append((type, content)) },
        readInput: { _, _ in throw InputRequestError.stdinNotAllowed })

    var types: [String] { outputs.map(\.type) }

    func data(_ index: Int) -> JSONObject { outputs[index].content["data"] as? JSONObject ?? [:] }

    func displayID(_ index: Int) -> String? {
        (outputs[index].content["transient"] as? JSONObject)?["display_id"] as? String
    }
}

final class OutputRendererTests: XCTestCase {
    private let recording = RecordingContext()

    private func render(_ outputs: [SessionOutput], asResult: Bool = true) -> [ExecutionPayload] {
        var renderer = OutputRenderer(context: recording.context)
        for output in outputs { renderer.render(output) }
        renderer.finish(asResult: asResult)
        return renderer.payload
    }

    private func progress(epoch: Int, isFinal: Bool = false) -> TrainingProgress {
        TrainingProgress(phase: .pretrain, epochs: 1...2, epoch: epoch, batch: 5, batches: 10, losses: [NamedLoss("ae", 0.5)],
                         elapsedSeconds: 3, moment: isFinal ? .final : .batch)
    }

    func testTextGoesToItsStreamEndingInANewline() {
        _ = render([.text("hello", stream: .stdout), .text("careful\n", stream: .stderr)])
        XCTAssertEqual(recording.types, ["stream", "stream"])
        XCTAssertEqual(recording.outputs[0].content["name"] as? String, "stdout")
        XCTAssertEqual(recording.outputs[0].content["text"] as? String, "hello\n")
        XCTAssertEqual(recording.outputs[1].content["name"] as? String, "stderr")
        XCTAssertEqual(recording.outputs[1].content["text"] as? String, "careful\n", "no second newline")
    }

    func testTheLastTableIsTheResultAndEarlierOnesAreDisplays() {
        let first = Table(header: ["k", "acc"], rows: [["10", "0.91"]])
        let last = Table(title: "metrics", header: ["name", "value"], rows: [["nmi", "<0.8>"]])
        _ = render([.table(first), .text("between", stream: .stdout), .table(first), .table(last)])
        XCTAssertEqual(recording.types, ["display_data", "stream", "display_data", "execute_result"])
        XCTAssertEqual(recording.data(0)["text/plain"] as? String, first.plainText)
        XCTAssertEqual(recording.data(0)["text/html"] as? String, first.html)
        XCTAssertEqual(recording.data(3)["text/html"] as? String, last.html)
        XCTAssertTrue((recording.data(3)["text/html"] as? String ?? "").contains("<table"), "an HTML table")
        XCTAssertEqual(recording.outputs[3].content["execution_count"] as? Int, 7)
        XCTAssertEqual(recording.context.resultText, last.plainText, "the result is the history's output")
    }

    func testAFailedCellShowsItsLastTableAsADisplay() {
        _ = render([.table(Table(header: ["a"], rows: [["1"]]))], asResult: false)
        XCTAssertEqual(recording.types, ["display_data"])
    }

    func testImageIsBareBase64PNGWithItsLogicalSize() throws {
        let image = try RenderedImage(canvas: Canvas(width: 6, height: 4), title: "samples", density: 2)
        _ = render([.image(image)])
        XCTAssertEqual(recording.types, ["display_data"])
        let png = try XCTUnwrap(recording.data(0)["image/png"] as? String)
        XCTAssertFalse(png.hasPrefix("data:"), "bare base64, no data URL")
        XCTAssertEqual(Data(base64Encoded: png), Data(image.png))
        XCTAssertEqual(recording.data(0)["text/plain"] as? String, "<samples>")
        let size = try XCTUnwrap((recording.outputs[0].content["metadata"] as? JSONObject)?["image/png"] as? JSONObject)
        XCTAssertEqual(size["width"] as? Int, image.logicalWidth)
        XCTAssertEqual(size["height"] as? Int, image.logicalHeight)
    }

    func testProgressIsOneDisplayUpdatedInPlaceUntilItsFinalEvent() throws {
        _ = render([.progress(progress(epoch: 1)), .progress(progress(epoch: 2)), .progress(progress(epoch: 2, isFinal: true)),
                    .progress(progress(epoch: 1))])
        XCTAssertEqual(recording.types, ["display_data", "update_display_data", "update_display_data", "display_data"])
        let first = try XCTUnwrap(recording.displayID(0))
        XCTAssertTrue(first.hasPrefix("rdc-progress-"))
        XCTAssertEqual(recording.displayID(1), first)
        XCTAssertEqual(recording.displayID(2), first)
        XCTAssertNotEqual(recording.displayID(3), first, "the next training command gets a display of its own")
        XCTAssertEqual(recording.data(2)["text/plain"] as? String, progress(epoch: 2, isFinal: true).plainText)
        let html = try XCTUnwrap(recording.data(0)["text/html"] as? String)
        XCTAssertTrue(html.contains("<progress value=\"25\" max=\"100\""), html)
    }

    func testProgressTextIsEscapedInHTML() throws {
        var event = progress(epoch: 1)
        event.losses = [NamedLoss("a<b&c", 1)]
        _ = render([.progress(event)])
        let html = try XCTUnwrap(recording.data(0)["text/html"] as? String)
        XCTAssertTrue(html.contains("a&lt;b&amp;c"), html)
    }

    func testPageGoesToThePayloadAndClearOutputIsPublished() throws {
        let payload = render([.page("help text"), .clearOutput])
        XCTAssertEqual(recording.types, ["clear_output"])
        XCTAssertEqual(recording.outputs[0].content["wait"] as? Bool, false)
        let page = try XCTUnwrap(payload.first?.json)
        XCTAssertEqual(page["source"] as? String, "page")
        XCTAssertEqual((page["data"] as? JSONObject)?["text/plain"] as? String, "help text")
    }
}

final class SessionInterpreterTests: XCTestCase {
    private let interpreter = SessionInterpreter(session: Session(options: SessionOptions(workingDirectory: NSTemporaryDirectory())),
                                                 implementationVersion: "9.8.7", languageVersion: "6.5")

    func testKernelInfoDescribesTheLanguageAndTheVersionsGiven() {
        let info = interpreter.kernelInfo
        XCTAssertEqual(info.implementation, "rdc")
        XCTAssertEqual(info.implementationVersion, "9.8.7")
        XCTAssertTrue(info.banner.contains("9.8.7"))
        XCTAssertEqual(info.languageInfo.name, "rdc")
        XCTAssertEqual(info.languageInfo.version, "6.5")
        XCTAssertEqual(info.languageInfo.fileExtension, ".rdc")
        XCTAssertEqual(info.languageInfo.mimetype, "text/x-rdc")
    }

    func testACellRunsThroughTheSession() {
        let recording = RecordingContext()
        guard case .ok(let payload) = interpreter.execute(code: "echo hello\necho careful stream=stderr", context: recording.context) else {
            return XCTFail("echo failed")
        }
        XCTAssertTrue(payload.isEmpty)
        XCTAssertEqual(recording.outputs.map { $0.content["name"] as? String }, ["stdout", "stderr"])
        XCTAssertEqual(recording.outputs.first?.content["text"] as? String, "hello\n")
    }

    func testASessionFailureBecomesTheCellsError() {
        let recording = RecordingContext()
        guard case .error(let name, let value, let traceback) = interpreter.execute(code: "pretrian", context: recording.context) else {
            return XCTFail("a misspelt command must fail")
        }
        XCTAssertEqual(name, "SyntaxError")
        XCTAssertTrue(value.contains("pretrain"), value)
        XCTAssertEqual(traceback.count, 1)
        XCTAssertTrue(traceback[0].contains("SyntaxError") && traceback[0].contains("line 1"), traceback[0])
        XCTAssertTrue(recording.outputs.isEmpty, "the server publishes the one error message, not the interpreter")
    }

    func testHelpInThePagerCompletionInspectionAndCompleteness() {
        guard case .ok(let payload) = interpreter.execute(code: "?pretrain", context: RecordingContext().context) else {
            return XCTFail("?pretrain failed")
        }
        XCTAssertEqual(payload.first?.json["source"] as? String, "page")
        let completion = interpreter.complete(code: "pre", cursor: 3)
        XCTAssertTrue(completion.matches.contains("pretrain"), "\(completion.matches)")
        XCTAssertEqual(completion.cursorStart, 0)
        XCTAssertEqual(completion.cursorEnd, 3)
        XCTAssertTrue(interpreter.inspect(code: "pretrain", cursor: 3, detailLevel: 0).found)
        XCTAssertEqual(interpreter.isComplete(code: "echo a"), .complete)
        XCTAssertEqual(interpreter.isComplete(code: "echo a \\"), .incomplete(indent: ""))
    }
}
