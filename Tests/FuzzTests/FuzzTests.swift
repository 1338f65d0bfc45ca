// Layer: tests (fuzzing). May use every module under test; ships in no product. The bounded
// fuzzing run of the test suite, the long run of scripts/fuzz.sh (same code, more inputs), and
// the regression corpus of inputs that once crashed a parser.

import Foundation
import XCTest

/// Fuzzes every parser with mutated inputs, and replays the corpus.
///
/// Environment: `RDC_FUZZ_INPUTS` (total mutated inputs over all targets, shared out by each
/// target's `share`; default 40,000, some seconds), `RDC_FUZZ_SEED` (default 1), `RDC_FUZZ_TARGETS` (comma-separated names;
/// default all), `RDC_FUZZ_CRASH_DIR` (default `fuzz-crashes` in the package folder).
final class FuzzTests: XCTestCase {
    private static let packageFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    private static let corpusFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Corpus")

    private var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// The targets chosen by `RDC_FUZZ_TARGETS`, with the seeds of their corpus folders added.
    private func targets(_ scratch: ScratchFolder) throws -> [FuzzTarget] {
        let chosen = environment["RDC_FUZZ_TARGETS"].map { Set($0.split(separator: ",").map(String.init)) }
        return try FuzzTargets.all(scratch: scratch).filter { chosen?.contains($0.name) ?? true }.map { target in
            FuzzTarget(name: target.name, seeds: target.seeds + corpusFiles(of: target.name, prefix: "seed-").map(\.bytes),
                       parse: target.parse, repair: target.repair, share: target.share)
        }
    }

    /// The files `Corpus/TARGET/PREFIX*`, sorted by name.
    private func corpusFiles(of target: String, prefix: String) -> [(name: String, bytes: [UInt8])] {
        let folder = Self.corpusFolder.appendingPathComponent(target)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasPrefix(prefix) }.sorted()
        return names.compactMap { name in
            (try? Data(contentsOf: folder.appendingPathComponent(name))).map { (name, [UInt8]($0)) }
        }
    }

    func testEveryParserSurvivesMutatedInputs() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let targets = try targets(scratch)
        let total = Int(environment["RDC_FUZZ_INPUTS"] ?? "") ?? 40_000
        let shares = targets.reduce(0) { $0 + $1.share }
        let seed = UInt64(environment["RDC_FUZZ_SEED"] ?? "") ?? 1
        let crashFolder = environment["RDC_FUZZ_CRASH_DIR"] ?? Self.packageFolder.appendingPathComponent("fuzz-crashes").path
        FuzzRunner.installCrashHandler()
        var reports: [FuzzReport] = []
        for (index, target) in targets.enumerated() {
            reports.append(FuzzRunner.run(target, inputs: Int(Double(total) * target.share / shares), seed: seed &+ UInt64(index),
                                          crashFolder: crashFolder))
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        var lines = ["fuzz: seed \(seed); target, inputs (seeds included), accepted, seconds"]
        for report in reports {
            lines.append("fuzz: \(report.target.padding(toLength: 18, withPad: " ", startingAt: 0)) \(report.inputs) \(report.accepted) "
                         + String(format: "%.1f", report.seconds))
        }
        lines.append("fuzz: total \(reports.reduce(0) { $0 + $1.inputs }) inputs, 0 crashes, "
                     + String(format: "%.1f s", reports.reduce(0) { $0 + $1.seconds })
                     + ", peak resident memory \(usage.ru_maxrss / 1024) MiB")
        print(lines.joined(separator: "\n"))
        XCTAssertEqual(reports.count, targets.count)
    }

    /// Every `crash-*` file of the corpus once crashed its parser, every `hostile-*` file is an
    /// attack it must see through (a decompression bomb); each must now be refused with a
    /// clear error (a sentence, never a raw NSError description).
    func testInputsThatOnceCrashedGetClearErrors() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        var replayed = 0
        for target in try targets(scratch) {
            for (name, bytes) in corpusFiles(of: target.name, prefix: "crash-") + corpusFiles(of: target.name, prefix: "hostile-") {
                XCTAssertThrowsError(try target.parse(target.repair(bytes)), "\(target.name)/\(name)") { error in
                    let text = "\(error)"
                    XCTAssertFalse(text.isEmpty || text.contains("Error Domain") || text.contains("error 0."),
                                   "\(target.name)/\(name): '\(text)'")
                }
                replayed += 1
            }
        }
        print("fuzz: replayed \(replayed) inputs that once crashed")
    }
}
