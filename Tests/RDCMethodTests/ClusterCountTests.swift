// Layer: tests of the method layer: choosing K (silhouette and gap scans), DBSCAN's eps from
// the k-distance knee, and Phase 2's neighbourhood rules.

import XCTest
import Foundation
@testable import RDCMethod
import NumericCore

final class ClusterCountTests: XCTestCase {
    /// `perClass` points around each of `centres` (Gaussian, σ = `spread`), class by class.
    private func blobs(_ centres: [[Float]], perClass: Int, spread: Float, seed: UInt64) -> (points: Tensor, labels: [Int]) {
        var generator = SeededGenerator(seed: seed)
        var values: [Float] = [], labels: [Int] = []
        for (label, centre) in centres.enumerated() {
            for _ in 0..<perClass {
                values += centre.map { $0 + spread * generator.nextNormal() }
                labels.append(label)
            }
        }
        return (Tensor(shape: [labels.count, centres[0].count], storage: values), labels)
    }

    private let fourCorners: [[Float]] = [[0, 0, 0], [6, 0, 0], [0, 6, 0], [0, 0, 6]]

    func testBothCriteriaFindFourWellSeparatedClasses() throws {
        let data = blobs(fourCorners, perClass: 60, spread: 0.5, seed: 3)
        for criterion in ClusterCountCriterion.allCases {
            let scan = try ClusterCountSearch(range: 2...8, criterion: criterion, restarts: 5, seed: 1).scan(data.points)
            XCTAssertEqual(scan.chosen, 4, "\(criterion): \(scan.scores.map { ($0.clusterCount, $0.score) })")
            XCTAssertEqual(scan.scores.map(\.clusterCount), Array(2...8))
            XCTAssertEqual(scan.clustering.centroids.batchSize, 4)
            XCTAssertEqual(try ClusteringMetrics.evaluate(labels: data.labels, clusters: scan.clustering.assignments).accuracy, 1)
            XCTAssertTrue(scan.ruleMet)
        }
        // The same seed, the same scan.
        let again = try ClusterCountSearch(range: 2...8, criterion: .gap, restarts: 5, seed: 1).scan(data.points)
        XCTAssertEqual(again, try ClusterCountSearch(range: 2...8, criterion: .gap, restarts: 5, seed: 1).scan(data.points))
    }

    func testSilhouetteScoresAreTheDirectFormula() throws {
        let data = blobs([[0, 0], [3, 1], [1, 4]], perClass: 12, spread: 0.8, seed: 9)
        let scan = try ClusterCountSearch(range: 2...4, criterion: .silhouette, restarts: 3, seed: 2).scan(data.points)
        for score in scan.scores {
            let clustering = try KMeans(clusterCount: score.clusterCount, restarts: 3, seed: 2).fit(data.points)
            XCTAssertEqual(score.score, directSilhouette(data.points, clustering.assignments), accuracy: 1e-9)
            XCTAssertEqual(score.inertia, clustering.inertia, accuracy: 1e-9)
        }
    }

    /// s(i) = (b − a)/max(a, b) with a the mean distance to the own cluster's other points and b
    /// the smallest mean distance to another cluster; 0 for a point alone; mean over points.
    private func directSilhouette(_ points: Tensor, _ clusters: [Int]) -> Double {
        let n = points.batchSize, d = points.itemSize
        func distance(_ i: Int, _ j: Int) -> Double {
            (0..<d).reduce(0.0) { $0 + pow(Double(points.storage[i * d + $1]) - Double(points.storage[j * d + $1]), 2) }.squareRoot()
        }
        var total = 0.0
        for i in 0..<n {
            var sums: [Int: (Double, Int)] = [:]
            for j in 0..<n where j != i { sums[clusters[j], default: (0, 0)].0 += distance(i, j); sums[clusters[j], default: (0, 0)].1 += 1 }
            guard let own = sums[clusters[i]], own.1 > 0 else { continue }
            let a = own.0 / Double(own.1)
            let b = sums.filter { $0.key != clusters[i] }.map { $0.value.0 / Double($0.value.1) }.min()!
            total += (b - a) / max(a, b)
        }
        return total / Double(n)
    }

    func testGapStatisticIsItsDefinition() throws {
        let data = blobs([[0, 0], [4, 0], [2, 3]], perClass: 20, spread: 0.6, seed: 4)
        let search = ClusterCountSearch(range: 2...5, criterion: .gap, restarts: 4, referenceSets: 6, seed: 8)
        let scan = try search.scan(data.points)
        XCTAssertEqual(scan.chosen, 3, "\(scan.scores.map { ($0.clusterCount, $0.score, $0.spread!) })")
        let references = try ClusterCountSearch.referenceSets(like: data.points, count: 6, seed: 8)
        XCTAssertEqual(references.count, 6)
        for score in scan.scores {
            let k = score.clusterCount
            let observed = log(directInertia(data.points, try KMeans(clusterCount: k, restarts: 4, seed: 8).fit(data.points).assignments))
            let logs = try references.map { log(directInertia($0, try KMeans(clusterCount: k, restarts: 4, seed: 8).fit($0).assignments)) }
            let mean = logs.reduce(0, +) / 6
            let sd = (logs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 6).squareRoot()
            XCTAssertEqual(score.score, mean - observed, accuracy: 1e-6, "Gap(\(k))")
            XCTAssertEqual(score.spread!, sd * (1 + 1.0 / 6).squareRoot(), accuracy: 1e-6, "s(\(k))")
        }
        // The references fill the box of the data's principal axes: same size, same spread per axis.
        let rotated = try PCA.fit(data.points, dimensions: 2).projection
        for axis in 0..<2 {
            let column = (0..<60).map { rotated.storage[$0 * 2 + axis] }, drawn = (0..<60).map { references[0].storage[$0 * 2 + axis] }
            XCTAssertGreaterThanOrEqual(drawn.min()!, column.min()!)
            XCTAssertLessThanOrEqual(drawn.max()!, column.max()!)
        }
    }

