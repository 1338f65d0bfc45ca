// Layer: method (R-DC), metrics. May use NumericCore only; never the session, sockets or pictures.

import Foundation
import NumericCore

/// Bad input to a metric (mismatched lengths, too few clusters…), in words.
public struct MetricError: Error, CustomStringConvertible, Equatable {
    /// What was wrong.
    public let description: String
    /// An error carrying `description`.
    public init(_ description: String) { self.description = description }
}

/// Counts of (label, cluster) pairs; label and cluster values may be any integers
/// (DBSCAN's noise, −1, is just another cluster value here).
public struct ContingencyTable: Equatable, Sendable {
    /// Distinct label values, ascending (row order).
    public let labelValues: [Int]
    /// Distinct cluster values, ascending (column order).
    public let clusterValues: [Int]
    /// Row-major `labelValues.count × clusterValues.count` counts.
    public let counts: [Int]
    /// Number of samples.
    public let total: Int

    /// Tabulates `labels` against `clusters` (same length, at least one sample).
    public init(labels: [Int], clusters: [Int]) throws {
        guard labels.count == clusters.count else {
            throw MetricError("\(labels.count) labels but \(clusters.count) cluster assignments")
        }
        guard !labels.isEmpty else { throw MetricError("no samples to score") }
        labelValues = Array(Set(labels)).sorted()
        clusterValues = Array(Set(clusters)).sorted()
        let labelRow = Dictionary(uniqueKeysWithValues: labelValues.enumerated().map { ($1, $0) })
        let clusterColumn = Dictionary(uniqueKeysWithValues: clusterValues.enumerated().map { ($1, $0) })
        var counts = [Int](repeating: 0, count: labelValues.count * clusterValues.count)
        for (label, cluster) in zip(labels, clusters) {
            counts[labelRow[label]! * clusterValues.count + clusterColumn[cluster]!] += 1
        }
        self.counts = counts
        self.total = labels.count
    }

    /// Count of samples with label row `row` and cluster column `column`.
    public func count(row: Int, column: Int) -> Int { counts[row * clusterValues.count + column] }
    /// Samples per label row.
    public var labelSizes: [Int] { labelValues.indices.map { r in clusterValues.indices.reduce(0) { $0 + count(row: r, column: $1) } } }
    /// Samples per cluster column.
    public var clusterSizes: [Int] { clusterValues.indices.map { c in labelValues.indices.reduce(0) { $0 + count(row: $1, column: c) } } }

    /// The Hungarian one-to-one map of clusters to labels maximising matched samples:
    /// cluster value → label value. With more clusters than labels, the extra clusters are
    /// absent from the map (they predict no label).
    public func bestMapping() -> [Int: Int] {
        let rows = labelValues.count, columns = clusterValues.count
        let peak = Double(counts.max() ?? 0)
        let costs = counts.map { peak - Double($0) }
        var mapping = [Int: Int]()
        for (row, column) in Hungarian.minimumCostAssignment(costs: costs, rows: rows, columns: columns).enumerated() {
            if let column { mapping[clusterValues[column]] = labelValues[row] }
        }
        return mapping
    }
}

/// Scores of one clustering against ground-truth labels.
public struct ClusteringScores: Equatable, Sendable {
    /// Fraction of samples whose cluster maps to their label under `mapping`.
    public let accuracy: Double
    /// Normalised mutual information, arithmetic-mean normalisation (scikit-learn's default).
    public let normalizedMutualInformation: Double
    /// Adjusted Rand index.
    public let adjustedRandIndex: Double
    /// Mean over the true labels of F1 = 2TP / (2TP + FP + FN) after `mapping`.
    public let f1Macro: Double
    /// F1 from TP, FP, FN summed over the true labels after `mapping`.
    public let f1Micro: Double
    /// The Hungarian map, cluster value → label value. Unmapped clusters predict no label:
    /// their samples count as false negatives of their true label and as no label's false positive.
    public let mapping: [Int: Int]
}

