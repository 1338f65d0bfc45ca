// Layer: session tests. `cluster space=umap`, `method=gmm covariance=full` and `show embedding
// space=umap` on a tiny trained session: they run, say what they did, draw, and refuse bad values.

import Foundation
import XCTest
@testable import RDCSession
import RDCRender

final class UMAPCommandTests: SessionCommandTestCase {
    func testClusterInAUMAPLayoutWithKMeansAndAFullMixture() {
        let session = trainedSyntheticSession(in: directory)
        let kmeans = textAndImages(session, "cluster space=umap method=kmeans restarts=2").text
        XCTAssertTrue(kmeans.contains("kmeans: 4 clusters of 200 umap embeddings"), kmeans)
        XCTAssertTrue(kmeans.contains("UMAP dims=4 neighbours=20 min_dist=0"), kmeans)
        XCTAssertTrue(kmeans.contains("500 epochs"), kmeans)
        let scores = textAndImages(session, "evaluate").text
        XCTAssertTrue(scores.contains("umap space"), scores)
        let gmm = textAndImages(session, "cluster space=umap dims=2 neighbours=10 min_dist=0.1 method=gmm covariance=full restarts=1").text
        XCTAssertTrue(gmm.contains("gmm: 4 clusters of 200 umap embeddings"), gmm)
        XCTAssertTrue(gmm.contains("UMAP dims=2 neighbours=10 min_dist=0.1"), gmm)
        XCTAssertTrue(gmm.contains("full covariances"), gmm)
        XCTAssertTrue(textAndImages(session, "cluster method=gmm covariance=diagonal restarts=1").text.contains("diagonal covariances"))
        // The same seed gives the same clustering.
        let again = textAndImages(session, "cluster space=umap method=kmeans restarts=2").text
        XCTAssertEqual(again.components(separatedBy: "cluster sizes").last, kmeans.components(separatedBy: "cluster sizes").last)
    }

    func testAUMAPLayoutIsReadOffByAFullMixtureUnlessToldOtherwise() {
        let session = trainedSyntheticSession(in: directory)
        let layout = textAndImages(session, "cluster space=umap restarts=1").text
        XCTAssertTrue(layout.contains("gmm: 4 clusters of 200 umap embeddings"), layout)
        XCTAssertTrue(layout.contains("full covariances"), layout)
        let diagonal = textAndImages(session, "cluster space=umap covariance=diagonal restarts=1").text
        XCTAssertTrue(diagonal.contains("gmm: 4 clusters") && diagonal.contains("diagonal covariances"), diagonal)
        // A K scan is k-means in any space; outside UMAP the defaults stay k-means and diagonal.
        XCTAssertTrue(textAndImages(session, "cluster space=umap k=auto kmax=6 restarts=1").text.contains("kmeans:"))
        XCTAssertTrue(textAndImages(session, "cluster restarts=1").text.contains("kmeans: 4 clusters of 200 normalized"))
        XCTAssertTrue(textAndImages(session, "cluster method=gmm restarts=1").text.contains("diagonal covariances"))
    }

    func testShowEmbeddingDrawsAUMAPLayout() {
        let session = trainedSyntheticSession(in: directory)
        _ = textAndImages(session, "cluster restarts=1")
        for line in ["show embedding space=umap", "show embedding space=umap color=label neighbours=8 min_dist=0.5 points=50"] {
            let images = textAndImages(session, line).images
            XCTAssertEqual(images.count, 1, line)
            XCTAssertTrue(images.first?.title.contains("UMAP of the embeddings") ?? false, images.first?.title ?? "")
        }
        XCTAssertTrue(textAndImages(session, "show embedding").images.first?.title.contains("PCA") ?? false)
        // A clustering of a 2-D layout is drawn in that layout, not rotated by PCA.
        _ = textAndImages(session, "cluster space=umap dims=2 method=kmeans restarts=1")
        let title = textAndImages(session, "show embedding").images.first?.title ?? ""
        XCTAssertTrue(title.contains("the clustered 2-D umap embeddings") && !title.contains("PCA"), title)
    }

    func testAUMAPLayoutAfterFurtherTrainingNamesTheModelItDrawsAndTheOlderClusters() {
        let session = trainedSyntheticSession(in: directory)
        _ = textAndImages(session, "cluster restarts=1")
        let clusteredAfter = textAndImages(session, "show embedding").images.first?.title ?? ""
        XCTAssertFalse(textAndImages(session, "refine epochs=1").text.isEmpty)
        let title = textAndImages(session, "show embedding space=umap").images.first?.title ?? ""
        XCTAssertTrue(title.contains("refine 1"), title)
        XCTAssertTrue(title.contains("(clustered after"), title)
        // PCA draws the clustered points themselves, so its title keeps the clustering's position.
        XCTAssertEqual(textAndImages(session, "show embedding").images.first?.title, clusteredAfter)
    }

    func testUMAPOptionsAreCheckedByTheRegistry() {
        let session = trainedSyntheticSession(in: directory)
        XCTAssertTrue(failureText(session, "cluster space=umap neighbours=1")?.contains("neighbours") ?? false)
        XCTAssertTrue(failureText(session, "cluster space=umap min_dist=2")?.contains("min_dist") ?? false)
        XCTAssertTrue(failureText(session, "cluster method=gmm covariance=spherical")?.contains("covariance") ?? false)
        XCTAssertTrue(failureText(session, "show embedding space=tsne")?.contains("space") ?? false)
    }
}