    private func directInertia(_ points: Tensor, _ clusters: [Int]) -> Double {
        let d = points.itemSize
        var total = 0.0
        for cluster in Set(clusters) {
            let members = clusters.indices.filter { clusters[$0] == cluster }
            for j in 0..<d {
                let values = members.map { Double(points.storage[$0 * d + j]) }
                let mean = values.reduce(0, +) / Double(values.count)
                total += values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            }
        }
        return total
    }

    func testGapChoiceTakesTheFirstKWithinOneSpreadOfTheNext() {
        func scores(_ gaps: [(Double, Double)]) -> [ClusterCountScore] {
            gaps.enumerated().map { ClusterCountScore(clusterCount: $0.offset + 1, score: $0.element.0, spread: $0.element.1, inertia: 1) }
        }
        XCTAssertEqual(ClusterCountSearch.gapChoice(scores([(0.1, 0.01), (0.5, 0.02), (0.52, 0.05), (0.6, 0.01)])).clusterCount, 2)
        let rising = ClusterCountSearch.gapChoice(scores([(0.1, 0.01), (0.3, 0.01), (0.5, 0.01)]))
        XCTAssertEqual(rising.clusterCount, 3)
        XCTAssertFalse(rising.ruleMet)
    }

    func testScanRefusesRangesTheDataCannotHold() {
        let data = blobs(fourCorners, perClass: 5, spread: 0.5, seed: 1)
        XCTAssertThrowsError(try ClusterCountSearch(range: 1...4, criterion: .silhouette).scan(data.points)) {
            XCTAssertTrue("\($0)".contains("at least 2 clusters"), "\($0)")
        }
        XCTAssertThrowsError(try ClusterCountSearch(range: 2...20, criterion: .gap).scan(data.points)) {
            XCTAssertTrue("\($0)".contains("K=20"), "\($0)")
        }
        var stopAfterTwo = 0
        XCTAssertThrowsError(try ClusterCountSearch(range: 2...6, criterion: .silhouette).scan(data.points) {
            stopAfterTwo += 1
            return stopAfterTwo > 2
        }) { XCTAssertTrue($0 is CancellationError) }
    }

    func testEpsAtTheKneeFindsThreeBlobsAndFlagsTheNoise() throws {
        let data = blobs([[0, 0], [10, 0], [5, 9]], perClass: 200, spread: 0.7, seed: 6)
        var generator = SeededGenerator(seed: 11)
        let noiseCount = 60
        let noise = (0..<(2 * noiseCount)).map { _ in generator.nextUniform(-8, 18) }
        let points = Tensor(shape: [600 + noiseCount, 2], storage: data.points.storage + noise)
        let curve = try KDistanceCurve(points: points, minimumPoints: 5)
        XCTAssertEqual(curve.sortedDistances.count, 660)
        XCTAssertEqual(curve.sortedDistances, curve.sortedDistances.sorted())
        let result = try DBSCAN(eps: curve.eps, minPoints: 5).fit(points)
        XCTAssertEqual(result.clusterCount, 3, "eps \(curve.eps)")
        // Uniform noise that happens to fall inside a blob is rightly clustered; most is flagged.
        let flagged = (600..<660).filter { result.assignments[$0] == -1 }.count
        XCTAssertGreaterThanOrEqual(flagged, Int(0.75 * Double(noiseCount)), "\(flagged) of \(noiseCount) noise points flagged")
        let blobNoise = (0..<600).filter { result.assignments[$0] == -1 }.count
        XCTAssertLessThan(blobNoise, 30, "blob points called noise")
        XCTAssertEqual(try ClusteringMetrics.evaluate(labels: data.labels, clusters: Array(result.assignments.prefix(600))).accuracy,
                       Double(600 - blobNoise) / 600, accuracy: 1e-12)
    }

    func testKneeIsThePointFarthestBelowTheChord() {
        // Flat at 1 for eight points, then a steep rise: the knee is the last flat point.
        let curve = KDistanceCurve(minimumPoints: 4, sortedDistances: [1, 1, 1, 1, 1, 1, 1, 1.1, 5, 9])
        XCTAssertEqual(curve.kneeIndex, 7)
        XCTAssertEqual(curve.eps, 1.1)
        XCTAssertEqual(KDistanceCurve(minimumPoints: 4, sortedDistances: [2, 2, 2]).eps, 2)
        XCTAssertEqual(KDistanceCurve(minimumPoints: 4, sortedDistances: [0, 0, 0.5, 3]).eps, 0.5)
        XCTAssertThrowsError(try KDistanceCurve(points: Tensor(shape: [3, 2], storage: [0, 0, 1, 1, 2, 2]), minimumPoints: 5))
    }

