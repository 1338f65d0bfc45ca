// Layer: session tests. Whether typed code is ready to run.

import XCTest
@testable import RDCSession

final class CompletenessTests: XCTestCase {
    func testCompleteIncompleteAndInvalid() {
        XCTAssertEqual(CommandLanguage.isComplete(code: "pretrain epochs=3"), .complete)
        XCTAssertEqual(CommandLanguage.isComplete(code: ""), .complete)
        XCTAssertEqual(CommandLanguage.isComplete(code: "# just a note"), .complete)
        XCTAssertEqual(CommandLanguage.isComplete(code: "status\npretrain epochs=3 \\"), .incomplete)
        XCTAssertEqual(CommandLanguage.isComplete(code: "pretrain \\  # more below"), .incomplete)
        XCTAssertEqual(CommandLanguage.isComplete(code: "save \"my file"), .incomplete)
        XCTAssertEqual(CommandLanguage.isComplete(code: "pretrain \\\n  epochs=3"), .complete)
        XCTAssertEqual(CommandLanguage.isComplete(code: "pretrian"),
                       .invalid("line 1: unknown command `pretrian`; did you mean `pretrain`?"))
        XCTAssertEqual(CommandLanguage.isComplete(code: "save \"my file\nstatus"),
                       .invalid("line 1: unclosed quote in `\"my file`"))
        XCTAssertEqual(CommandLanguage.isComplete(code: "pretrain epochs=ten"),
                       .invalid("line 1: `epochs` expects an integer from 1 to 100000, got `ten`"))
    }
}
