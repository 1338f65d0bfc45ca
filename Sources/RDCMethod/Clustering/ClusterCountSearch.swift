// Layer: method (R-DC), clustering. May use NumericCore and the method's metrics; never the
// session, sockets or pictures. Choosing K when nobody knows it: k-means for every K of a
// range, each scored by the mean silhouette or by the gap statistic (Tibshirani, Walther and
// Hastie 2001).

import Foundation
import NumericCore

/// How a K scan scores each K.
public enum ClusterCountCriterion: String, Sendable, CaseIterable {
    /// Mean silhouette of the K-means clustering of all points, on a seeded sample; the
    /// highest wins.
    case silhouette
    /// The gap statistic on a seeded sample: the smallest K with Gap(K) ≥ Gap(K+1) − s(K+1).
    case gap
}

/// One K of a scan.
public struct ClusterCountScore: Equatable, Sendable {
    /// K.
    public let clusterCount: Int
    /// The criterion's score: mean silhouette, or Gap(K).
    public let score: Double
    /// The gap statistic's s(K) = sd(log W*) · √(1 + 1/B); nil for the silhouette.
    public let spread: Double?
    /// Inertia of the K-means clustering the score was computed from.
    public let inertia: Double
}

/// What a K scan found.
public struct ClusterCountScan: Equatable, Sendable {
    /// The criterion used.
    public let criterion: ClusterCountCriterion
    /// Every K tried, ascending.
    public let scores: [ClusterCountScore]
    /// The K chosen.
    public let chosen: Int
    /// Whether the gap statistic's rule picked `chosen` (false: no K met it, so the largest gap
    /// was taken); always true for the silhouette.
    public let ruleMet: Bool
    /// Points the scores were computed on (a seeded sample of the data, or all of it).
    public let sampleSize: Int
    /// Uniform reference sets per K (gap statistic), 0 for the silhouette.
    public let referenceSets: Int
    /// K-means with `chosen` clusters on all points.
    public let clustering: KMeansResult
}

/// Scans K over a range with k-means and a criterion, and keeps the best.
///
/// Silhouette: k-means on all points for every K; each clustering's mean silhouette on the same
/// seeded sample of at most `sampleSize` points; the highest score wins (the smaller K on ties).
///
/// Gap statistic: on the same sample, log W(K) (W = k-means inertia) against its mean over
/// `referenceSets` sets drawn uniformly in the box the sample spans along its principal axes
/// (Tibshirani et al.'s second reference distribution): Gap(K) = mean log W*(K) − log W(K),
/// s(K) = sd log W*(K) · √(1 + 1/B); the chosen K is the smallest with Gap(K) ≥ Gap(K+1) −
/// s(K+1), else the one with the largest gap. The clustering of the chosen K is then made on
/// all points.
public struct ClusterCountSearch: Sendable {
    /// The K values tried.
    public var range: ClosedRange<Int>
    /// How each K is scored.
    public var criterion: ClusterCountCriterion
    /// k-means restarts per fit.
    public var restarts: Int
    /// Most points a score is computed on.
    public var sampleSize: Int
    /// Uniform reference sets per K (gap statistic).
    public var referenceSets: Int
    /// Seed of the sample, the reference sets and every k-means.
    public var seed: UInt64

    /// A scan of `range` by `criterion`.
    public init(range: ClosedRange<Int>, criterion: ClusterCountCriterion, restarts: Int = 20, sampleSize: Int = 5000,
                referenceSets: Int = 10, seed: UInt64 = 0) {
        self.range = range
        self.criterion = criterion
        self.restarts = restarts
        self.sampleSize = sampleSize
        self.referenceSets = referenceSets
        self.seed = seed
    }

    /// Scans the rows of `points` (`[n, d]`). `shouldStop` is asked between fits.
    ///
    /// - Throws: `NumericArgumentError` for a range the data cannot hold (the silhouette needs
    ///   K ≥ 2; every K must be below the number of points), `CancellationError` when stopped.
    public func scan(_ points: Tensor, shouldStop: () -> Bool = { false }) throws -> ClusterCountScan {
        let n = points.batchSize
        guard range.lowerBound >= (criterion == .silhouette ? 2 : 1) else {
            throw NumericArgumentError("the silhouette needs at least 2 clusters; the scan starts at K=\(range.lowerBound)")
        }
        guard range.upperBound < min(n, sampleSize) else {
            throw NumericArgumentError("a scan up to K=\(range.upperBound) needs more than \(range.upperBound) points to score; it has \(min(n, sampleSize))")
        }
        guard referenceSets >= 2 || criterion == .silhouette else {
            throw NumericArgumentError("the gap statistic needs at least 2 reference sets, got \(referenceSets)")
        }
        let matrix = points.reshaped([n, points.itemSize])
        let sample = Self.sampleRows(count: n, keeping: sampleSize, seed: seed)
        let sampled = sample.count == n ? matrix : matrix.gathering(rows: sample)
        switch criterion {
        case .silhouette: return try silhouetteScan(matrix, sample: sample, sampled: sampled, shouldStop: shouldStop)
        case .gap: return try gapScan(matrix, sampled: sampled, shouldStop: shouldStop)
        }
    }

