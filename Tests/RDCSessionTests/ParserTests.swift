// Layer: session tests. Parsing of values, quotes, comments, continuations and programs.

import XCTest
@testable import RDCSession

final class ParserTests: XCTestCase {
    private func single(_ program: String, file: StaticString = #filePath, line: UInt = #line) throws -> Invocation {
        let invocations = try CommandLanguage.parse(program)
        XCTAssertEqual(invocations.count, 1, file: file, line: line)
        return try XCTUnwrap(invocations.first, file: file, line: line)
    }

    func testParsesEveryValueType() throws {
        let pretrain = try single("pretrain epochs=3 lr=1e-3 critic=off lambda=1")
        XCTAssertEqual(pretrain.command, .pretrain)
        XCTAssertEqual(pretrain.integer("epochs"), 3)
        XCTAssertEqual(pretrain.decimal("lr"), 0.001)
        XCTAssertEqual(pretrain.toggle("critic"), false)
        XCTAssertEqual(pretrain.value("lambda"), .decimal(1))

        let csv = try single(#"data csv path="my data/x.csv" shape=1x8x8 scale=16 label=first"#)
        XCTAssertEqual(csv.choice(DatasetName.self), .csv)
        XCTAssertEqual(csv.word("dataset"), "csv")
        XCTAssertEqual(csv.path("path"), "my data/x.csv")
        XCTAssertEqual(csv.shape("shape"), [1, 8, 8])
        XCTAssertEqual(csv.decimal("scale"), 16)
        XCTAssertEqual(csv.word("label"), "first")

        let seed = try single("seed 42")
        XCTAssertEqual(seed.integer("seed"), 42)
    }

    func testQuotedStringsKeepSpacesAndResolveEscapes() throws {
        let echo = try single(##"echo "say \"hi\" \\ there"  "# not a comment" stream=stderr"##)
        XCTAssertEqual(echo.text("text"), #"say "hi" \ there # not a comment"#)
        XCTAssertEqual(echo.word("stream"), "stderr")
        XCTAssertEqual(try single(#"echo "a=b""#).text("text"), "a=b")
        XCTAssertEqual(try single(#"echo """#).text("text"), "")
        XCTAssertEqual(try single("echo héllo   wörld").text("text"), "héllo wörld")
    }

    func testCommentsAndBlankLinesAreSkipped() throws {
        let invocations = try CommandLanguage.parse("# set-up\n\n  pretrain epochs=2 # short run\n   \n# end")
        XCTAssertEqual(invocations.map(\.command), [.pretrain])
        XCTAssertEqual(invocations[0].line, 3)
        XCTAssertEqual(invocations[0].integer("epochs"), 2)
        XCTAssertEqual(try single("save a#b").path("file"), "a#b")
    }

    func testContinuedLinesFormOneCommandNumberedByItsFirstLine() throws {
        let program = "status\npretrain epochs=2 \\\n   lr=0.01 \\  # faster\n   critic=off\nevaluate"
        let invocations = try CommandLanguage.parse(program)
        XCTAssertEqual(invocations.map(\.command), [.status, .pretrain, .evaluate])
        XCTAssertEqual(invocations.map(\.line), [1, 2, 5])
        XCTAssertEqual(invocations[1].integer("epochs"), 2)
        XCTAssertEqual(invocations[1].decimal("lr"), 0.01)
        XCTAssertEqual(invocations[1].toggle("critic"), false)
    }

    func testWindowsLineEndings() throws {
        let invocations = try CommandLanguage.parse("seed 7\r\nthreads 2\r\n")
        XCTAssertEqual(invocations.map(\.command), [.seed, .threads])
        XCTAssertEqual(invocations[1].integer("count"), 2)
    }

    func testQuestionMarkAsksForHelpInThePager() throws {
        let topic = try single("?pretrain")
        XCTAssertEqual(topic.command, .help)
        XCTAssertTrue(topic.asksForPager)
        XCTAssertEqual(topic.word("command"), "pretrain")
        let trailing = try single("refine?")
        XCTAssertEqual(trailing.command, .help)
        XCTAssertTrue(trailing.asksForPager)
        XCTAssertEqual(trailing.word("command"), "refine")
        let overview = try single("?")
        XCTAssertEqual(overview.command, .help)
        XCTAssertNil(overview.word("command"))
        let plain = try single("help refine")
        XCTAssertFalse(plain.asksForPager)
        XCTAssertEqual(plain.word("command"), "refine")
    }

    func testAccessorsFallBackToRegistryDefaults() throws {
        let pretrain = try single("pretrain")
        XCTAssertEqual(pretrain.integer("epochs"), 10)
        XCTAssertEqual(pretrain.integer("batch"), 256)
        XCTAssertEqual(pretrain.toggle("critic"), true)
        XCTAssertEqual(pretrain.decimal("gamma"), 0.2)
        XCTAssertFalse(pretrain.isGiven("epochs"))

        let refine = try single("refine")
        XCTAssertNil(refine.integer("epochs"), "computed default: the executor decides")
        XCTAssertNil(refine.decimal("beta"))
        XCTAssertEqual(refine.toggle("critic"), false)
        XCTAssertEqual(refine.integer("M"), 10)

        let fashion = try single("data fashion-mnist")
        XCTAssertEqual(fashion.path("path"), "/usr/share/datasets/fashion-mnist")
        XCTAssertEqual(fashion.word("split"), "all")
        XCTAssertEqual(fashion.integer("limit"), 0)
        XCTAssertNil(fashion.integer("seed"))
        XCTAssertNil(fashion.integer("n"), "an option of another data set")

        let cluster = try single("cluster method=dbscan")
        XCTAssertEqual(cluster.word("method"), "dbscan")
        XCTAssertEqual(cluster.word("space"), "normalized")
        XCTAssertEqual(cluster.decimal("eps"), 0.5)
        XCTAssertNil(cluster.integer("k"))

        let show = try single("show interpolations steps=5")
        XCTAssertEqual(show.choice(ShowKind.self), .interpolations)
        XCTAssertEqual(show.integer("pairs"), 4)
        XCTAssertEqual(show.integer("steps"), 5)
        XCTAssertNil(show.choice(DatasetName.self))
    }

    func testDescriptionWritesTheCommandBackInItsCanonicalForm() throws {
        let written = #"data csv   path="my file.csv" limit=5 label=none"#
        let invocation = try single(written)
        XCTAssertEqual(invocation.description, #"data csv path="my file.csv" limit=5 label=none"#)
        let reparsed = try single(invocation.description)
        XCTAssertEqual(reparsed.givenValues, invocation.givenValues)
        XCTAssertEqual(try single("export labels out.csv").description, "export labels out.csv")
    }

    func testEmptyProgramHasNoInvocations() throws {
        XCTAssertEqual(try CommandLanguage.parse(""), [])
        XCTAssertEqual(try CommandLanguage.parse("\n  # nothing\n"), [])
    }
}
