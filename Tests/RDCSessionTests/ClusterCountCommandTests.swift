// Layer: session tests. When K and M are unknown: `cluster k=auto`, `cluster method=dbscan
// eps=auto`, `show kscan`/`show kdistance`, DBSCAN's noise in `evaluate`, and `refine M=auto`
// with the M it used in `status`, `history` and checkpoints.

import Foundation
import XCTest
@testable import RDCSession
import RDCRender
import NumericCore

final class ClusterCountCommandTests: SessionCommandTestCase {
    func testKAutoScansPrintsTheTableAndPlotsIt() {
        let session = trainedSyntheticSession(in: directory)
        XCTAssertTrue(failureText(session, "show kscan")?.contains("no K scan yet; run `cluster k=auto` first") ?? false)
        let scan = textAndImages(session, "cluster k=auto kmax=6 restarts=2").text
        XCTAssertTrue(scan.contains("K scan (mean silhouette on 200 points; the highest)"), scan)
        XCTAssertTrue(scan.contains("← chosen"), scan)
        for k in 2...6 { XCTAssertTrue(scan.contains("\n\(k) "), "row of K=\(k): \(scan)") }
        let chosen = scan.components(separatedBy: "K=").dropFirst().first?.prefix { $0.isNumber } ?? ""
        XCTAssertTrue(scan.contains("kmeans: \(chosen) clusters of 200 normalized embeddings"), scan)
        let picture = textAndImages(session, "show kscan").images
        XCTAssertEqual(picture.count, 1)
        XCTAssertTrue(picture.first?.title.contains("K scan: mean silhouette on 200 points, K=2…6") ?? false, picture.first?.title ?? "")

        let gap = textAndImages(session, "cluster k=auto kmin=1 kmax=5 criterion=gap restarts=2").text
        XCTAssertTrue(gap.contains("gap statistic, 10 uniform reference sets, 200 points"), gap)
        XCTAssertTrue(gap.contains("s(K)"), gap)
        XCTAssertTrue(textAndImages(session, "show kscan").images.first?.title.contains("gap statistic ± s(K)") ?? false)
        XCTAssertEqual(textAndImages(session, "evaluate").text.contains("ACC"), true)
    }

    func testKAutoFindsFourWellSeparatedClassesWithEachCriterion() throws {
        // Four Gaussian blobs in 12 dimensions, 40 points each, 8 apart; the label last.
        var generator = SeededGenerator(seed: 7)
        var lines: [String] = []
        for label in 0..<4 {
            for _ in 0..<40 {
                let values = (0..<12).map { ($0 % 4 == label ? 8 : 0) + 0.5 * generator.nextNormal() }
                lines.append((values.map { String($0) } + [String(label)]).joined(separator: ","))
            }
        }
        try lines.joined(separator: "\n").write(toFile: directory + "/blobs.csv", atomically: true, encoding: .utf8)
        let session = Session(options: SessionOptions(workingDirectory: directory, seed: 1))
        _ = textAndImages(session, "data csv path=blobs.csv label=last\nmodel dense latent=4\npretrain epochs=20 batch=32")
        // The raw embedding: normalised, each blob becomes a thin curve that the gap statistic keeps
        // splitting (it picks 7 there; the README says so).
        for criterion in ["silhouette", "gap"] {
            let scan = textAndImages(session, "cluster k=auto kmax=8 criterion=\(criterion) restarts=5 space=raw").text
            XCTAssertTrue(scan.contains("kmeans: 4 clusters of 160"), "\(criterion): \(scan)")
            XCTAssertTrue(textAndImages(session, "evaluate").text.contains("ACC       1.0000"), criterion)
        }
    }

    func testKAutoRefusesWhatItCannotScanAndChangesNothing() {
        let session = trainedSyntheticSession(in: directory)
        let cases = [
            ("cluster k=auto method=gmm", "k=auto scans K with k-means; method=gmm needs a number"),
            ("cluster k=auto kmin=5 kmax=3", "k=auto needs kmin ≤ kmax; got kmin=5 kmax=3"),
            ("cluster k=auto kmin=1", "criterion=silhouette needs kmin ≥ 2"),
            ("cluster k=auto kmax=500", "kmax=500 needs more than 500 images to score; the scan scores 200"),
            ("cluster k=many", "auto"),
            ("cluster method=dbscan eps=auto minpts=1", "eps=auto reads the knee"),
        ]
        for (line, message) in cases {
            let problem = failureText(session, line)
            XCTAssertTrue(problem?.contains(message) ?? false, "\(line): \(problem ?? "succeeded")")
        }
        XCTAssertTrue(squeezed(textAndImages(session, "status").text).contains("clustering none"))
    }

