// Layer: method (R-DC), embedding. May use NumericCore only; never the session, sockets or pictures.
// The spectral start of UMAP's layout: the eigenvectors of the graph's normalised Laplacian
// with the smallest eigenvalues after the trivial one, by Lanczos on the sparse graph.

import Foundation
import NumericCore

/// Laplacian eigenmaps of a fuzzy graph (umap-learn's `spectral_layout`).
///
/// Why Lanczos and not a dense LAPACK solve: the Laplacian has ~2·k·N entries, so one product
/// with it is cheap, while a dense eigen-solve costs O(N³) time and N² memory (70,000 points:
/// 20 GB). Lanczos with full reorthogonalisation needs `steps` sparse products plus O(N·steps²)
/// work, seconds for 70,000 points, and its extreme Ritz vectors converge first — the ones
/// wanted here. The dense solve (`SymmetricEigen`) is its oracle in the tests.
public enum SpectralInitialisation {
    /// The `dimensions` eigenvectors (`[n, dimensions]`, row-major) of L = I − D^(−½) W D^(−½)
    /// with the smallest eigenvalues above the trivial 0 (whose eigenvector ∝ D^(½)·1 is
    /// projected out), by increasing eigenvalue; nil when the graph is not connected (L then
    /// has several zero eigenvalues and the eigenvectors mark components, not structure) or has
    /// fewer than `dimensions + 2` vertices.
    ///
    /// - Parameters:
    ///   - steps: Lanczos steps (default max(3·dimensions + 30, 60), at most n − 1).
    ///   - seed: seed of the random start vector.
    public static func laplacianEigenvectors(_ graph: FuzzyGraph, dimensions: Int, steps: Int? = nil,
                                             seed: UInt64 = 0) -> [Float]? {
        let n = graph.vertexCount
        guard dimensions >= 1, n >= dimensions + 2, graph.components().count == 1 else { return nil }
        let m = min(n - 1, steps ?? max(3 * dimensions + 30, 60))
        guard m >= dimensions else { return nil }
        var scale = [Double](repeating: 0, count: n)
        var trivial = [Double](repeating: 0, count: n)
        for row in 0..<n {
            var degree = 0.0
            for position in graph.rowStarts[row]..<graph.rowStarts[row + 1] { degree += Double(graph.weights[position]) }
            scale[row] = degree > 0 ? 1 / degree.squareRoot() : 0
            trivial[row] = degree.squareRoot()
        }
        normalise(&trivial)
        // Lanczos on (I + D^(−½) W D^(−½)) / 2, whose eigenvalues 1 − λ/2 lie in [0, 1]: the
        // largest of it are the smallest λ of L.
        var basis = [Double](repeating: 0, count: (m + 1) * n)
        var diagonal: [Double] = [], offDiagonal: [Double] = []
        var generator = SeededGenerator(seed: seed)
        var vector = (0..<n).map { _ in Double(generator.nextNormal()) }
        orthogonalise(&vector, against: trivial)
        normalise(&vector)
        var work = [Double](repeating: 0, count: n)
        var count = 0
        basis.withUnsafeMutableBufferPointer { q in
            for j in 0..<n { q[j] = vector[j] }
            for step in 0..<m {
                let current = UnsafeBufferPointer(rebasing: q[(step * n)..<((step + 1) * n)])
                multiply(graph, scale: scale, current, into: &work)
                var alpha = 0.0
                for i in 0..<n { alpha += work[i] * current[i] }
                diagonal.append(alpha)
                count = step + 1
                // Full reorthogonalisation, twice ("twice is enough"), also against the trivial vector.
                for _ in 0..<2 {
                    orthogonalise(&work, against: trivial)
                    for previous in 0...step {
                        let row = q.baseAddress! + previous * n
                        var dot = 0.0
                        for i in 0..<n { dot += work[i] * row[i] }
                        for i in 0..<n { work[i] -= dot * row[i] }
                    }
                }
                var norm = 0.0
                for value in work { norm += value * value }
                norm = norm.squareRoot()
                if step == m - 1 || norm < 1e-9 { break }
                offDiagonal.append(norm)
                let next = q.baseAddress! + (step + 1) * n
                for i in 0..<n { next[i] = work[i] / norm }
            }
        }
        guard count >= dimensions else { return nil }
        var tridiagonal = [Float](repeating: 0, count: count * count)
        for i in 0..<count {
            tridiagonal[i * count + i] = Float(diagonal[i])
            if i + 1 < count {
                tridiagonal[i * count + i + 1] = Float(offDiagonal[i])
                tridiagonal[(i + 1) * count + i] = Float(offDiagonal[i])
            }
        }
        guard let ritz = try? SymmetricEigen.largest(tridiagonal, size: count, count: dimensions) else { return nil }
        var result = [Float](repeating: 0, count: n * dimensions)
        for (column, coefficients) in ritz.vectors.enumerated() {
            var combined = [Double](repeating: 0, count: n)
            for (step, coefficient) in coefficients.enumerated() {
                let c = Double(coefficient)
                for i in 0..<n { combined[i] += c * basis[step * n + i] }
            }
            normalise(&combined)
            for i in 0..<n { result[i * dimensions + column] = Float(combined[i]) }
        }
        return result
    }

    /// out = (x + D^(−½) W D^(−½) x) / 2.
    private static func multiply(_ graph: FuzzyGraph, scale: [Double], _ x: UnsafeBufferPointer<Double>, into out: inout [Double]) {
        graph.rowStarts.withUnsafeBufferPointer { starts in
            graph.columns.withUnsafeBufferPointer { columns in
                graph.weights.withUnsafeBufferPointer { weights in
                    for row in 0..<graph.vertexCount {
                        var sum = 0.0
                        for position in starts[row]..<starts[row + 1] {
                            let column = Int(columns[position])
                            sum += Double(weights[position]) * scale[column] * x[column]
                        }
                        out[row] = 0.5 * (x[row] + scale[row] * sum)
                    }
                }
            }
        }
    }

    private static func orthogonalise(_ vector: inout [Double], against unit: [Double]) {
        var dot = 0.0
        for i in vector.indices { dot += vector[i] * unit[i] }
        for i in vector.indices { vector[i] -= dot * unit[i] }
    }

    private static func normalise(_ vector: inout [Double]) {
        var norm = 0.0
        for value in vector { norm += value * value }
        norm = norm.squareRoot()
        if norm > 0 { for i in vector.indices { vector[i] /= norm } }
    }
}
