// Layer: method (R-DC), embedding. May use NumericCore only; never the session, sockets or pictures.
// The spectral start of UMAP's layout: the eigenvectors of the graph's normalised Laplacian
// with the smallest eigenvalues after the trivial one, by Lanczos on the sparse graph.

import Foundation
import NumericCore

/// The spectral start and how far Lanczos went for it.
public struct LaplacianEigenmap: Sendable {
    /// The eigenvectors, `[n, dimensions]` row-major, by increasing Laplacian eigenvalue.
    public let vectors: [Float]
    /// Lanczos steps taken.
    public let steps: Int
    /// The largest residual ‖B y − θ y‖ of the wanted Ritz pairs (B = (I + D^(−½) W D^(−½)) / 2).
    public let largestResidual: Double
    /// Whether every wanted pair reached the tolerance before the step limit.
    public let converged: Bool
}

/// Laplacian eigenmaps of a fuzzy graph (umap-learn's `spectral_layout`).
///
/// Why Lanczos and not a dense LAPACK solve: the Laplacian has ~2·k·N entries, so one product
/// with it is cheap, while a dense eigen-solve costs O(N³) time and N² memory (70,000 points:
/// 20 GB). Lanczos with full reorthogonalisation needs one sparse product and a classical
/// Gram–Schmidt pass (BLAS) over the basis per step, seconds for 70,000 points; its extreme
/// Ritz vectors converge first — the ones wanted here. It runs until the wanted Ritz pairs'
/// residuals fall below the tolerance, as ARPACK (umap-learn's `eigsh`) does: a fixed 60 steps
/// left the 10 wanted vectors of a clustered graph unconverged (digits embeddings: k-means on
/// the layout .805–.888 over 10 seeds, median .832; converged after 140 steps: .880–.888, median
/// .887, umap-learn .883). The dense solve (`SymmetricEigen`) is its oracle in the tests.
public enum SpectralInitialisation {
    /// Vertices per worker below which the passes stay on fewer threads.
    static let minimumVerticesPerWorker = 8192

    /// The `dimensions` eigenvectors of L = I − D^(−½) W D^(−½) with the smallest eigenvalues
    /// above the trivial 0 (whose eigenvector ∝ D^(½)·1 is projected out); nil when the graph is
    /// not connected (L then has several zero eigenvalues and the eigenvectors mark components,
    /// not structure) or has fewer than `dimensions + 2` vertices.
    ///
    /// - Parameters:
    ///   - tolerance: the residual every wanted Ritz pair must reach (the operator's spectrum lies in [0, 1]).
    ///   - maximumSteps: Lanczos steps at most (default min(n − 1, max(300, 3·dimensions + 30)));
    ///     the basis holds that many vectors of n doubles.
    ///   - seed: seed of the random start vector.
    ///   - threads: workers for the sparse product and the Gram–Schmidt passes, each over its own
    ///     contiguous block of vertices (partial dot products added in block order, so the
    ///     result depends on the thread count, not on timing).
    public static func laplacianEigenmap(_ graph: FuzzyGraph, dimensions: Int, tolerance: Double = 1e-5,
                                         maximumSteps: Int? = nil, seed: UInt64 = 0,
                                         threads: Int = 1) -> LaplacianEigenmap? {
        laplacianEigenmap(graph, dimensions: dimensions, tolerance: tolerance, maximumSteps: maximumSteps, seed: seed,
                          threads: threads, verticesPerWorker: minimumVerticesPerWorker)
    }