    /// The sampled rows, ascending: all of them when `count ≤ keeping`.
    public static func sampleRows(count: Int, keeping: Int, seed: UInt64) -> [Int] {
        guard keeping < count else { return Array(0..<count) }
        var generator = SeededGenerator(seed: seed ^ 0x5EED_5A3B)
        return Array(generator.permutation(count).prefix(keeping)).sorted()
    }

    private func silhouetteScan(_ points: Tensor, sample: [Int], sampled: Tensor, shouldStop: () -> Bool) throws -> ClusterCountScan {
        var scores: [ClusterCountScore] = []
        var best: (score: Double, clustering: KMeansResult)?
        for k in range {
            if shouldStop() { throw CancellationError() }
            let clustering = try KMeans(clusterCount: k, restarts: restarts, seed: seed).fit(points)
            let score = try ClusteringMetrics.silhouette(points: sampled, assignments: sample.map { clustering.assignments[$0] },
                                                         sampleSize: nil)
            scores.append(ClusterCountScore(clusterCount: k, score: score, spread: nil, inertia: clustering.inertia))
            if score > best?.score ?? -.infinity { best = (score, clustering) }
        }
        let chosen = best!.clustering
        return ClusterCountScan(criterion: .silhouette, scores: scores, chosen: chosen.centroids.batchSize, ruleMet: true,
                                sampleSize: sample.count, referenceSets: 0, clustering: chosen)
    }

    private func gapScan(_ points: Tensor, sampled: Tensor, shouldStop: () -> Bool) throws -> ClusterCountScan {
        let references = try Self.referenceSets(like: sampled, count: referenceSets, seed: seed)
        var scores: [ClusterCountScore] = []
        for k in range {
            var logReferences: [Double] = []
            for reference in references {
                if shouldStop() { throw CancellationError() }
                logReferences.append(log(try KMeans(clusterCount: k, restarts: restarts, seed: seed).fit(reference).inertia))
            }
            let observed = try KMeans(clusterCount: k, restarts: restarts, seed: seed).fit(sampled).inertia
            let mean = logReferences.reduce(0, +) / Double(logReferences.count)
            let variance = logReferences.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(logReferences.count)
            scores.append(ClusterCountScore(clusterCount: k, score: mean - log(observed),
                                            spread: variance.squareRoot() * (1 + 1 / Double(references.count)).squareRoot(),
                                            inertia: observed))
        }
        let (chosen, ruleMet) = Self.gapChoice(scores)
        if shouldStop() { throw CancellationError() }
        let clustering = try KMeans(clusterCount: chosen, restarts: restarts, seed: seed).fit(points)
        return ClusterCountScan(criterion: .gap, scores: scores, chosen: chosen, ruleMet: ruleMet, sampleSize: sampled.batchSize,
                                referenceSets: references.count, clustering: clustering)
    }

    /// The smallest K with Gap(K) ≥ Gap(K+1) − s(K+1), and whether one was found (else the K of
    /// the largest gap).
    public static func gapChoice(_ scores: [ClusterCountScore]) -> (clusterCount: Int, ruleMet: Bool) {
        for (current, next) in zip(scores, scores.dropFirst()) where current.score >= next.score - (next.spread ?? 0) {
            return (current.clusterCount, true)
        }
        let largest = scores.max { $0.score < $1.score }!
        return (largest.clusterCount, false)
    }

    /// `count` sets of the sample's size, uniform in the box the sample spans along its
    /// principal axes (drawn in those rotated coordinates: distances, and so inertia, are the
    /// same in any orthonormal frame).
    public static func referenceSets(like sample: Tensor, count: Int, seed: UInt64) throws -> [Tensor] {
        let n = sample.batchSize, d = sample.itemSize
        let rotated = try PCA.fit(sample, dimensions: d).projection
        let width = rotated.itemSize
        var lower = [Float](repeating: .infinity, count: width), upper = [Float](repeating: -.infinity, count: width)
        for row in 0..<n {
            for j in 0..<width {
                lower[j] = min(lower[j], rotated.storage[row * width + j])
                upper[j] = max(upper[j], rotated.storage[row * width + j])
            }
        }
        var generator = SeededGenerator(seed: seed ^ 0x6A9_5E75)
        return (0..<count).map { _ in
            var values = [Float](repeating: 0, count: n * width)
            for row in 0..<n {
                for j in 0..<width { values[row * width + j] = generator.nextUniform(lower[j], upper[j]) }
            }
            return Tensor(shape: [n, width], storage: values)
        }
    }
}
