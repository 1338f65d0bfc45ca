// Layer: session tests. Help texts and inspection, as users read them (golden texts).

import XCTest
@testable import RDCSession

final class HelpAndInspectionTests: XCTestCase {
    func testCommandHelpGolden() {
        XCTAssertEqual(CommandLanguage.helpText(for: .seed), """
        seed — Set the session's random seed.

        Usage: seed N

        Every random choice after this (initial weights, batches, subsets, k-means seeding) follows from this seed: the same seed gives the same numbers.

        N — The seed. Expects an integer from 0 to 4294967295.

        Example:
          seed 42
        """)
        XCTAssertEqual(CommandLanguage.helpText(for: .diagnose), """
        diagnose — Measure feature twist, drift and randomness.

        Usage: diagnose [M=INTEGER]

        Twist: mean Jaccard overlap of each point's M-nearest-neighbour set between the embedding at the end of Phase 1 and now (1 = local geometry kept). Drift: 1 − ARI between the current clustering and the previous one. Randomness: the share of the last phase's training targets that point the wrong way (Phase 2: kept mutual neighbours with another label; self-training: pseudo-labels that miss the true label, or without labels the assignments that changed at the last target update).

        Options:
        option  type     default  range   help
        ------  -------  -------  ------  -----------------------------------------------
        M       integer       10  1…1000  Nearest neighbours per point (itself excluded).

        Example:
          diagnose M=10
        """)
    }

    func testChoiceCommandHelpListsChoicesAndTheirOptions() {
        let text = CommandLanguage.helpText(for: .show)
        XCTAssertTrue(text.hasPrefix("show — Show pictures and tables of the data, model and clusters.\n\nUsage: show KIND [options]\n"))
        XCTAssertTrue(text.contains("KIND is one of:\n  samples          A grid of images from the data set.\n"))
        XCTAssertTrue(text.contains("Options of `show samples`:\noption   type     default  range   help\n"))
        XCTAssertFalse(text.contains("Options of `show losses`"), "choices without options get no table")
    }

    func testOverviewListsEveryCommand() {
        let text = CommandLanguage.helpText()
        XCTAssertTrue(text.contains("\n  pretrain [options]          Phase 1: train the autoencoder with the ACAI critic.\n"))
        XCTAssertTrue(text.contains("\n  save FILE                   Save the model"))
        XCTAssertTrue(text.hasSuffix("`help COMMAND` or `?COMMAND` shows a command's options, defaults and an example."))
    }

    func testInspectionGolden() {
        XCTAssertEqual(CommandLanguage.inspect(code: "pretrain epochs=3", cursor: 12), """
        pretrain epochs=INTEGER
        Passes over the data.
        Type: an integer from 1 to 100000. Default: 10.
        """)
        XCTAssertEqual(CommandLanguage.inspect(code: "refine epochs=3 ", cursor: 16), """
        refine epochs=INTEGER
        Passes over the data.
        Type: an integer from 1 to 100000. Default: 20, or 5 when the data set has 50000 images or more.
        """, "just after the word")
        XCTAssertEqual(CommandLanguage.inspect(code: "status", cursor: 3),
                       "status\nDescribe the session: data, model, training so far, clustering.")
        XCTAssertEqual(CommandLanguage.inspect(code: "data mnist path=/x", cursor: 14),
                       "data mnist path=DIR\nFolder holding the four IDX files.\nType: a folder path. Default: required.")
    }

    func testInspectionOfHelpTopicsAndOtherLines() throws {
        XCTAssertEqual(CommandLanguage.inspect(code: "help refine", cursor: 8, detailLevel: 1), CommandLanguage.helpText(for: .refine))
        XCTAssertEqual(CommandLanguage.inspect(code: "?refine", cursor: 3, detailLevel: 1), CommandLanguage.helpText(for: .refine))
        XCTAssertEqual(CommandLanguage.inspect(code: "refine?", cursor: 7, detailLevel: 1), CommandLanguage.helpText(for: .refine))
        let second = try XCTUnwrap(CommandLanguage.inspect(code: "status\ncluster k=3", cursor: 17))
        XCTAssertTrue(second.hasPrefix("cluster k=INTEGER|auto\n"), second)
        XCTAssertEqual(CommandLanguage.inspect(code: "save out.ckpt", cursor: 8), CommandLanguage.inspect(code: "save", cursor: 0))
        XCTAssertNil(CommandLanguage.inspect(code: "# pretrain", cursor: 4))
        XCTAssertNil(CommandLanguage.inspect(code: "pretrian", cursor: 4))
        XCTAssertNil(CommandLanguage.inspect(code: "", cursor: 0))
        XCTAssertNil(CommandLanguage.inspect(code: "status\n\n", cursor: 7))
    }
}
