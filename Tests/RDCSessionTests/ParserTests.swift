// Layer: session tests. Parsing of values, quotes, comments, continuations and programs.

import XCTest
import RDCMethod
@testable import RDCSession

final class ParserTests: XCTestCase {
    private func single(_ program: String, file: StaticString = #filePath, line: UInt = #line) throws -> Invocation {
        let invocations = try CommandLanguage.parse(program)
        XCTAssertEqual(invocations.count, 1, file: file, line: line)
        return try XCTUnwrap(invocations.first, file: file, line: line)
    }

    func testParsesEveryValueTypeThroughTypedOptions() throws {
        let pretrain = PretrainOptions(try single("pretrain epochs=3 lr=1e-3 critic=off lambda=1"))
        XCTAssertEqual(pretrain.epochs, 3)
        XCTAssertEqual(pretrain.settings, PretrainSettings(learningRate: 0.001,
                                                           acai: ACAISettings(criticEnabled: false, lambda: 1, gamma: 0.2)))

        let csv = try single(#"data csv path="my data/x.csv" shape=1x8x8 scale=16 label=first"#)
        XCTAssertEqual(csv.choice(as: DatasetName.self), .csv)
        XCTAssertEqual(csv[DataOptions.csvFile], "my data/x.csv")
        XCTAssertEqual(csv[DataOptions.csvShape], [1, 8, 8])
        XCTAssertEqual(csv[DataOptions.csvScale], 16)
        XCTAssertEqual(csv[DataOptions.csvLabel], .first)
        XCTAssertNil(csv[DataOptions.seed])
        XCTAssertEqual(csv[DataOptions.limit], 0)

        XCTAssertEqual(try single("seed 42")[SessionCommandOptions.seed], 42)
        let cluster = ClusterOptions(try single("cluster method=dbscan eps=0.25 space=raw"))
        XCTAssertEqual(cluster.method, .dbscan)
        XCTAssertEqual(cluster.space, .raw)
        XCTAssertEqual(cluster.eps.given, 0.25)
        XCTAssertNil(cluster.k)
        let scan = ClusterOptions(try single("cluster k=auto kmax=12 criterion=gap method=dbscan eps=auto"))
        guard case .automatic? = scan.k, case .automatic = scan.eps else { return XCTFail("k=auto and eps=auto read as auto") }
        XCTAssertEqual(scan.scannedK, 2...12)
        XCTAssertEqual(scan.criterion, .gap)
        XCTAssertEqual(ClusterOptions(try single("cluster k=7")).k?.given, 7)
        let auto = try RefineOptions(try single("refine M=auto Mmin=3 Mmax=30"), seed: 4)
        XCTAssertEqual(auto.settings.neighbourhood, .largestJump(3...30))
        XCTAssertEqual(try RefineOptions(try single("refine M=auto"), seed: 4).settings.neighbourhood, .largestJump(3...20))
        XCTAssertEqual(try RefineOptions(try single("refine M=auto Mrule=ratio Mmax=30"), seed: 4).settings.neighbourhood, .largestRatio(5...30))
        XCTAssertEqual(try RefineOptions(try single("refine M=auto Mrule=gap"), seed: 4).settings.neighbourhood, .largestGap(5...40))
        XCTAssertEqual(try RefineOptions(try single("refine M=auto Mrule=stability"), seed: 4).settings.neighbourhood,
                       .stability(candidates: [5, 10, 20, 40], seed: 4))
        XCTAssertThrowsError(try RefineOptions(try single("refine M=auto Mmin=30 Mmax=3"), seed: 0)) {
            XCTAssertTrue("\($0)".contains("Mmin ≤ Mmax"), "\($0)")
        }
    }

    func testDefaultsAreTheMethodsOwn() throws {
        let pretrain = PretrainOptions(try single("pretrain"))
        XCTAssertEqual(pretrain.settings, PretrainSettings())
        XCTAssertEqual(pretrain.epochs, PretrainSettings.defaultEpochs)
        let refine = try RefineOptions(try single("refine"), seed: 0)
        XCTAssertEqual(refine.settings, RefineSettings())
        XCTAssertNil(refine.epochs, "the method's rule applies")
        // Help shows the defaults as written, not as binary floats.
        XCTAssertEqual(PretrainOptions.learningRate.spec.defaultValue.description, "0.001")
        XCTAssertEqual(RefineOptions.quantile.spec.defaultValue.description, "0.9")
    }

    func testCommentsAndBlankLinesAreSkipped() throws {
        let invocations = try CommandLanguage.parse("# set-up\n\n  pretrain epochs=2 # short run\n   \n# end")
        XCTAssertEqual(invocations.map(\.command), [.pretrain])
        XCTAssertEqual(invocations[0].line, 3)
        XCTAssertEqual(invocations[0][PretrainOptions.epochs], 2)
        XCTAssertEqual(try single("save a#b")[SessionCommandOptions.saveFile], "a#b")
    }

    func testContinuedLinesFormOneCommandNumberedByItsFirstLine() throws {
        let program = "status\npretrain epochs=2 \\\n   lr=0.01 \\  # faster\n   critic=off\nevaluate"
        let invocations = try CommandLanguage.parse(program)
        XCTAssertEqual(invocations.map(\.command), [.status, .pretrain, .evaluate])
        XCTAssertEqual(invocations.map(\.line), [1, 2, 5])
        XCTAssertEqual(invocations[1][PretrainOptions.epochs], 2)
        XCTAssertEqual(invocations[1][PretrainOptions.learningRate], 0.01)
        XCTAssertEqual(invocations[1][PretrainOptions.critic], false)
    }

    func testWindowsLineEndings() throws {
        let invocations = try CommandLanguage.parse("seed 7\r\nthreads 2\r\n")
        XCTAssertEqual(invocations.map(\.command), [.seed, .threads])
        XCTAssertEqual(invocations[1][SessionCommandOptions.threads], 2)
    }

    func testQuestionMarkAsksForHelpInThePager() throws {
        let topic = try single("?pretrain")
        XCTAssertEqual(topic.command, .help)
        XCTAssertTrue(topic.asksForPager)
        XCTAssertEqual(topic[optional: SessionCommandOptions.helpTopic], .pretrain)
        let trailing = try single("refine?")
        XCTAssertEqual(trailing.command, .help)
        XCTAssertTrue(trailing.asksForPager)
        XCTAssertEqual(trailing[optional: SessionCommandOptions.helpTopic], .refine)
        let overview = try single("?")
        XCTAssertEqual(overview.command, .help)
        XCTAssertNil(overview[optional: SessionCommandOptions.helpTopic])
        let plain = try single("help refine")
        XCTAssertFalse(plain.asksForPager)
        XCTAssertEqual(plain[optional: SessionCommandOptions.helpTopic], .refine)
    }

    func testTypedReadsFallBackToTheDeclaredDefaults() throws {
        let fashion = try single("data fashion-mnist")
        XCTAssertEqual(fashion[DataOptions.fashionMNISTFolder], "/usr/share/datasets/fashion-mnist")
        XCTAssertEqual(fashion[DataOptions.trainTestSplit], .all)
        XCTAssertEqual(fashion[DataOptions.fallback], .none)
        XCTAssertNil(fashion[DataOptions.seed])

        let cluster = ClusterOptions(try single("cluster"))
        XCTAssertEqual(cluster.method, .kmeans)
        XCTAssertEqual(cluster.space, .normalized)
        XCTAssertEqual(cluster.restarts, 20)
        XCTAssertNil(cluster.k, "computed default: the executor decides")
        XCTAssertEqual(.fixed(try single("diagnose")[SharedOptions.neighbours]), RefineSettings().neighbourhood)
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