    func testEpsAutoReadsTheKneeAndNoiseIsScoredBothWays() {
        let session = trainedSyntheticSession(in: directory)
        XCTAssertTrue(failureText(session, "show kdistance")?.contains("no k-distance curve yet") ?? false)
        let clustered = textAndImages(session, "cluster method=dbscan eps=auto minpts=4").text
        XCTAssertTrue(clustered.contains("eps=auto: the knee of the sorted 4-distances, point "), clustered)
        XCTAssertTrue(clustered.contains("noise="), "the knee leaves the sparsest points out: \(clustered)")
        let scores = textAndImages(session, "evaluate").text
        XCTAssertTrue(scores.contains("all points (noise as one cluster)"), scores)
        XCTAssertTrue(scores.contains("clustered points only"), scores)
        XCTAssertTrue(scores.contains("points are noise"), scores)
        let curve = textAndImages(session, "show kdistance").images
        XCTAssertEqual(curve.count, 1)
        XCTAssertTrue(curve.first?.title.contains("4th nearest point") ?? false, curve.first?.title ?? "")
        // The noise is drawn, and named, in the pictures.
        XCTAssertEqual(textAndImages(session, "show embedding").images.count, 1)
        XCTAssertEqual(textAndImages(session, "show clusters members=2").images.count, 1)
        XCTAssertEqual(textAndImages(session, "show confusion").images.count, 1)
    }

    func testRefineWithMChosenByTheDataReportsItEverywhere() throws {
        let session = trainedSyntheticSession(in: directory)
        let jump = textAndImages(session, "refine M=auto Mmax=15 epochs=2 batch=64").text
        XCTAssertTrue(jump.contains("refine: M=auto (largest jump, 3…15)"), jump)
        XCTAssertTrue(jump.contains("neighbourhoods: M="), jump)
        let status = squeezed(textAndImages(session, "status").text)
        XCTAssertTrue(status.contains("refine targets from refine epoch 2: M="), status)
        let history = textAndImages(session, "history").text
        XCTAssertTrue(history.contains(" M ") && history.contains("M range"), history)
        let saved = directory + "/m.ckpt"
        _ = textAndImages(session, "save \(saved)")
        let restored = Session(options: SessionOptions(workingDirectory: directory, seed: 1))
        _ = textAndImages(restored, "data synthetic n=200 size=16 classes=4\nload \(saved)")
        XCTAssertEqual(textAndImages(restored, "history").text, history)
        XCTAssertEqual(squeezed(textAndImages(restored, "status").text).components(separatedBy: "\n").first { $0.hasPrefix("refine targets") },
                       status.components(separatedBy: "\n").first { $0.hasPrefix("refine targets") })

        XCTAssertTrue(textAndImages(session, "refine M=auto Mrule=gap epochs=1 batch=64").text.contains("M=auto (largest gap, 5…40)"))
        XCTAssertTrue(textAndImages(session, "refine M=auto Mrule=ratio epochs=1 batch=64").text.contains("M=auto (largest ratio, 5…40)"))
        let stable = textAndImages(session, "refine M=auto Mrule=stability epochs=1 batch=64").text
        XCTAssertTrue(stable.contains("M=auto (stability of 5, 10, 20, 40)"), stable)
        XCTAssertTrue(failureText(session, "refine M=auto Mmax=300")?.contains("needs more than 300 images") ?? false)
        XCTAssertTrue(failureText(session, "refine M=auto Mmin=9 Mmax=8")?.contains("Mmin ≤ Mmax") ?? false)
        XCTAssertTrue(squeezed(textAndImages(session, "status").text).contains("refine epochs 5"))
    }

    /// `text` with every run of spaces made one (table columns are padded).
    private func squeezed(_ text: String) -> String {
        text.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }.joined(separator: "\n")
    }
}
