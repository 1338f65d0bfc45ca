import RDCMethod
import XCTest
import NumericCore

final class MetricsTests: XCTestCase {
    func testScoresAgreeWithScikitLearn() throws {
        let cases = try XCTUnwrap(try loadFixture("metrics.json")["cases"] as? [[String: Any]])
        XCTAssertGreaterThanOrEqual(cases.count, 9)
        for entry in cases {
            let name = entry["name"] as! String
            let scores = try ClusteringMetrics.evaluate(labels: entry["labels"] as! [Int], clusters: entry["clusters"] as! [Int])
            XCTAssertEqual(scores.accuracy, entry["acc"] as! Double, accuracy: 1e-6, "ACC \(name)")
            XCTAssertEqual(scores.normalizedMutualInformation, entry["nmi"] as! Double, accuracy: 1e-6, "NMI \(name)")
            XCTAssertEqual(scores.adjustedRandIndex, entry["ari"] as! Double, accuracy: 1e-6, "ARI \(name)")
            XCTAssertEqual(scores.f1Macro, entry["f1_macro"] as! Double, accuracy: 1e-6, "F1 macro \(name)")
            XCTAssertEqual(scores.f1Micro, entry["f1_micro"] as! Double, accuracy: 1e-6, "F1 micro \(name)")
        }
    }

    func testSilhouetteAgreesWithScikitLearn() throws {
        let cases = try XCTUnwrap(try loadFixture("metrics.json")["silhouette"] as? [[String: Any]])
        for entry in cases {
            let points = try fixtureMatrix(entry)
            let value = try ClusteringMetrics.silhouette(points: points, assignments: entry["labels"] as! [Int], sampleSize: nil)
            XCTAssertEqual(value, entry["silhouette"] as! Double, accuracy: 1e-6, entry["name"] as! String)
        }
        // A seeded sample is reproducible and close to the full value on well-separated data.
        let blobs = try fixtureMatrix(cases[0]), labels = cases[0]["labels"] as! [Int]
        let sampled = try ClusteringMetrics.silhouette(points: blobs, assignments: labels, sampleSize: 40, seed: 5)
        XCTAssertEqual(sampled, try ClusteringMetrics.silhouette(points: blobs, assignments: labels, sampleSize: 40, seed: 5))
        XCTAssertEqual(sampled, cases[0]["silhouette"] as! Double, accuracy: 0.1)
        assertThrows(try ClusteringMetrics.silhouette(points: blobs, assignments: [Int](repeating: 0, count: 60)),
                     containing: ["2 to 59 clusters", "found 1"])
    }

    func testUnmappedClustersCountAsWrong() throws {
        // Three clusters, two labels: cluster 2 maps to no label, so its points are all wrong.
        let scores = try ClusteringMetrics.evaluate(labels: [0, 0, 0, 1, 1, 1], clusters: [0, 0, 2, 1, 1, 2])
        XCTAssertEqual(scores.accuracy, 4.0 / 6.0, accuracy: 1e-12)
        XCTAssertEqual(scores.mapping, [0: 0, 1: 1])
        XCTAssertEqual(scores.f1Micro, 8.0 / 10.0, accuracy: 1e-12) // TP 4, FP 0, FN 2
    }

    func testHungarianMatchesExhaustiveSearch() {
        var generator = SeededGenerator(seed: 9)
        func permutations(_ items: [Int]) -> [[Int]] {
            items.count <= 1 ? [items] : items.indices.flatMap { i in
                permutations(Array(items[..<i] + items[(i + 1)...])).map { [items[i]] + $0 }
            }
        }
        for (rows, columns) in [(4, 4), (3, 5), (5, 3), (1, 4), (6, 6)] {
            for _ in 0..<10 {
                // Small integer costs create many ties.
                let costs = (0..<(rows * columns)).map { _ in Double(generator.next() % 5) }
                let assignment = Hungarian.minimumCostAssignment(costs: costs, rows: rows, columns: columns)
                var found = 0.0
                for (row, column) in assignment.enumerated() { if let column { found += costs[row * columns + column] } }
                XCTAssertEqual(assignment.compactMap { $0 }.count, min(rows, columns))
                XCTAssertEqual(Set(assignment.compactMap { $0 }).count, min(rows, columns))
                var best = Double.infinity
                if rows <= columns {
                    for order in permutations(Array(0..<columns)) {
                        best = min(best, (0..<rows).reduce(0.0) { $0 + costs[$1 * columns + order[$1]] })
                    }
                } else {
                    for order in permutations(Array(0..<rows)) {
                        best = min(best, (0..<columns).reduce(0.0) { $0 + costs[order[$1] * columns + $1] })
                    }
                }
                XCTAssertEqual(found, best, "\(rows)x\(columns)")
            }
        }
    }

    func testMismatchedLengthsAreRejected() {
        assertThrows(try ClusteringMetrics.evaluate(labels: [0, 1], clusters: [0]), containing: ["2 labels", "1 cluster"])
        assertThrows(try ClusteringMetrics.evaluate(labels: [], clusters: []), containing: ["no samples"])
    }

    func testInertiaIsSumOfSquaredDistancesToClusterMeans() throws {
        let points = Tensor(shape: [4, 2], storage: [0, 0, 2, 0, 10, 10, 10, 12])
        XCTAssertEqual(try ClusteringMetrics.inertia(points: points, assignments: [3, 3, 7, 7]), 4, accuracy: 1e-12)
    }

    func testTwistAndDrift() throws {
        var generator = SeededGenerator(seed: 4)
        let a = Tensor(shape: [120, 5], storage: (0..<600).map { _ in generator.nextNormal() })
        XCTAssertEqual(try Diagnostics.twist(a, a, neighbours: 8), 1, accuracy: 1e-12)
        // Scaling preserves neighbourhoods; an unrelated embedding does not.
        XCTAssertEqual(try Diagnostics.twist(a, Tensor(shape: [120, 5], storage: a.storage.map { $0 * 3 }), neighbours: 8), 1, accuracy: 1e-12)
        let unrelated = Tensor(shape: [120, 5], storage: (0..<600).map { _ in generator.nextNormal() })
        XCTAssertLessThan(try Diagnostics.twist(a, unrelated, neighbours: 8), 0.3)
        // Hand-checked Jaccard: row lists {1,2} vs {1,3} overlap 1 of 3.
        let before = NeighbourLists(rowCount: 1, neighboursPerRow: 2, indices: [1, 2], distances: [0, 0])
        let after = NeighbourLists(rowCount: 1, neighboursPerRow: 2, indices: [3, 1], distances: [0, 0])
        XCTAssertEqual(try Diagnostics.twist(before, after), 1.0 / 3.0, accuracy: 1e-12)
        XCTAssertEqual(try Diagnostics.drift([0, 0, 1, 1], [5, 5, 2, 2]), 0, accuracy: 1e-12)
        XCTAssertEqual(try Diagnostics.drift([0, 0, 1, 1], [0, 1, 0, 1]), 1.5, accuracy: 1e-12)
    }
}
