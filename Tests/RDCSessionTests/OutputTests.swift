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

    func testPlainTextWrapsTheWidestTextColumnsToFitAWidth() {
        let help = "Nearest neighbours per point (itself excluded); auto: chosen by the data at every refresh."
        let table = Table(header: ["option", "default", "help"], rows: [["M", "10", help], ["q", "0.9", "Quantile."]])
        XCTAssertEqual(table.plainText(maximumWidth: 40), """
        option  default  help
        ------  -------  -----------------------
        M            10  Nearest neighbours per
                         point (itself
                         excluded); auto: chosen
                         by the data at every
                         refresh.
        q           0.9  Quantile.
        """)
        XCTAssertEqual(table.plainText(maximumWidth: 200), table.plainText, "a table that fits is not wrapped")
        // A word longer than the column is cut; nothing is lost.
        XCTAssertEqual(Table.wrap("a verylongwordindeed b", width: 5), ["a", "veryl", "ongwo", "rdind", "eed b"])
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

    func testProgressLinesCountThePhasesEpochs() {
        // The second call of a phase, epochs 4–6: 120 of 274 batches into epoch 6.
        var progress = TrainingProgress(phase: .pretrain, epochs: 4...6, epoch: 6, batch: 120, batches: 274,
                                        losses: [NamedLoss("ae", 12.31), NamedLoss("critic", 0.041)],
                                        elapsedSeconds: 30, moment: .batch)
        let done = (2 + 120.0 / 274) / 3
        XCTAssertEqual(progress.fractionDone, done, accuracy: 1e-12)
        XCTAssertEqual(progress.remainingSeconds!, 30 * (1 - done) / done, accuracy: 1e-9)
        XCTAssertEqual(progress.plainText, "pretrain epoch 6/6 batch 120/274 ae=12.31 critic=0.041  7s left")
        progress.batch = 0
        progress.epoch = 4
        XCTAssertNil(progress.remainingSeconds, "no estimate before the first batch")
        XCTAssertEqual(progress.plainText, "pretrain epoch 4/6 batch 0/274 ae=12.31 critic=0.041")
        let final = TrainingProgress(phase: .refine, epochs: 1...5, epoch: 5, batch: 10, batches: 10,
                                     losses: [NamedLoss("loss", 1234.5678)], elapsedSeconds: 7385, moment: .final)
        XCTAssertEqual(final.plainText, "refine epoch 5/5 batch 10/10 loss=1235  done in 2h03m")
        XCTAssertEqual(final.fractionDone, 1)
        XCTAssertNil(final.remainingSeconds)
        XCTAssertEqual(formatDuration(45.4), "45s")
        XCTAssertEqual(formatDuration(3599.6), "1h00m")
        XCTAssertEqual(formatSeconds(3.24), "3.2s")
    }
}
