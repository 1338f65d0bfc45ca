// Layer: method (R-DC), clustering. May use NumericCore only; never the session, sockets or pictures.

import Foundation
import NumericCore

/// Principal components of a set of rows and the rows projected onto them.
public struct PCAResult: Equatable, Sendable {
    /// Column means subtracted before projecting, `d` values.
    public let mean: [Float]
    /// Unit principal directions, `[m, d]`, by decreasing variance; each one's entry of
    /// largest magnitude is positive (scikit-learn's sign convention).
    public let components: Tensor
    /// Variance along each component (denominator n − 1).
    public let explainedVariance: [Double]
    /// The rows projected, `[n, m]`.
    public let projection: Tensor
}

/// Principal component analysis by the covariance matrix (blocked GEMMs of centred rows) and
/// LAPACK's symmetric eigen-solver (`ssyevr`, only the top pairs).
public enum PCA {
    /// Projects the rows of `points` (`[n, ...]`, rows flattened) onto their top `dimensions`
    /// principal components (2 by default, for pictures).
    ///
    /// - Throws: `NumericArgumentError` unless n ≥ 2, 1 ≤ dimensions ≤ d and values are finite.
    public static func fit(_ points: Tensor, dimensions: Int = 2) throws -> PCAResult {
        let n = points.batchSize, d = points.itemSize
        guard n >= 2 else { throw NumericArgumentError("PCA needs at least 2 rows, got \(n)") }
        guard dimensions >= 1, dimensions <= d else {
            throw NumericArgumentError("PCA to \(dimensions) dimensions needs 1…\(d) (the row width)")
        }
        guard points.storage.allSatisfy({ $0.isFinite }) else { throw NumericArgumentError("PCA input contains NaN or infinite values") }
        var meanSums = [Double](repeating: 0, count: d)
        for row in 0..<n { for j in 0..<d { meanSums[j] += Double(points.storage[row * d + j]) } }
        let mean = meanSums.map { Float($0 / Double(n)) }

        // Covariance: Σ over blocks of centred rows of blockᵀ · block, accumulated in place.
        var covariance = [Float](repeating: 0, count: d * d)
        forEachCentredBlock(points, mean: mean) { block, rows in
            covariance.withUnsafeMutableBufferPointer { c in
                parallelGemm(transposeA: true, m: d, n: d, k: rows, alpha: 1 / Float(n - 1), a: block, b: block,
                     beta: 1, c: c.baseAddress!)
            }
        }
        let (values, vectors) = try SymmetricEigen.largest(covariance, size: d, count: dimensions)
        var components = [Float](repeating: 0, count: dimensions * d)
        for component in 0..<dimensions {
            let vector = vectors[component]
            let largest = vector.indices.max { abs(vector[$0]) < abs(vector[$1]) }!
            let sign: Float = vector[largest] < 0 ? -1 : 1
            for j in 0..<d { components[component * d + j] = sign * vector[j] }
        }
        var projection = [Float](repeating: 0, count: n * dimensions)
        var done = 0
        forEachCentredBlock(points, mean: mean) { block, rows in
            projection.withUnsafeMutableBufferPointer { out in
                components.withUnsafeBufferPointer { w in
                    parallelGemm(transposeB: true, m: rows, n: dimensions, k: d, a: block, b: w.baseAddress!,
                         c: out.baseAddress! + done * dimensions)
                }
            }
            done += rows
        }
        return PCAResult(mean: mean, components: Tensor(shape: [dimensions, d], storage: components),
                         explainedVariance: values.map(Double.init), projection: Tensor(shape: [n, dimensions], storage: projection))
    }

    /// Calls `body(centredRows, rowCount)` on consecutive blocks of rows minus `mean`.
    private static func forEachCentredBlock(_ points: Tensor, mean: [Float], _ body: (UnsafePointer<Float>, Int) -> Void) {
        let n = points.batchSize, d = points.itemSize
        let blockRows = max(1, min(n, (1 << 20) / max(d, 1)))
        var block = [Float](repeating: 0, count: blockRows * d)
        for first in stride(from: 0, to: n, by: blockRows) {
            let rows = min(blockRows, n - first)
            block.withUnsafeMutableBufferPointer { out in
                for row in 0..<rows { for j in 0..<d { out[row * d + j] = points.storage[(first + row) * d + j] - mean[j] } }
                body(UnsafePointer(out.baseAddress!), rows)
            }
        }
    }
}