    /// `laplacianEigenmap` with the smallest block of vertices a worker takes (tests split small graphs).
    static func laplacianEigenmap(_ graph: FuzzyGraph, dimensions: Int, tolerance: Double, maximumSteps: Int?,
                                  seed: UInt64, threads: Int, verticesPerWorker: Int) -> LaplacianEigenmap? {
        let n = graph.vertexCount
        guard dimensions >= 1, n >= dimensions + 2, graph.components().count == 1 else { return nil }
        let limit = min(n - 1, maximumSteps ?? max(300, 3 * dimensions + 30))
        guard limit >= dimensions else { return nil }
        var scale = [Double](repeating: 0, count: n)
        var trivial = [Double](repeating: 0, count: n)
        for row in 0..<n {
            var degree = 0.0
            for position in graph.rowStarts[row]..<graph.rowStarts[row + 1] { degree += Double(graph.weights[position]) }
            scale[row] = degree > 0 ? 1 / degree.squareRoot() : 0
            trivial[row] = degree.squareRoot()
        }
        normalise(&trivial)
        let workers = max(1, min(threads, n / max(1, verticesPerWorker)))
        let blocks = (0..<workers).map { (n * $0 / workers)..<(n * ($0 + 1) / workers) }
        // Lanczos on B = (I + D^(−½) W D^(−½)) / 2, whose eigenvalues 1 − λ/2 lie in [0, 1]: the
        // largest of B are the smallest λ of L. The trivial vector is the basis's row 0, so the
        // Gram–Schmidt passes keep every later row orthogonal to it.
        let stride = limit + 2
        var basis = [Double](repeating: 0, count: stride * n)
        var diagonal: [Double] = [], offDiagonal: [Double] = []
        var generator = SeededGenerator(seed: seed)
        var work = (0..<n).map { _ in Double(generator.nextNormal()) }
        var dots = [Double](repeating: 0, count: stride)
        var partialDots = [Double](repeating: 0, count: workers * stride)
        var ritz: (values: [Float], vectors: [[Float]])?
        var ritzSteps = 0, residual = Double.infinity
        basis.withUnsafeMutableBufferPointer { q in
            let rows = q.baseAddress!
            for i in 0..<n { rows[i] = trivial[i] }
            // Removes from `work` its components along rows 0…last of the basis by classical
            // Gram–Schmidt; a second pass only when the first took away over half of its squared
            // length (Daniel–Gragg–Kaufman–Stewart), rare after the three-term recurrence.
            func orthogonalise(through last: Int) {
                work.withUnsafeMutableBufferPointer { w in
                    dots.withUnsafeMutableBufferPointer { total in
                        partialDots.withUnsafeMutableBufferPointer { partial in
                            let w = w.baseAddress!, total = total.baseAddress!, partial = partial.baseAddress!
                            for _ in 0..<2 {
                                let before = squaredLength(w, n)
                                runWorkers(workers) { block in
                                    let columns = blocks[block]
                                    gemv(rows: last + 1, columns: columns.count, a: rows + columns.lowerBound, lda: n,
                                         x: w + columns.lowerBound, y: partial + block * stride)
                                }
                                for i in 0...last {
                                    var sum = 0.0
                                    for block in 0..<workers { sum += partial[block * stride + i] }
                                    total[i] = sum
                                }
                                runWorkers(workers) { block in
                                    let columns = blocks[block]
                                    gemv(transpose: true, rows: last + 1, columns: columns.count, alpha: -1,
                                         a: rows + columns.lowerBound, lda: n, x: total, beta: 1, y: w + columns.lowerBound)
                                }
                                if squaredLength(w, n) > 0.5 * before { break }
                            }
                        }
                    }
                }
            }
            orthogonalise(through: 0)
            guard normalise(&work) > 0 else { return }
            for i in 0..<n { rows[n + i] = work[i] }
            for step in 0..<limit {
                let current = UnsafeBufferPointer(start: rows + (step + 1) * n, count: n)
                work.withUnsafeMutableBufferPointer { out in
                    runWorkers(workers) { block in multiply(graph, scale: scale, current, rows: blocks[block], into: out) }
                }
                var alpha = 0.0
                for i in 0..<n { alpha += work[i] * current[i] }
                diagonal.append(alpha)
                // The three-term recurrence first, so the full pass only mops up rounding.
                let previous = rows + step * n, previousBeta = step > 0 ? offDiagonal[step - 1] : 0
                for i in 0..<n { work[i] -= alpha * current[i] + previousBeta * previous[i] }
                orthogonalise(through: step + 1)
                let norm = normalise(&work)
                let count = step + 1
                // The residual of Ritz pair y = Q s is ‖B y − θ y‖ = β · |s_last|; checked every 10 steps.
                let exhausted = norm < 1e-12 || step == limit - 1
                if count >= dimensions, exhausted || (count >= dimensions + 10 && count % 10 == 0) {
                    if let pairs = try? SymmetricEigen.largest(tridiagonal(diagonal, offDiagonal), size: count, count: dimensions) {
                        ritz = pairs
                        ritzSteps = count
                        residual = pairs.vectors.map { norm * Double(abs($0[count - 1])) }.max() ?? 0
                        if residual <= tolerance { break }
                    }
                }
                if exhausted { break }
                offDiagonal.append(norm)
                for i in 0..<n { rows[(step + 2) * n + i] = work[i] }
            }
        }
        guard let ritz else { return nil }
        var result = [Float](repeating: 0, count: n * dimensions)
        var combined = [Double](repeating: 0, count: n)
        for (column, coefficients) in ritz.vectors.enumerated() {
            let weights = coefficients.map(Double.init)
            basis.withUnsafeBufferPointer { q in
                weights.withUnsafeBufferPointer { s in
                    gemv(transpose: true, rows: ritzSteps, columns: n, a: q.baseAddress! + n, x: s.baseAddress!, y: &combined)
                }
            }
            normalise(&combined)
            for i in 0..<n { result[i * dimensions + column] = Float(combined[i]) }
        }
        return LaplacianEigenmap(vectors: result, steps: ritzSteps, largestResidual: residual, converged: residual <= tolerance)
    }

    /// The symmetric tridiagonal matrix with `diagonal` and the leading `diagonal.count − 1` of `offDiagonal`, dense.
    private static func tridiagonal(_ diagonal: [Double], _ offDiagonal: [Double]) -> [Float] {
        let count = diagonal.count
        var matrix = [Float](repeating: 0, count: count * count)
        for i in 0..<count {
            matrix[i * count + i] = Float(diagonal[i])
            if i + 1 < count {
                matrix[i * count + i + 1] = Float(offDiagonal[i])
                matrix[(i + 1) * count + i] = Float(offDiagonal[i])
            }
        }
        return matrix
    }

    /// out[r] = ((x + D^(−½) W D^(−½) x) / 2)[r] for the vertices r in `rows`.
    private static func multiply(_ graph: FuzzyGraph, scale: [Double], _ x: UnsafeBufferPointer<Double>, rows: Range<Int>,
                                 into out: UnsafeMutableBufferPointer<Double>) {
        graph.rowStarts.withUnsafeBufferPointer { starts in
            graph.columns.withUnsafeBufferPointer { columns in
                graph.weights.withUnsafeBufferPointer { weights in
                    for row in rows {
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

    /// The squared length of the `count` values at `vector`.
    private static func squaredLength(_ vector: UnsafePointer<Double>, _ count: Int) -> Double {
        var sum = 0.0
        for i in 0..<count { sum += vector[i] * vector[i] }
        return sum
    }

    /// Scales `vector` to unit length (unless it is 0) and returns its former length.
    @discardableResult
    private static func normalise(_ vector: inout [Double]) -> Double {
        var norm = 0.0
        for value in vector { norm += value * value }
        norm = norm.squareRoot()
        if norm > 0 { for i in vector.indices { vector[i] /= norm } }
        return norm
    }
}