    // MARK: Phase 2's neighbourhood rules

    func testLargestGapKeepsTheNeighboursBeforeTheJump() {
        XCTAssertEqual(MutualNeighbourhood.countBeforeLargestGap([0.1, 0.11, 0.12, 0.13, 0.5, 0.52, 0.7][...], within: 2...6), 4)
        // The cut is never before the range's start nor past its end.
        XCTAssertEqual(MutualNeighbourhood.countBeforeLargestGap([0.1, 0.9, 0.91, 0.92, 0.93][...], within: 2...4), 2)
        XCTAssertEqual(MutualNeighbourhood.countBeforeLargestGap([0.1, 0.1, 0.1][...], within: 3...3), 3)
        // The ratio rule weighs a jump against the distances before it: 0.2 → 0.4 doubles, 0.5 → 0.9 does not.
        let distances: [Float] = [0.1, 0.15, 0.2, 0.4, 0.45, 0.5, 0.9]
        XCTAssertEqual(MutualNeighbourhood.countBeforeLargestGap(distances[...], within: 2...6), 6)
        XCTAssertEqual(MutualNeighbourhood.countBeforeLargestGap(distances[...], within: 2...6, measure: .ratio), 3)
    }

    func testPerPointNeighbourhoodsFollowTheClusters() throws {
        // Clusters of 8 and 16 unit vectors: each point's largest gap is at its own cluster's edge.
        var generator = SeededGenerator(seed: 2)
        var values: [Float] = []
        for (direction, count) in [([Float](arrayLiteral: 1, 0, 0), 8), ([0, 1, 0], 16), ([0, 0, 1], 12)] {
            for _ in 0..<count { values += direction.map { $0 + 0.03 * generator.nextNormal() } }
        }
        let unit = ProximityTargets.normalisedRows(Tensor(shape: [36, 3], storage: values))
        let neighbourhood = try MutualNeighbourhood(unitEmbeddings: unit, rule: .largestGap(3...20), quantile: 1)
        XCTAssertEqual(try MutualNeighbourhood(unitEmbeddings: unit, rule: .largestRatio(3...20), quantile: 1).kept, neighbourhood.kept)
        XCTAssertEqual(neighbourhood.neighbourCounts.smallest, 7)
        XCTAssertEqual(neighbourhood.neighbourCounts.largest, 15)
        XCTAssertEqual(neighbourhood.kept[0].count, 7)
        XCTAssertEqual(neighbourhood.kept[8].count, 15)
        XCTAssertEqual(neighbourhood.impurity(labels: (0..<36).map { $0 < 8 ? 0 : $0 < 24 ? 1 : 2 }), 0)
        let expectedMean: Double = (8.0 * 7 + 16 * 15 + 12 * 11) / 36
        XCTAssertEqual(neighbourhood.neighbourCounts.mean, expectedMean, accuracy: 1e-12)
        // A fixed M gives what it always gave, and its summary says so.
        let fixed = try MutualNeighbourhood(unitEmbeddings: unit, rule: .fixed(5), quantile: 1)
        XCTAssertEqual(fixed.neighbourCounts, NeighbourCountSummary(mean: 5, standardDeviation: 0, smallest: 5, largest: 5))
        XCTAssertEqual(fixed.neighbourCounts.text, "M=5")
        XCTAssertEqual(neighbourhood.neighbourCounts.text.prefix(2), "M=")
    }

    func testStabilityChoosesOneCandidateForEveryPointDeterministically() throws {
        let data = blobs([[1, 0, 0], [0, 1, 0], [0, 0, 1]], perClass: 80, spread: 0.15, seed: 5)
        let unit = ProximityTargets.normalisedRows(data.points)
        let rule = NeighbourhoodRule.stability(candidates: [5, 10, 20, 40], seed: 3)
        let first = try MutualNeighbourhood(unitEmbeddings: unit, rule: rule, quantile: 0.9)
        let chosen = first.neighbourCounts.smallest
        XCTAssertTrue([5, 10, 20, 40].contains(chosen))
        XCTAssertEqual(first.neighbourCounts.largest, chosen)
        XCTAssertEqual(try MutualNeighbourhood.mostStableCount(unit, candidates: [5, 10, 20, 40], seed: 3), chosen)
        XCTAssertEqual(try MutualNeighbourhood(unitEmbeddings: unit, rule: rule, quantile: 0.9).kept, first.kept)
        // A single candidate is that candidate.
        XCTAssertEqual(try MutualNeighbourhood.mostStableCount(unit, candidates: [7], seed: 1), 7)
        XCTAssertThrowsError(try MutualNeighbourhood(unitEmbeddings: unit, rule: .largestGap(5...240), quantile: 0.9))
    }
}
