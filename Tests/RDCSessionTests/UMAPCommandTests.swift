// Layer: session tests. `cluster space=umap`, `method=gmm covariance=full` and `show embedding
// space=umap` on a tiny trained session: they run, say what they did, draw, and refuse bad values.

import Foundation
import XCTest
@testable import RDCSession
import RDCRender

final class UMAPCommandTests: XCTestCase {
    private var directory: String!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "rdc-umap-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The text and images of `program`, failing the test if it fails.
    private func succeed(_ session: Session, _ program: String, file: StaticString = #filePath,
                         line: UInt = #line) -> (text: String, images: [RenderedImage]) {
        var text = "", images: [RenderedImage] = []
        do {
            try session.run(program) { output in
                switch output {
                case .text(let words, _): text += words
                case .table(let table): text += table.plainText + "\n"
                case .image(let image): images.append(image)
                default: break
                }
            }
        } catch {
            XCTFail("\(program): \(error)", file: file, line: line)
        }
        return (text, images)
    }

    private func failure(_ session: Session, _ program: String) -> String? {
        do {
            try session.run(program) { _ in }
            return nil
        } catch {
            return String(describing: error)
        }
    }

    private func trainedSession() -> Session {
        let session = Session(options: SessionOptions(workingDirectory: directory, seed: 1))
        _ = succeed(session, """
        data synthetic n=200 size=16 classes=4
        model conv latent=4
        pretrain epochs=1 batch=64
        """)
        return session
    }

    func testClusterInAUMAPLayoutWithKMeansAndAFullMixture() {
        let session = trainedSession()
        let kmeans = succeed(session, "cluster space=umap restarts=2").text
        XCTAssertTrue(kmeans.contains("kmeans: 4 clusters of 200 umap embeddings"), kmeans)
        XCTAssertTrue(kmeans.contains("UMAP dims=4 neighbours=20 min_dist=0"), kmeans)
        XCTAssertTrue(kmeans.contains("500 epochs"), kmeans)
        let scores = succeed(session, "evaluate").text
        XCTAssertTrue(scores.contains("umap space"), scores)
        let gmm = succeed(session, "cluster space=umap dims=2 neighbours=10 min_dist=0.1 method=gmm covariance=full restarts=1").text
        XCTAssertTrue(gmm.contains("gmm: 4 clusters of 200 umap embeddings"), gmm)
        XCTAssertTrue(gmm.contains("UMAP dims=2 neighbours=10 min_dist=0.1"), gmm)
        XCTAssertTrue(gmm.contains("full covariances"), gmm)
        XCTAssertTrue(succeed(session, "cluster method=gmm covariance=diagonal restarts=1").text.contains("diagonal covariances"))
        // The same seed gives the same clustering.
        let again = succeed(session, "cluster space=umap restarts=2").text
        XCTAssertEqual(again.components(separatedBy: "cluster sizes").last, kmeans.components(separatedBy: "cluster sizes").last)
    }

    func testShowEmbeddingDrawsAUMAPLayout() {
        let session = trainedSession()
        _ = succeed(session, "cluster restarts=1")
        for line in ["show embedding space=umap", "show embedding space=umap color=label neighbours=8 min_dist=0.5 points=50"] {
            let images = succeed(session, line).images
            XCTAssertEqual(images.count, 1, line)
            XCTAssertTrue(images.first?.title.contains("UMAP of normalized embeddings") ?? false, images.first?.title ?? "")
        }
        XCTAssertTrue(succeed(session, "show embedding").images.first?.title.contains("PCA") ?? false)
    }

    func testUMAPOptionsAreCheckedByTheRegistry() {
        let session = trainedSession()
        XCTAssertTrue(failure(session, "cluster space=umap neighbours=1")?.contains("neighbours") ?? false)
        XCTAssertTrue(failure(session, "cluster space=umap min_dist=2")?.contains("min_dist") ?? false)
        XCTAssertTrue(failure(session, "cluster method=gmm covariance=spherical")?.contains("covariance") ?? false)
        XCTAssertTrue(failure(session, "show embedding space=tsne")?.contains("space") ?? false)
    }
}