/// External and internal clustering metrics, agreeing with scikit-learn to 1e-6.
public enum ClusteringMetrics {
    /// ACC, NMI, ARI, F1-macro and F1-micro of `clusters` against `labels`.
    public static func evaluate(labels: [Int], clusters: [Int]) throws -> ClusteringScores {
        let table = try ContingencyTable(labels: labels, clusters: clusters)
        let mapping = table.bestMapping()
        let labelSizes = table.labelSizes, clusterSizes = table.clusterSizes
        var truePositives = 0, falsePositives = 0, falseNegatives = 0
        var f1Sum = 0.0
        for (row, label) in table.labelValues.enumerated() {
            var tp = 0, predicted = 0
            if let column = table.clusterValues.indices.first(where: { mapping[table.clusterValues[$0]] == label }) {
                tp = table.count(row: row, column: column)
                predicted = clusterSizes[column]
            }
            let fp = predicted - tp, fn = labelSizes[row] - tp
            f1Sum += 2 * Double(tp) / Double(2 * tp + fp + fn)
            truePositives += tp; falsePositives += fp; falseNegatives += fn
        }
        return ClusteringScores(
            accuracy: Double(truePositives) / Double(table.total),
            normalizedMutualInformation: normalizedMutualInformation(table),
            adjustedRandIndex: adjustedRandIndex(table),
            f1Macro: f1Sum / Double(table.labelValues.count),
            f1Micro: 2 * Double(truePositives) / Double(2 * truePositives + falsePositives + falseNegatives),
            mapping: mapping)
    }

    /// Adjusted Rand index of two labelings of the same samples (symmetric).
    public static func adjustedRandIndex(_ a: [Int], _ b: [Int]) throws -> Double {
        adjustedRandIndex(try ContingencyTable(labels: a, clusters: b))
    }

    /// Normalised mutual information (arithmetic normalisation) of two labelings.
    public static func normalizedMutualInformation(_ a: [Int], _ b: [Int]) throws -> Double {
        normalizedMutualInformation(try ContingencyTable(labels: a, clusters: b))
    }

