import RDCMethod
import XCTest
import NumericCore

final class ClusteringTests: XCTestCase {
    func testKMeansInertiaNoWorseThanScikitLearn() throws {
        let cases = try XCTUnwrap(try loadFixture("clustering.json")["kmeans"] as? [[String: Any]])
        for entry in cases {
            let points = try fixtureMatrix(entry)
            let result = try KMeans(clusterCount: entry["k"] as! Int, restarts: entry["restarts"] as! Int, seed: 0).fit(points)
            let reference = entry["inertia"] as! Double
            XCTAssertLessThanOrEqual(result.inertia, reference * (1 + 1e-4), "\(entry["name"]!): \(result.inertia) vs sklearn \(reference)")
            XCTAssertEqual(result.inertia, try ClusteringMetrics.inertia(points: points, assignments: result.assignments),
                           accuracy: 1e-6 * reference)
        }
    }

    func testDBSCANMatchesScikitLearn() throws {
        let entry = try XCTUnwrap(try loadFixture("clustering.json")["dbscan"] as? [String: Any])
        let points = try fixtureMatrix(entry)
        let expected = entry["labels"] as! [Int]
        let result = try DBSCAN(eps: Float(entry["eps"] as! Double), minPoints: entry["min_points"] as! Int).fit(points)
        // Exactly the same noise points, and the same partition of the rest up to relabelling.
        XCTAssertEqual(result.assignments.map { $0 < 0 }, expected.map { $0 < 0 })
        XCTAssertEqual(result.clusterCount, Set(expected.filter { $0 >= 0 }).count)
        XCTAssertEqual(try ClusteringMetrics.adjustedRandIndex(result.assignments, expected), 1, accuracy: 1e-12)
        XCTAssertGreaterThan(result.noiseCount, 0)
        assertThrows(try DBSCAN(eps: 0).fit(points), containing: ["eps > 0"])
    }

    func testDBSCANChainsThroughCorePointsOnly() throws {
        // 0-1-2-3 are spaced 1 apart; with eps 1.5 and minPoints 3, points 1 and 2 are core,
        // 0 and 3 are border points, 10 is noise.
        let points = Tensor(shape: [5, 1], storage: [0, 1, 2, 3, 10])
        let result = try DBSCAN(eps: 1.5, minPoints: 3).fit(points)
        XCTAssertEqual(result.assignments, [0, 0, 0, 0, -1])
        XCTAssertEqual(result.isCore, [false, true, true, false, false])
    }

    func testGaussianMixtureMatchesScikitLearn() throws {
        let entry = try XCTUnwrap(try loadFixture("clustering.json")["gmm"] as? [String: Any])
        let points = try fixtureMatrix(entry)
        let result = try GaussianMixture(componentCount: entry["k"] as! Int, seed: 0).fit(points)
        XCTAssertEqual(try ClusteringMetrics.adjustedRandIndex(result.assignments, entry["labels"] as! [Int]), 1, accuracy: 1e-12)
        XCTAssertEqual(result.logLikelihood, entry["mean_log_likelihood"] as! Double, accuracy: 1e-3)
        XCTAssertEqual(result.weights.reduce(0, +), 1, accuracy: 1e-9)
        XCTAssertEqual(result.means.shape, [4, 3])
        XCTAssertTrue(result.variances.storage.allSatisfy { $0 >= 1e-6 })
        XCTAssertTrue(result.converged)
    }

    func testGaussianMixtureVarianceFloorKeepsDegenerateDataFinite() throws {
        // Two clusters of identical points: variances collapse to the floor, the likelihood stays finite.
        let points = Tensor(shape: [6, 2], storage: [1, 1, 1, 1, 1, 1, 5, 5, 5, 5, 5, 5])
        let result = try GaussianMixture(componentCount: 2, varianceFloor: 1e-3).fit(points)
        XCTAssertTrue(result.logLikelihood.isFinite)
        XCTAssertEqual(result.variances.storage.min()!, 1e-3, accuracy: 1e-6)
        XCTAssertEqual(Set(result.assignments[0..<3]).count, 1)
        XCTAssertNotEqual(result.assignments[0], result.assignments[5])
    }

    func testPCAMatchesScikitLearnUpToSign() throws {
        let entry = try XCTUnwrap(try loadFixture("clustering.json")["pca"] as? [String: Any])
        let points = try fixtureMatrix(entry)
        let expected = entry["projection"] as! [Double]
        let result = try PCA.fit(points)
        XCTAssertEqual(result.projection.shape, [150, 2])
        for component in 0..<2 {
            let ours = (0..<150).map { Double(result.projection.storage[$0 * 2 + component]) }
            let theirs = (0..<150).map { expected[$0 * 2 + component] }
            let sign: Double = zip(ours, theirs).reduce(0) { $0 + $1.0 * $1.1 } < 0 ? -1 : 1
            let scale = theirs.map(abs).max()!
            for (a, b) in zip(ours, theirs) { XCTAssertEqual(sign * a, b, accuracy: 1e-4 * scale) }
        }
        XCTAssertGreaterThanOrEqual(result.explainedVariance[0], result.explainedVariance[1])
    }

    func testPCAOnWideDataFindsTheTwoDominantAxes() throws {
        // 100 dimensions: variance mostly along two known axes.
        var generator = SeededGenerator(seed: 2)
        let n = 300, d = 100
        var values = [Float](repeating: 0, count: n * d)
        for row in 0..<n {
            for j in 0..<d { values[row * d + j] = 0.01 * generator.nextNormal() }
            values[row * d + 7] += 5 * generator.nextNormal()
            values[row * d + 42] += 2 * generator.nextNormal()
        }
        let result = try PCA.fit(Tensor(shape: [n, d], storage: values))
        XCTAssertEqual(result.components.storage[7], 1, accuracy: 1e-3)      // sign convention: largest entry positive
        XCTAssertEqual(result.components.storage[d + 42], 1, accuracy: 1e-3)
        // Each explained variance is the variance of its projection column; components are orthonormal.
        for component in 0..<2 {
            let column = (0..<n).map { Double(result.projection.storage[$0 * 2 + component]) }
            let mean = column.reduce(0, +) / Double(n)
            let variance = column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
            XCTAssertEqual(result.explainedVariance[component], variance, accuracy: 1e-4 * variance)
        }
        let c = result.components.storage
        XCTAssertEqual((0..<d).reduce(0) { $0 + c[$1] * c[d + $1] }, 0, accuracy: 1e-5)
        XCTAssertEqual((0..<d).reduce(0) { $0 + c[$1] * c[$1] }, 1, accuracy: 1e-5)
    }
}
