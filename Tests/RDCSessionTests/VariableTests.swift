// Layer: session tests. `let NAME = VALUE` and `$NAME`: resolution, checking as literals, errors
// with suggestions, completion, and the session's variables (status, reset, failing cells).

import Foundation
import XCTest
@testable import RDCSession

final class VariableTests: XCTestCase {
    private func parse(_ program: String, variables: Variables = Variables(),
                       file: StaticString = #filePath, line: UInt = #line) -> [Invocation] {
        do {
            return try CommandLanguage.parse(program, variables: variables)
        } catch {
            XCTFail("\(program): \(error)", file: file, line: line)
            return []
        }
    }

    private func failure(_ program: String, variables: Variables = Variables(),
                         file: StaticString = #filePath, line: UInt = #line) -> CommandLanguageError? {
        do {
            let invocations = try CommandLanguage.parse(program, variables: variables)
            XCTFail("parsed \(invocations) without error", file: file, line: line)
        } catch let error as CommandLanguageError {
            return error
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
        return nil
    }

    private func variables(_ pairs: KeyValuePairs<String, String>) -> Variables {
        var variables = Variables()
        for (name, value) in pairs { variables.define(name, as: value) }
        return variables
    }

    // MARK: Resolution

    func testValuesResolveFromLetLinesAboveAndFromTheSession() {
        let invocations = parse("""
        let epochs = 3
        let rate=0.01
        let name =runs
        let kind= conv
        pretrain epochs=$epochs lr=${rate} critic=$toggle
        model $kind latent=$epochs
        save ${name}/phase-${epochs}.ckpt
        """, variables: variables(["toggle": "off"]))
        XCTAssertEqual(invocations.count, 7)
        XCTAssertEqual(invocations[4].givenValues["epochs"], .integer(3))
        XCTAssertEqual(invocations[4].givenValues["lr"], .decimal(0.01))
        XCTAssertEqual(invocations[4].givenValues["critic"], .toggle(false))
        XCTAssertEqual(invocations[5].choice, "conv")
        XCTAssertEqual(invocations[6].givenValues["file"], .path("runs/phase-3.ckpt"))
        XCTAssertEqual(invocations[4].description, "pretrain epochs=3 lr=0.01 critic=off", "the resolved values")
        XCTAssertEqual(invocations[0].description, "let epochs = 3")
    }

    func testALaterLetReplacesAValueAndLetsMayUseVariables() {
        let invocations = parse("let a = 2\nlet b = $a\nlet a = 5\npretrain epochs=$a batch=${b}0")
        XCTAssertEqual(invocations[3].givenValues["epochs"], .integer(5))
        XCTAssertEqual(invocations[3].givenValues["batch"], .integer(20))
        var known = Variables()
        for invocation in invocations { invocation.defineVariable(in: &known) }
        XCTAssertEqual(known.names, ["a", "b"], "first-definition order")
        XCTAssertEqual(known.summary, "a=5 b=2")
    }

    func testQuotedValuesKeepDollarsAndSpaces() {
        let invocations = parse("let dir = \"my runs\"\necho \"$dir costs $5\"\nsave $dir/a.ckpt")
        XCTAssertEqual(invocations[1].givenValues["text"], .text("$dir costs $5"))
        XCTAssertEqual(invocations[2].givenValues["file"], .path("my runs/a.ckpt"))
        XCTAssertEqual(invocations[0].description, "let dir = \"my runs\"")
    }

    // MARK: Errors

    func testUnknownVariablesNameTheLineWordAndNearestName() throws {
        let unknown = try XCTUnwrap(failure("let epochs = 3\npretrain epochs=$epoch"))
        XCTAssertEqual(unknown.description, "line 2: unknown variable `$epoch`; did you mean `$epochs`?")
        XCTAssertEqual(unknown.kind, .unknownVariable)
        XCTAssertEqual(unknown.column, 17)
        XCTAssertEqual(unknown.word, "$epoch")
        XCTAssertEqual(unknown.suggestion, "$epochs")

        XCTAssertEqual(failure("pretrain epochs=$n")?.description,
                       "line 1: unknown variable `$n`; no variables are defined (define one with `let n = VALUE`)")
        XCTAssertEqual(failure("refine M=$zzz", variables: variables(["epochs": "1", "seed": "2"]))?.description,
                       "line 1: unknown variable `$zzz`; defined are `$epochs` and `$seed`")
        XCTAssertEqual(failure("data ${dataset}", variables: variables(["datasets": "mnist"]))?.suggestion, "$datasets")
        XCTAssertEqual(failure("let a = $b")?.kind, .unknownVariable)
    }

    func testSubstitutedValuesAreCheckedLikeLiterals() {
        XCTAssertEqual(failure("let e = ten\npretrain epochs=$e")?.description,
                       "line 2: `epochs` expects an integer from 1 to 100000, got `ten` (from `$e`)")
        XCTAssertEqual(failure("let m = kmean\ncluster method=$m")?.description,
                       "line 2: `method` expects kmeans, gmm, dbscan or assignments, got `kmean` (from `$m`); did you mean `kmeans`?")
        XCTAssertEqual(failure("let d = mnst\ndata $d")?.description,
                       "line 2: unknown dataset name `mnst` (from `$d`) for `data`; did you mean `mnist`?")
        XCTAssertEqual(failure("let e = 0\npretrain epochs=$e")?.kind, .invalidValue)
    }

    func testMalformedLetsAndReferences() {
        XCTAssertEqual(failure("let")?.description, "line 1: `let` needs a name: let NAME = VALUE")
        XCTAssertEqual(failure("let x")?.description, "line 1: `let x` needs `= VALUE`: let NAME = VALUE")
        XCTAssertEqual(failure("let x =")?.description, "line 1: `let` needs a value after `=`: let NAME = VALUE")
        XCTAssertEqual(failure("let 2x = 1")?.kind, .invalidValue)
        XCTAssertEqual(failure("let x = a b")?.kind, .unexpectedWord)
        XCTAssertEqual(failure("let x = 1\npretrain epochs=$")?.kind, .invalidVariable)
        XCTAssertEqual(failure("let x = 1\npretrain epochs=${x")?.description,
                       "line 2: `${x` is not a variable: write `$NAME` or `${NAME}` (quote the value to keep a `$`)")
    }

    // MARK: Completion

    private func complete(_ code: String, variables: Variables = Variables()) -> CompletionResult {
        CommandLanguage.complete(code: code, cursor: code.unicodeScalars.count, variables: variables)
    }

    func testCompletionOffersVariables() {
        let session = variables(["epochs": "3", "seed": "1"])
        XCTAssertEqual(complete("pretrain epochs=$e", variables: session), CompletionResult(matches: ["$epochs"], range: 16..<18))
        XCTAssertEqual(complete("pretrain epochs=${", variables: session), CompletionResult(matches: ["${epochs}", "${seed}"], range: 16..<18))
        XCTAssertEqual(complete("seed $", variables: session).matches, ["$epochs", "$seed"])
        XCTAssertEqual(complete("pretrain critic=", variables: session).matches, ["on", "off", "$epochs", "$seed"])
        XCTAssertEqual(complete("let batch = 64\nlet lr=0.1\npretrain batch=$").matches, ["$batch", "$lr"],
                       "let lines above the cursor count too")
        XCTAssertEqual(complete("pretrain batch=$\nlet later = 1").matches, [], "not lines below")
        XCTAssertEqual(complete("echo \"$e", variables: session).matches, [], "quoted text is literal")
        XCTAssertTrue(complete("le").matches.contains("let"))
    }

    // MARK: The session

    private func run(_ session: Session, _ program: String) -> (text: String, failure: SessionFailure?) {
        var text = ""
        do {
            try session.run(program) { output in
                switch output {
                case .text(let written, _): text += written
                case .table(let table): text += table.plainText + "\n"
                default: break
                }
            }
            return (text, nil)
        } catch let failure as SessionFailure {
            return (text, failure)
        } catch {
            XCTFail("\(error)")
            return (text, nil)
        }
    }

    /// The value of the `variables` row of a printed `status` table.
    private func variablesRow(_ status: String) -> String? {
        status.split(separator: "\n").first { $0.hasPrefix("variables ") }
            .map { $0.dropFirst("variables".count).trimmingCharacters(in: .whitespaces) }
    }

    func testTheSessionKeepsVariablesBetweenCellsAndShowsThemInStatus() throws {
        let session = Session(options: SessionOptions(workingDirectory: NSTemporaryDirectory(), seed: 1))
        XCTAssertEqual(run(session, "let n = 60\nlet size = 8").text, "$n = 60\n$size = 8\n")
        let loaded = run(session, "data synthetic n=$n size=$size classes=3\nmodel dense latent=2\nlet epochs = 2")
        XCTAssertNil(loaded.failure)
        XCTAssertNil(run(session, "pretrain epochs=$epochs batch=32").failure)
        let history = run(session, "history").text
        XCTAssertEqual(history.split(separator: "\n").filter { $0.hasPrefix("pretrain") }.count, 2, history)
        let status = run(session, "status").text
        XCTAssertEqual(variablesRow(status), "n=60 size=8 epochs=2", status)
        XCTAssertTrue(status.contains("60 images"), status)
        XCTAssertEqual(session.complete(code: "refine epochs=$", cursor: 15).matches, ["$n", "$size", "$epochs"])

        // A cell that fails to parse defines nothing, even in its lines before the error.
        let failed = run(session, "let epochs = 9\nlet extra = 1\npretrain epochs=$epohcs")
        XCTAssertEqual(failed.failure?.kind, .syntax)
        XCTAssertEqual(failed.failure?.message, "unknown variable `$epohcs`; did you mean `$epochs`?")
        XCTAssertEqual(variablesRow(run(session, "status").text), "n=60 size=8 epochs=2")

        // reset forgets data and model but keeps the variables.
        XCTAssertTrue(run(session, "reset").text.contains("variables"))
        XCTAssertNil(run(session, "data synthetic n=$n size=$size").failure)
    }
}
