// Layer: session tests. Every kind of parse error, as users read it (golden messages).

import XCTest
@testable import RDCSession

final class LanguageErrorTests: XCTestCase {
    private func error(_ program: String, file: StaticString = #filePath, line: UInt = #line) -> CommandLanguageError? {
        do {
            let invocations = try CommandLanguage.parse(program)
            XCTFail("parsed \(invocations) without error", file: file, line: line)
            return nil
        } catch let error as CommandLanguageError {
            return error
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
            return nil
        }
    }

    private func assertMessage(_ program: String, _ expected: String, kind: CommandLanguageError.Kind,
                               file: StaticString = #filePath, line: UInt = #line) {
        guard let failure = error(program, file: file, line: line) else { return }
        XCTAssertEqual(failure.description, expected, file: file, line: line)
        XCTAssertEqual(failure.kind, kind, file: file, line: line)
    }

    func testGoldenMessages() {
        assertMessage("status\nevaluate\npretrain epoch=3",
                      "line 3: unknown option `epoch` for `pretrain`; did you mean `epochs`?", kind: .unknownOption)
        assertMessage("pretrian", "line 1: unknown command `pretrian`; did you mean `pretrain`?", kind: .unknownCommand)
        assertMessage("status\npretrain epochs=ten",
                      "line 2: `epochs` expects an integer from 1 to 100000, got `ten`", kind: .invalidValue)
        assertMessage("data", "line 1: `data` needs a dataset name: fashion-mnist, mnist, idx, csv, npz, cifar10, digits or synthetic",
                      kind: .missingPositional)
        assertMessage("show", "line 1: `show` needs a kind: samples, reconstructions, interpolations, clusters, embedding, losses, metrics, confusion, kscan or kdistance",
                      kind: .missingPositional)
        assertMessage("threads", "line 1: `threads` needs a number of threads: an integer from 1 to 1024", kind: .missingPositional)
        assertMessage("export", "line 1: `export` needs an export kind: embeddings, reconstructions, labels, history or model", kind: .missingPositional)
        assertMessage("save", "line 1: `save` needs a file name", kind: .missingPositional)
        assertMessage("data mnst", "line 1: unknown dataset name `mnst` for `data`; did you mean `mnist`?", kind: .unknownChoice)
        assertMessage("data foo", "line 1: unknown dataset name `foo` for `data`; expected fashion-mnist, mnist, idx, csv, npz, cifar10, digits or synthetic",
                      kind: .unknownChoice)
        assertMessage("help pretrian", "line 1: unknown command name `pretrian` for `help`; did you mean `pretrain`?", kind: .unknownChoice)
        assertMessage("data mnist split=train", "line 1: `data mnist` needs `path=DIR`", kind: .missingOption)
        assertMessage("data idx", "line 1: `data idx` needs `images=FILE`", kind: .missingOption)
        assertMessage("cluster method=kmean", "line 1: `method` expects kmeans, gmm, dbscan or assignments, got `kmean`; did you mean `kmeans`?",
                      kind: .invalidValue)
        assertMessage("pretrain critic=maybe", "line 1: `critic` expects on or off, got `maybe`", kind: .invalidValue)
        assertMessage("refine q=0", "line 1: `q` expects a decimal greater than 0 and at most 1, got `0`", kind: .invalidValue)
        assertMessage("pretrain lambda=-1", "line 1: `lambda` expects a decimal of at least 0, got `-1`", kind: .invalidValue)
        assertMessage("pretrain lr=nan", "line 1: `lr` expects a decimal greater than 0 and at most 1, got `nan`", kind: .invalidValue)
        assertMessage("data csv path=a.csv shape=28x28", "line 1: `shape` expects a shape CxHxW such as 1x28x28, got `28x28`",
                      kind: .invalidValue)
        assertMessage("data synthetic limit=-1", "line 1: `limit` expects an integer of at least 0, got `-1`", kind: .invalidValue)
        assertMessage("seed x", "line 1: `seed` expects an integer from 0 to 4294967295, got `x`", kind: .invalidValue)
        assertMessage("export embeddings out.txt", "line 1: `export` expects a file path ending in .npy, .csv, .onnx or .safetensors, got `out.txt`",
                      kind: .invalidValue)
        assertMessage("pretrain foo=1", "line 1: unknown option `foo` for `pretrain`; options are epochs, batch, lr, critic, lambda, gamma and track",
                      kind: .unknownOption)
        assertMessage("status foo=1", "line 1: unknown option `foo` for `status`, which takes no options", kind: .unknownOption)
        assertMessage("data mnist path=/d n=5", "line 1: unknown option `n` for `data mnist`; options are path, split, limit and seed",
                      kind: .unknownOption)
        assertMessage("refine m=3", "line 1: unknown option `m` for `refine`; did you mean `M`?", kind: .unknownOption)
        assertMessage("status now", "line 1: unexpected word `now` for `status`, which takes only key=value options", kind: .unexpectedWord)
        assertMessage("save a b", "line 1: unexpected word `b` for `save`; usage: save FILE", kind: .unexpectedWord)
        assertMessage("pretrain epochs=", "line 1: `epochs=` needs a value: an integer from 1 to 100000", kind: .missingValue)
        assertMessage("pretrain =3", "line 1: `=3` needs an option name before `=`", kind: .missingOptionName)
        assertMessage("pretrain epochs=1 epochs=2", "line 1: option `epochs` is given twice", kind: .repeatedOption)
        assertMessage("echo \"abc\nstatus", "line 1: unclosed quote in `\"abc`", kind: .unterminatedQuote)
        assertMessage("load path=\"x", "line 1: unclosed quote in `path=\"x`", kind: .unterminatedQuote)
        assertMessage("status\npretrain \\", "line 2: the program ends with `\\`, which continues onto a line that is not there",
                      kind: .danglingContinuation)
        assertMessage("\"pretrain\"", "line 1: unknown command `pretrain`", kind: .unknownCommand)
    }

