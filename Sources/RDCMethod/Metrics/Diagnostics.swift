// Layer: method (R-DC), metrics. May use NumericCore only; never the session, sockets or pictures.

import NumericCore

/// Measures of Feature Twist and Feature Drift between two snapshots (method.md, "Diagnostics").
public enum Diagnostics {
    /// Twist: mean over points of the Jaccard overlap |A ∩ B| / |A ∪ B| of each point's M-NN
    /// sets in two embeddings of the same points (1 = local geometry fully preserved).
    ///
    /// - Throws: `MetricError` if the embeddings hold different numbers of points; the kNN's
    ///   `NumericArgumentError` unless 1 ≤ M ≤ n − 1.
    public static func twist(_ before: Tensor, _ after: Tensor, neighbours: Int = 10) throws -> Double {
        guard before.batchSize == after.batchSize else {
            throw MetricError("twist compares embeddings of the same points: \(before.batchSize) vs \(after.batchSize) rows")
        }
        return try twist(NearestNeighbours.search(before, neighbours: neighbours),
                         NearestNeighbours.search(after, neighbours: neighbours))
    }

    /// Twist from precomputed neighbour lists (same rows and M).
    public static func twist(_ before: NeighbourLists, _ after: NeighbourLists) throws -> Double {
        guard before.rowCount == after.rowCount, before.neighboursPerRow == after.neighboursPerRow, before.rowCount > 0 else {
            throw MetricError("twist needs neighbour lists of the same shape: \(before.rowCount)×\(before.neighboursPerRow) vs \(after.rowCount)×\(after.neighboursPerRow)")
        }
        let m = before.neighboursPerRow
        var total = 0.0
        before.indices.withUnsafeBufferPointer { a in
            after.indices.withUnsafeBufferPointer { b in
                for row in 0..<before.rowCount {
                    var shared = 0
                    for i in 0..<m {
                        let x = a[row * m + i]
                        for j in 0..<m where b[row * m + j] == x { shared += 1; break }
                    }
                    total += Double(shared) / Double(2 * m - shared)
                }
            }
        }
        return total / Double(before.rowCount)
    }

    /// Drift: 1 − ARI between the cluster assignments of two snapshots (0 = same partition).
    public static func drift(_ before: [Int], _ after: [Int]) throws -> Double {
        1 - (try ClusteringMetrics.adjustedRandIndex(before, after))
    }
}
