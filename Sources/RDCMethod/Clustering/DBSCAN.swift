// Layer: method (R-DC), clustering. May use NumericCore only; never the session, sockets or pictures.

import NumericCore

/// A DBSCAN labelling.
public struct DBSCANResult: Equatable, Sendable {
    /// Cluster of each row, numbered 0… in order of discovery; −1 for noise.
    public let assignments: [Int]
    /// Number of clusters found (noise excluded).
    public let clusterCount: Int
    /// Whether each row is a core point (at least `minPoints` rows, itself included, within eps).
    public let isCore: [Bool]
    /// Number of rows labelled noise.
    public var noiseCount: Int { assignments.reduce(0) { $0 + ($1 < 0 ? 1 : 0) } }
}

/// DBSCAN with Euclidean distance, as scikit-learn's `DBSCAN(eps, min_samples)`: a point
/// is core when at least `minPoints` points (itself included) lie within `eps`; clusters grow
/// from core points in index order; border points join the first cluster that reaches them.
/// Neighbourhoods come from blocked GEMM distances (no n × n matrix), with pairs near the
/// threshold re-checked exactly in Double.
public struct DBSCAN: Sendable {
    /// Neighbourhood radius.
    public var eps: Float
    /// Points (itself included) needed within `eps` for a core point.
    public var minPoints: Int

    /// A configuration (scikit-learn's default minPoints is 5).
    public init(eps: Float, minPoints: Int = 5) {
        self.eps = eps
        self.minPoints = minPoints
    }

    /// Labels the rows of `points` (`[n, ...]`, rows flattened).
    ///
    /// - Throws: `NumericArgumentError` unless eps > 0, minPoints ≥ 1 and values are finite.
    public func fit(_ points: Tensor) throws -> DBSCANResult {
        guard eps > 0, eps.isFinite else { throw NumericArgumentError("DBSCAN needs eps > 0, got \(eps)") }
        guard minPoints >= 1 else { throw NumericArgumentError("DBSCAN needs minPoints ≥ 1, got \(minPoints)") }
        guard points.storage.allSatisfy({ $0.isFinite }) else {
            throw NumericArgumentError("DBSCAN input contains NaN or infinite values")
        }
        let n = points.batchSize, d = points.itemSize
        let matrix = points.reshaped([n, d])
        let (offsets, neighbours) = neighbourhoods(matrix)
        let isCore = (0..<n).map { offsets[$0 + 1] - offsets[$0] >= minPoints }
        var assignments = [Int](repeating: -1, count: n)
        var stack = [Int]()
        var clusterCount = 0
        for seed in 0..<n where assignments[seed] == -1 && isCore[seed] {
            stack.append(seed)
            while let point = stack.popLast() {
                if assignments[point] != -1 { continue }
                assignments[point] = clusterCount
                if isCore[point] {
                    for slot in offsets[point]..<offsets[point + 1] where assignments[Int(neighbours[slot])] == -1 {
                        stack.append(Int(neighbours[slot]))
                    }
                }
            }
            clusterCount += 1
        }
        return DBSCANResult(assignments: assignments, clusterCount: clusterCount, isCore: isCore)
    }

    /// Every row's neighbours within eps (itself included), ascending, in compressed rows.
    private func neighbourhoods(_ points: Tensor) -> (offsets: [Int], neighbours: [Int32]) {
        let n = points.batchSize, d = points.itemSize
        let norms = rowSquaredNorms(points)
        let threshold = Double(eps) * Double(eps)
        var offsets = [0]
        offsets.reserveCapacity(n + 1)
        var neighbours = [Int32]()
        points.storage.withUnsafeBufferPointer { p in
            SquaredDistanceBlocks(queries: points, reference: points).forEachBlock { first, rows, block in
                for local in 0..<rows {
                    let row = first + local
                    let line = block.baseAddress! + local * n
                    for column in 0..<n {
                        let estimate = Double(line[column])
                        // The GEMM estimate errs by about 1e-7 · (‖a‖² + ‖b‖²): re-check the band exactly.
                        let margin = 1e-4 * (Double(norms[row]) + Double(norms[column])) + 1e-6 * threshold
                        if column == row || estimate <= threshold - margin
                            || (estimate <= threshold + margin
                                && exactSquaredDistance(p.baseAddress! + row * d, p.baseAddress! + column * d, count: d) <= threshold) {
                            neighbours.append(Int32(column))
                        }
                    }
                    offsets.append(neighbours.count)
                }
            }
        }
        return (offsets, neighbours)
    }
}
