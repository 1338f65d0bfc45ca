// Layer: session tests. Renderings of tables and progress events.

import XCTest
@testable import RDCSession
import RDCRender

final class OutputTests: XCTestCase {
    func testTablePlainTextAlignsColumnsAndNumbersRight() {
        let table = Table(title: "Scores", header: ["metric", "value", "note"],
                          rows: [["ACC", "0.912", "best"], ["NMI", "0.85"], ["F1-macro", "12.5%", ""]])
        XCTAssertEqual(table.plainText, """
        Scores
        metric    value  note
        --------  -----  ----
        ACC       0.912  best
        NMI        0.85
        F1-macro  12.5%
        """)
        XCTAssertEqual(Table(header: [], rows: [["a", "long text"], ["bbb", "x"]]).plainText, "a    long text\nbbb  x")
    }

    func testTableHTMLEscapesEveryCell() {
        let table = Table(title: "A & B", header: ["<name>"], rows: [["\"quoted\" 'x'"], ["3"]])
        XCTAssertEqual(table.html, """
        <table>
        <caption>A &amp; B</caption>
        <thead><tr><th>&lt;name&gt;</th></tr></thead>
        <tbody>
        <tr><td>&quot;quoted&quot; &#39;x&#39;</td></tr>
        <tr><td>3</td></tr>
        </tbody>
        </table>
        """)
    }

    func testProgressEventLines() {
        var event = ProgressEvent(phase: "pretrain", epoch: 3, epochs: 10, batch: 120, batches: 274,
                                  losses: [NamedValue("ae", 12.31), NamedValue("critic", 0.041)],
                                  elapsedSeconds: 30, remainingSeconds: 72)
        XCTAssertEqual(event.plainText, "pretrain epoch 3/10 batch 120/274 ae=12.31 critic=0.041  1m12s left")
        XCTAssertEqual(event.fractionDone, (2 + 120.0 / 274) / 10, accuracy: 1e-12)
        event.remainingSeconds = nil
        XCTAssertEqual(event.plainText, "pretrain epoch 3/10 batch 120/274 ae=12.31 critic=0.041")
        let final = ProgressEvent(phase: "refine", epoch: 5, epochs: 5, batch: 10, batches: 10,
                                  losses: [NamedValue("loss", 1234.5678)], elapsedSeconds: 7385, isFinal: true)
        XCTAssertEqual(final.plainText, "refine epoch 5/5 batch 10/10 loss=1235  done in 2h03m")
        XCTAssertEqual(final.fractionDone, 1)
        XCTAssertEqual(formatDuration(45.4), "45s")
        XCTAssertEqual(formatDuration(3599.6), "1h00m")
    }
}
