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
/// its symmetric eigen-decomposition (cyclic Jacobi; subspace iteration first for wide data).
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
        let (values, vectors) = topEigenpairs(covariance.map(Double.init), size: d, count: dimensions)
        var components = [Float](repeating: 0, count: dimensions * d)
        for component in 0..<dimensions {
            let vector = vectors[component]
            let largest = vector.indices.max { abs(vector[$0]) < abs(vector[$1]) }!
            let sign: Double = vector[largest] < 0 ? -1 : 1
            for j in 0..<d { components[component * d + j] = Float(sign * vector[j]) }
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
                         explainedVariance: values, projection: Tensor(shape: [n, dimensions], storage: projection))
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

    /// The `count` largest eigenvalues of the symmetric `size × size` matrix and their unit
    /// eigenvectors. Small matrices go straight to Jacobi; larger ones are first reduced to a
    /// converged invariant subspace by orthogonal (subspace) iteration with Rayleigh–Ritz.
    static func topEigenpairs(_ matrix: [Double], size: Int, count: Int) -> ([Double], [[Double]]) {
        if size <= 64 {
            let (values, vectors) = jacobiEigen(matrix, size: size)
            return (Array(values.prefix(count)), Array(vectors.prefix(count)))
        }
        let width = min(size, 2 * count + 8)
        var basis = (0..<width).map { column in (0..<size).map { row in row % width == column ? 1.0 : 0.0 } }
        var previous = [Double](repeating: 0, count: count)
        for _ in 0..<1000 {
            basis = basis.map { multiply(matrix, $0, size: size) }
            orthonormalise(&basis)
            // Rayleigh–Ritz: eigen-decompose the projected matrix and rotate the basis.
            let images = basis.map { multiply(matrix, $0, size: size) }
            var small = [Double](repeating: 0, count: width * width)
            for a in 0..<width { for b in 0..<width { small[a * width + b] = dot(basis[a], images[b]) } }
            let (values, rotations) = jacobiEigen(small, size: width)
            basis = rotations.map { rotation in
                var vector = [Double](repeating: 0, count: size)
                for (a, weight) in rotation.enumerated() { for j in 0..<size { vector[j] += weight * basis[a][j] } }
                return vector
            }
            let top = Array(values.prefix(count))
            let change = zip(top, previous).map { abs($0 - $1) }.max()!
            previous = top
            if change <= 1e-12 * max(abs(top[0]), 1e-300) { break }
        }
        return (previous, Array(basis.prefix(count)))
    }

    /// All eigenpairs of a small symmetric matrix by cyclic Jacobi rotations, by decreasing value.
    static func jacobiEigen(_ matrix: [Double], size n: Int) -> ([Double], [[Double]]) {
        var a = matrix
        var v = [Double](repeating: 0, count: n * n)
        for i in 0..<n { v[i * n + i] = 1 }
        for _ in 0..<100 {
            var offDiagonal = 0.0, diagonal = 0.0
            for i in 0..<n {
                diagonal += a[i * n + i] * a[i * n + i]
                for j in (i + 1)..<max(n, i + 1) { offDiagonal += a[i * n + j] * a[i * n + j] }
            }
            if offDiagonal <= 1e-30 * max(diagonal, 1e-300) { break }
            for p in 0..<n {
                for q in (p + 1)..<max(n, p + 1) where a[p * n + q] != 0 {
                    let theta = (a[q * n + q] - a[p * n + p]) / (2 * a[p * n + q])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<n {
                        let akp = a[k * n + p], akq = a[k * n + q]
                        a[k * n + p] = c * akp - s * akq
                        a[k * n + q] = s * akp + c * akq
                    }
                    for k in 0..<n {
                        let apk = a[p * n + k], aqk = a[q * n + k]
                        a[p * n + k] = c * apk - s * aqk
                        a[q * n + k] = s * apk + c * aqk
                    }
                    for k in 0..<n {
                        let vkp = v[k * n + p], vkq = v[k * n + q]
                        v[k * n + p] = c * vkp - s * vkq
                        v[k * n + q] = s * vkp + c * vkq
                    }
                }
            }
        }
        let order = (0..<n).sorted { a[$0 * n + $0] > a[$1 * n + $1] }
        return (order.map { a[$0 * n + $0] }, order.map { column in (0..<n).map { v[$0 * n + column] } })
    }

    private static func multiply(_ matrix: [Double], _ vector: [Double], size: Int) -> [Double] {
        (0..<size).map { row in
            var sum = 0.0
            for j in 0..<size { sum += matrix[row * size + j] * vector[j] }
            return sum
        }
    }

    private static func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    /// Modified Gram–Schmidt; a vector that collapses is replaced by a fresh unit axis direction.
    private static func orthonormalise(_ basis: inout [[Double]]) {
        let size = basis.first?.count ?? 0
        for i in basis.indices {
            for j in 0..<i {
                let projection = dot(basis[i], basis[j])
                for k in 0..<size { basis[i][k] -= projection * basis[j][k] }
            }
            var norm = dot(basis[i], basis[i]).squareRoot()
            if norm < 1e-300 {
                basis[i] = (0..<size).map { $0 == i ? 1 : 0 }
                for j in 0..<i {
                    let projection = dot(basis[i], basis[j])
                    for k in 0..<size { basis[i][k] -= projection * basis[j][k] }
                }
                norm = dot(basis[i], basis[i]).squareRoot()
            }
            for k in 0..<size { basis[i][k] /= norm }
        }
    }
}