    func testErrorNamesLineColumnWordExpectationAndSuggestion() throws {
        let failure = try XCTUnwrap(error("status\n  pretrain  epoch=3"))
        XCTAssertEqual(failure.line, 2)
        XCTAssertEqual(failure.column, 13)
        XCTAssertEqual(failure.word, "epoch")
        XCTAssertEqual(failure.suggestion, "epochs")
        XCTAssertEqual(failure.expected, "epochs, batch, lr, critic, lambda, gamma or track")

        let value = try XCTUnwrap(error("pretrain batch=0"))
        XCTAssertEqual(value.column, 16, "points at the value")
        XCTAssertEqual(value.word, "0")
        XCTAssertEqual(value.expected, "an integer from 1 to 65536")
        XCTAssertNil(value.suggestion)
        XCTAssertEqual(value.localizedDescription, value.description)
    }

    func testErrorsInsideContinuedLinesNameTheirPhysicalLine() throws {
        let failure = try XCTUnwrap(error("pretrain epochs=2 \\\n  lr=fast"))
        XCTAssertEqual(failure.line, 2)
        XCTAssertEqual(failure.column, 6)
    }

    func testProgramIsAllOrNothingAndNamesTheFirstBadLine() throws {
        let failure = try XCTUnwrap(error("seed 1\nstatus\npretrain epocs=1\nclusterr"))
        XCTAssertEqual(failure.line, 3)
        XCTAssertEqual(failure.description, "line 3: unknown option `epocs` for `pretrain`; did you mean `epochs`?")
    }

    func testSuggestionsPreferTheClosestNameAndRefuseFarOnes() {
        XCTAssertEqual(NameSuggestion.nearest(to: "pretrian", among: ["pretrain", "refine"]), "pretrain")
        XCTAssertEqual(NameSuggestion.nearest(to: "recon", among: ShowKind.allCases.map(\.rawValue)), "reconstructions")
        XCTAssertEqual(NameSuggestion.nearest(to: "clustr", among: CommandName.allCases.map(\.rawValue)), "cluster")
        XCTAssertEqual(NameSuggestion.nearest(to: "fashion", among: DatasetName.allCases.map(\.rawValue)), "fashion-mnist")
        XCTAssertNil(NameSuggestion.nearest(to: "xyz", among: CommandName.allCases.map(\.rawValue)))
        XCTAssertNil(NameSuggestion.nearest(to: "", among: ["a"]))
        XCTAssertEqual(NameSuggestion.editDistance(Array("kitten"), Array("sitting")), 3)
        XCTAssertEqual(NameSuggestion.editDistance(Array("ab"), Array("ba")), 1)
    }
}