    static func adjustedRandIndex(_ table: ContingencyTable) -> Double {
        // Pair counts, as scikit-learn's pair confusion matrix (exact in Int, final ratio in Double).
        let n = table.total
        let sumSquares = table.counts.reduce(0) { $0 + $1 * $1 }
        let rowTerm = table.labelSizes.reduce(0) { $0 + $1 * $1 }        // Σ_ij n_ij · a_i
        let columnTerm = table.clusterSizes.reduce(0) { $0 + $1 * $1 }   // Σ_ij n_ij · b_j
        let tp = Double(sumSquares - n)
        let fp = Double(columnTerm - sumSquares)   // pairs in one cluster but of different labels
        let fn = Double(rowTerm - sumSquares)      // pairs of one label split across clusters
        let tn = Double(n) * Double(n) - fp - fn - Double(sumSquares)
        if fn == 0 && fp == 0 { return 1 }
        return 2 * (tp * tn - fn * fp) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn))
    }

    static func normalizedMutualInformation(_ table: ContingencyTable) -> Double {
        let rows = table.labelValues.count, columns = table.clusterValues.count
        if rows == columns && rows == 1 { return 1 }
        let n = Double(table.total)
        let labelSizes = table.labelSizes.map(Double.init), clusterSizes = table.clusterSizes.map(Double.init)
        var mutualInformation = 0.0
        for row in 0..<rows {
            for column in 0..<columns {
                let joint = Double(table.count(row: row, column: column))
                if joint > 0 { mutualInformation += joint / n * log(joint * n / (labelSizes[row] * clusterSizes[column])) }
            }
        }
        mutualInformation = max(mutualInformation, 0)
        if mutualInformation == 0 { return 0 }
        func entropy(_ sizes: [Double]) -> Double { -sizes.reduce(0) { $0 + ($1 / n) * log($1 / n) } }
        return mutualInformation / ((entropy(labelSizes) + entropy(clusterSizes)) / 2)
    }

    /// Mean silhouette coefficient (Euclidean, distances in Double) over a random sample of
    /// `sampleSize` rows drawn without replacement from `seed` (all rows when nil or ≥ n),
    /// computed among the sampled rows only, as scikit-learn's `silhouette_score(sample_size:)`.
    /// A point alone in its cluster scores 0.
    ///
    /// - Throws: `MetricError` for mismatched lengths or unless the sample has 2 … size − 1 clusters.
    public static func silhouette(points: Tensor, assignments: [Int], sampleSize: Int? = 2000, seed: UInt64 = 0) throws -> Double {
        let n = points.batchSize, d = points.itemSize
        guard assignments.count == n else { throw MetricError("\(assignments.count) assignments for \(n) points") }
        var chosen = Array(0..<n)
        if let sampleSize, sampleSize < n {
            guard sampleSize >= 2 else { throw MetricError("silhouette sample must hold at least 2 points, got \(sampleSize)") }
            var generator = SeededGenerator(seed: seed)
            chosen = Array(generator.permutation(n).prefix(sampleSize)).sorted()
        }
        let values = Array(Set(chosen.map { assignments[$0] })).sorted()
        guard values.count >= 2, values.count <= chosen.count - 1 else {
            throw MetricError("silhouette needs 2 to \(chosen.count - 1) clusters among \(chosen.count) points; found \(values.count)")
        }
        let index = Dictionary(uniqueKeysWithValues: values.enumerated().map { ($1, $0) })
        let cluster = chosen.map { index[assignments[$0]]! }
        let k = values.count, s = chosen.count
        var sizes = [Int](repeating: 0, count: k)
        for c in cluster { sizes[c] += 1 }
        // distanceSums[i * k + c]: sum of distances from sampled point i to the sampled points of cluster c.
        var distanceSums = [Double](repeating: 0, count: s * k)
        points.storage.withUnsafeBufferPointer { p in
            for i in 0..<s {
                let a = p.baseAddress! + chosen[i] * d
                for j in (i + 1)..<max(s, i + 1) {
                    let distance = exactSquaredDistance(a, p.baseAddress! + chosen[j] * d, count: d).squareRoot()
                    distanceSums[i * k + cluster[j]] += distance
                    distanceSums[j * k + cluster[i]] += distance
                }
            }
        }
        var total = 0.0
        for i in 0..<s where sizes[cluster[i]] > 1 {
            let own = distanceSums[i * k + cluster[i]] / Double(sizes[cluster[i]] - 1)
            var nearest = Double.infinity
            for c in 0..<k where c != cluster[i] { nearest = min(nearest, distanceSums[i * k + c] / Double(sizes[c])) }
            let denominator = max(own, nearest)
            total += denominator > 0 ? (nearest - own) / denominator : 0
        }
        return total / Double(s)
    }

    /// Sum of squared Euclidean distances from each point to the mean of its cluster.
    public static func inertia(points: Tensor, assignments: [Int]) throws -> Double {
        let n = points.batchSize, d = points.itemSize
        guard assignments.count == n else { throw MetricError("\(assignments.count) assignments for \(n) points") }
        let values = Array(Set(assignments)).sorted()
        let index = Dictionary(uniqueKeysWithValues: values.enumerated().map { ($1, $0) })
        var sums = [Double](repeating: 0, count: values.count * d), sizes = [Double](repeating: 0, count: values.count)
        for row in 0..<n {
            let c = index[assignments[row]]!
            sizes[c] += 1
            for j in 0..<d { sums[c * d + j] += Double(points.storage[row * d + j]) }
        }
        var total = 0.0
        for row in 0..<n {
            let c = index[assignments[row]]!
            for j in 0..<d {
                let difference = Double(points.storage[row * d + j]) - sums[c * d + j] / sizes[c]
                total += difference * difference
            }
        }
        return total
    }
}
