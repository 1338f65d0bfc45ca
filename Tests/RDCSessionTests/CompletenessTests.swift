// Layer: session tests. Whether typed code is ready to run.

import XCTest
@testable import RDCSession

final class CompletenessTests: XCTestCase {
    func testCompleteIncompleteAndInvalid() {
        XCTAssertEqual(CommandLanguage.isComplete(code: "pretrain epochs=3"), .complete)
        XCTAssertEqual(CommandLanguage.isComplete(code: ""), .complete)
        XCTAssertEqual(CommandLanguage.isComplete(code: "# just a note"), .complete)
        XCTAssertEqual(CommandLanguage.isComplete(code: "pretrain \\\n  epochs=3"), .complete)
        XCTAssertEqual(CommandLanguage.isComplete(code: "pretrian"),
                       .invalid("line 1: unknown command `pretrian`; did you mean `pretrain`?"))
        XCTAssertEqual(CommandLanguage.isComplete(code: "pretrain epochs=ten"),
                       .invalid("line 1: `epochs` expects an integer from 1 to 100000, got `ten`"))
    }

    /// Only a trailing `\` asks for another line; the statement it leaves open is not judged yet.
    func testOnlyATrailingBackslashIsIncomplete() {
        XCTAssertEqual(CommandLanguage.isComplete(code: "status\npretrain epochs=3 \\"), .incomplete)
        XCTAssertEqual(CommandLanguage.isComplete(code: "pretrain \\  # more below"), .incomplete)
        XCTAssertEqual(CommandLanguage.isComplete(code: "data \\"), .incomplete, "the dataset's name may follow")
        XCTAssertEqual(CommandLanguage.isComplete(code: "echo \"quoted\" \\"), .incomplete)
    }

    /// The language has no multi-line strings: an open quote can never be closed by a later line.
    func testAnUnclosedQuoteIsInvalidAtOnce() {
        XCTAssertEqual(CommandLanguage.isComplete(code: "save \"my file"),
                       .invalid("line 1: unclosed quote in `\"my file`"))
        XCTAssertEqual(CommandLanguage.isComplete(code: "data csv path=\"x"),
                       .invalid("line 1: unclosed quote in `path=\"x`"))
        XCTAssertEqual(CommandLanguage.isComplete(code: "data csv path=\"a\nb\""),
                       .invalid("line 1: unclosed quote in `path=\"a`"))
        XCTAssertEqual(CommandLanguage.isComplete(code: "save \"my file\nstatus"),
                       .invalid("line 1: unclosed quote in `\"my file`"))
        // A backslash inside the open quote is part of the string, not a continuation.
        XCTAssertEqual(CommandLanguage.isComplete(code: "save \"my file \\"),
                       .invalid("line 1: unclosed quote in `\"my file \\`"))
    }

    /// A trailing `\` does not hide an error in a statement already finished before it.
    func testAFinishedStatementsErrorIsNotHiddenByALaterBackslash() {
        XCTAssertEqual(CommandLanguage.isComplete(code: "save \"a\nstatus \\"),
                       .invalid("line 1: unclosed quote in `\"a`"))
        XCTAssertEqual(CommandLanguage.isComplete(code: "pretrian\nstatus \\"),
                       .invalid("line 1: unknown command `pretrian`; did you mean `pretrain`?"))
    }
}
