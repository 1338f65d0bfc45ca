// Layer: session tests. Completion of commands, choices, options, values and paths.

import XCTest
@testable import RDCSession

final class CompletionTests: XCTestCase {
    private func complete(_ code: String, at cursor: Int? = nil, in directory: String? = nil) -> CompletionResult {
        CommandLanguage.complete(code: code, cursor: cursor ?? code.unicodeScalars.count, workingDirectory: directory)
    }

    func testCommandNamesAtTheStartOfAnyLine() {
        XCTAssertEqual(complete("").matches, CommandName.allCases.map(\.rawValue))
        XCTAssertEqual(complete("re"), CompletionResult(matches: ["refine", "reset"], range: 0..<2))
        XCTAssertEqual(complete("status\n  re"), CompletionResult(matches: ["refine", "reset"], range: 9..<11))
        XCTAssertEqual(complete("?re"), CompletionResult(matches: ["refine", "reset"], range: 1..<3))
        XCTAssertEqual(complete("re\nstatus", at: 2), CompletionResult(matches: ["refine", "reset"], range: 0..<2))
        XCTAssertEqual(complete("pretrain", at: 3), CompletionResult(matches: ["pretrain"], range: 0..<3))
    }

    func testPositionalChoices() {
        XCTAssertEqual(complete("data ").matches, DatasetName.allCases.map(\.rawValue))
        XCTAssertEqual(complete("data c"), CompletionResult(matches: ["csv", "cifar10"], range: 5..<6))
        XCTAssertEqual(complete("show r").matches, ["reconstructions"])
        XCTAssertEqual(complete("model ").matches, ["dense", "conv"])
        XCTAssertEqual(complete("export ").matches, ["embeddings", "reconstructions", "labels", "history", "model"])
        XCTAssertEqual(complete("help pre").matches, ["pretrain"])
        XCTAssertEqual(complete("? cl").matches, ["cluster", "clear"])
        XCTAssertEqual(complete("seed ").matches, [], "an integer has nothing to offer")
    }

    func testOptionNamesValidForTheCommandAndChoiceAndNotYetGiven() {
        XCTAssertEqual(complete("pretrain ").matches, ["epochs=", "batch=", "lr=", "critic=", "lambda=", "gamma=", "track="])
        XCTAssertEqual(complete("pretrain epochs=3 lr=0.1 ").matches, ["batch=", "critic=", "lambda=", "gamma=", "track="])
        XCTAssertEqual(complete("pretrain  lr=0.1", at: 9).matches, ["epochs=", "batch=", "critic=", "lambda=", "gamma=", "track="])
        XCTAssertEqual(complete("show samples ").matches, ["count=", "columns="])
        XCTAssertEqual(complete("data synthetic n").matches, ["n=", "noise="])
        XCTAssertEqual(complete("data mnist ").matches, ["path=", "split=", "limit=", "seed="])
        XCTAssertEqual(complete("data ").matches.filter { $0.hasSuffix("=") }, [], "the data set comes first")
        XCTAssertEqual(complete("help ").matches, CommandName.allCases.map(\.rawValue))
        XCTAssertEqual(complete("echo hi ").matches, ["stream="])
        XCTAssertEqual(complete("status ").matches, [])
        XCTAssertEqual(complete("nonsense ").matches, [])
    }

    func testOptionValues() {
        XCTAssertEqual(complete("cluster method="), CompletionResult(matches: ["kmeans", "gmm", "dbscan", "assignments"], range: 15..<15))
        XCTAssertEqual(complete("cluster method=g"), CompletionResult(matches: ["gmm"], range: 15..<16))
        XCTAssertEqual(complete("pretrain critic=o").matches, ["on", "off"])
        XCTAssertEqual(complete("show embedding color=l").matches, ["label"])
        XCTAssertEqual(complete("echo hi stream=").matches, ["stdout", "stderr"])
        XCTAssertEqual(complete("data npz split=").matches, ["train", "val", "test", "all"])
        XCTAssertEqual(complete("pretrain epochs=").matches, [])
        XCTAssertEqual(complete("pretrain nope=").matches, [])
    }

    func testContinuedLinesAndScalarOffsets() {
        XCTAssertEqual(complete("pretrain epochs=3 \\\n  cri"), CompletionResult(matches: ["critic="], range: 22..<25))
        XCTAssertEqual(complete("pretrain epochs=3 \\\n  epo").matches, [])
        let code = "echo \"é👍\"\nre"
        XCTAssertEqual(complete(code), CompletionResult(matches: ["refine", "reset"], range: 10..<12))
    }

    func testAutomaticValuesComplete() {
        XCTAssertEqual(complete("cluster k=a").matches, ["auto"])
        XCTAssertEqual(complete("cluster method=dbscan eps=").matches, ["auto"])
        XCTAssertEqual(complete("refine M=").matches, ["auto"])
        XCTAssertEqual(complete("refine Mrule=").matches, ["jump", "ratio", "gap", "stability"])
        XCTAssertEqual(complete("cluster criterion=").matches, ["silhouette", "gap"])
        XCTAssertEqual(complete("show k").matches, ["kscan", "kdistance"])
        XCTAssertEqual(complete("refine target=g").matches, ["graph"])
    }

    func testNothingInsideComments() {
        XCTAssertEqual(complete("# pre"), CompletionResult(matches: [], range: 5..<5))
        XCTAssertEqual(complete("pretrain # ep").matches, [])
        XCTAssertEqual(complete("pretrain e # note", at: 10).matches, ["epochs="])
    }

    func testPathsFromTheFileSystem() throws {
        let fileManager = FileManager.default
        let root = fileManager.temporaryDirectory.appendingPathComponent("rdc-completion-\(UUID().uuidString)").path
        try fileManager.createDirectory(atPath: root + "/beta", withIntermediateDirectories: true)
        try fileManager.createDirectory(atPath: root + "/alpha dir", withIntermediateDirectories: true)
        for file in ["alpha.ckpt", ".hidden", "emb.npy", "notes.txt", "beta/inner.ckpt"] {
            XCTAssertTrue(fileManager.createFile(atPath: root + "/" + file, contents: Data()))
        }
        defer { try? fileManager.removeItem(atPath: root) }

        XCTAssertEqual(complete("save al", in: root), CompletionResult(matches: ["\"alpha dir/", "alpha.ckpt"], range: 5..<7))
        XCTAssertEqual(complete("load ", in: root).matches, ["\"alpha dir/", "alpha.ckpt", "beta/", "emb.npy", "notes.txt"])
        XCTAssertEqual(complete("load .", in: root).matches, [".hidden"])
        XCTAssertEqual(complete("load beta/", in: root), CompletionResult(matches: ["beta/inner.ckpt"], range: 5..<10))
        XCTAssertEqual(complete("load \"alpha d", in: root).matches, ["\"alpha dir/"])
        XCTAssertEqual(complete("load \"al", in: root).matches, ["\"alpha dir/", "\"alpha.ckpt\""])
        XCTAssertEqual(complete("export labels ", in: root).matches, ["\"alpha dir/", "beta/", "emb.npy"])
        XCTAssertEqual(complete("data mnist path=", in: root), CompletionResult(matches: ["\"alpha dir/", "beta/"], range: 16..<16))
        XCTAssertEqual(complete("data idx images=be", in: root).matches, ["beta/"])
        XCTAssertEqual(complete("save \(root)/be", in: "/").matches, ["\(root)/beta/"])
        XCTAssertEqual(complete("save missing/x", in: root).matches, [])
    }
}
