// Layer: method (R-DC), clustering. May use NumericCore only; never the session, sockets or pictures.

import Foundation
import NumericCore

/// The shape of each component's covariance matrix (scikit-learn's `covariance_type`).
public enum CovarianceType: String, Sendable, CaseIterable {
    /// One variance per dimension and component.
    case diagonal
    /// A full d×d covariance matrix per component.
    case full
}

/// A fitted Gaussian mixture.
public struct GaussianMixtureResult: Equatable, Sendable {
    /// Most responsible component of each row.
    public let assignments: [Int]
    /// Component means, `[k, d]`.
    public let means: Tensor
    /// Per-dimension component variances, `[k, d]` (floor included): the diagonals of the
    /// covariance matrices when they are full.
    public let variances: Tensor
    /// Full covariance matrices `[k, d, d]` (floor on the diagonal) when fitted with `.full`.
    public let covariances: Tensor?
    /// Mixing weights, summing to 1.
    public let weights: [Double]
    /// Mean log-likelihood per row under the returned parameters (scikit-learn's `score`).
    public let logLikelihood: Double
    /// EM iterations run.
    public let iterations: Int
    /// Whether the lower bound changed by less than the tolerance before the iteration cap.
    public let converged: Bool
}

/// Gaussian mixture with diagonal or full covariances fitted by EM from a k-means start, with
/// log-sum-exp responsibilities, following scikit-learn's `GaussianMixture` (`covariance_type`
/// "diag" or "full"). Rows are split over `ComputeThreads.count` workers in fixed chunks whose
/// partial sums are added in chunk order, so a seed gives the same result at a fixed thread count.
public struct GaussianMixture: Sendable {
    /// Number of components k.
    public var componentCount: Int
    /// Diagonal (the default) or full covariance matrices.
    public var covariance: CovarianceType
    /// Upper bound on EM iterations per run.
    public var maximumIterations: Int
    /// Stop when the mean log-likelihood improves by less than this.
    public var tolerance: Double
    /// Added to every variance (the diagonal of a full covariance), so none falls below it
    /// (scikit-learn's `reg_covar`).
    public var varianceFloor: Double
    /// Independent runs (each from its own k-means start); the best log-likelihood is kept.
    public var restarts: Int
    /// Seed of the k-means initialisations.
    public var seed: UInt64

    /// A configuration with scikit-learn's defaults (100 iterations, tolerance 1e-3, floor 1e-6).
    public init(componentCount: Int, covariance: CovarianceType = .diagonal, maximumIterations: Int = 100,
                tolerance: Double = 1e-3, varianceFloor: Double = 1e-6, restarts: Int = 1, seed: UInt64 = 0) {
        self.componentCount = componentCount
        self.covariance = covariance
        self.maximumIterations = maximumIterations
        self.tolerance = tolerance
        self.varianceFloor = varianceFloor
        self.restarts = restarts
        self.seed = seed
    }

    /// Fits the mixture to the rows of `points` (`[n, ...]`, rows flattened).
    ///
    /// - Throws: `NumericArgumentError` for k < 1, k > n, restarts or iterations < 1, a
    ///   negative floor, non-finite values, or (full covariances) a covariance matrix that is
    ///   not positive definite even with the floor.
    public func fit(_ points: Tensor) throws -> GaussianMixtureResult {
        guard restarts >= 1, maximumIterations >= 1 else {
            throw NumericArgumentError("Gaussian mixture needs restarts ≥ 1 and maximumIterations ≥ 1")
        }
        guard varianceFloor >= 0 else { throw NumericArgumentError("variance floor must be ≥ 0, got \(varianceFloor)") }
        let n = points.batchSize, d = points.itemSize, k = componentCount
        let matrix = points.reshaped([n, d])
        var best: GaussianMixtureResult?
        for restart in 0..<restarts {
            let start = try KMeans(clusterCount: k, restarts: 1, seed: seed &+ UInt64(restart)).fit(matrix)
            var responsibilities = [Double](repeating: 0, count: n * k)
            for (row, cluster) in start.assignments.enumerated() { responsibilities[row * k + cluster] = 1 }
            var model = Parameters(k: k, d: d, full: covariance == .full)
            try model.maximise(matrix, responsibilities: responsibilities, floor: varianceFloor)
            var lowerBound = -Double.infinity
            var iterations = 0, converged = false
            while iterations < maximumIterations {
                iterations += 1
                let previous = lowerBound
                lowerBound = model.expect(matrix, responsibilities: &responsibilities)
                try model.maximise(matrix, responsibilities: responsibilities, floor: varianceFloor)
                if abs(lowerBound - previous) < tolerance { converged = true; break }
            }
            let score = model.expect(matrix, responsibilities: &responsibilities)
            var assignments = [Int](repeating: 0, count: n)
            for row in 0..<n {
                var bestComponent = 0
                for c in 1..<k where responsibilities[row * k + c] > responsibilities[row * k + bestComponent] { bestComponent = c }
                assignments[row] = bestComponent
            }
            let result = GaussianMixtureResult(
                assignments: assignments, means: Tensor(shape: [k, d], storage: model.means.map(Float.init)),
                variances: Tensor(shape: [k, d], storage: model.diagonalVariances.map(Float.init)),
                covariances: model.full ? Tensor(shape: [k, d, d], storage: model.covariances.map(Float.init)) : nil,
                weights: model.weights, logLikelihood: score, iterations: iterations, converged: converged)
            if best == nil || result.logLikelihood > best!.logLikelihood { best = result }
        }
        return best!
    }

    /// Means, covariances and weights in Double.
    private struct Parameters {
        let k: Int, d: Int, full: Bool
        var means: [Double], weights: [Double]
        /// `[k, d]` variances (diagonal) or `[k, d, d]` covariance matrices (full).
        var covariances: [Double]
        /// Lower Cholesky factors of the full covariances, `[k, d, d]`.
        var factors: [Double]

        init(k: Int, d: Int, full: Bool) {
            self.k = k; self.d = d; self.full = full
            means = [Double](repeating: 0, count: k * d)
            weights = [Double](repeating: 1 / Double(k), count: k)
            covariances = [Double](repeating: 0, count: full ? k * d * d : k * d)
            factors = full ? [Double](repeating: 0, count: k * d * d) : []
        }

        /// The variances per dimension: the diagonal of each full matrix.
        var diagonalVariances: [Double] {
            guard full else { return covariances }
            return (0..<(k * d)).map { covariances[($0 / d) * d * d + ($0 % d) * (d + 1)] }
        }

        /// Fixed row chunks for the workers; the partial sums are added in chunk order.
        private static func chunks(_ n: Int) -> [Range<Int>] {
            let workers = max(1, min(ComputeThreads.count, n / 4096))
            return (0..<workers).map { (n * $0 / workers)..<(n * ($0 + 1) / workers) }
        }

        /// M-step: weighted means, then variances (E[x²] − μ², diagonal) or the weighted
        /// covariance of the centred rows (full), plus the floor.
        mutating func maximise(_ points: Tensor, responsibilities: [Double], floor: Double) throws {
            let n = points.batchSize, k = self.k, d = self.d, full = self.full
            let ranges = Self.chunks(n)
            let secondSize = full ? k * d * d : k * d
            // Per chunk: totals [k], sums [k*d], second moments [secondSize].
            let stride = k + k * d + secondSize
            var partials = [Double](repeating: 0, count: ranges.count * stride)
            points.storage.withUnsafeBufferPointer { x in
                responsibilities.withUnsafeBufferPointer { r in
                    partials.withUnsafeMutableBufferPointer { out in
                        let base = out.baseAddress!
                        runWorkers(ranges.count) { chunk in
                            let totals = base + chunk * stride, sums = totals + k, squares = sums + k * d
                            for row in ranges[chunk] {
                                for c in 0..<k {
                                    let weight = r[row * k + c]
                                    if weight == 0 { continue }
                                    totals[c] += weight
                                    for j in 0..<d { sums[c * d + j] += weight * Double(x[row * d + j]) }
                                    if !full {
                                        for j in 0..<d {
                                            let value = Double(x[row * d + j])
                                            squares[c * d + j] += weight * value * value
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            var totals = [Double](repeating: 10 * Double.ulpOfOne, count: k)
            var sums = [Double](repeating: 0, count: k * d), squares = [Double](repeating: 0, count: secondSize)
            for chunk in ranges.indices {
                let offset = chunk * stride
                for c in 0..<k { totals[c] += partials[offset + c] }
                for index in 0..<(k * d) { sums[index] += partials[offset + k + index] }
                if !full { for index in 0..<secondSize { squares[index] += partials[offset + k + k * d + index] } }
            }
            for c in 0..<k {
                weights[c] = totals[c] / Double(n)
                for j in 0..<d { means[c * d + j] = sums[c * d + j] / totals[c] }
            }
            if full {
                try maximiseFull(points, responsibilities: responsibilities, totals: totals, ranges: ranges, floor: floor)
            } else {
                for c in 0..<k {
                    for j in 0..<d {
                        let mean = means[c * d + j]
                        covariances[c * d + j] = max(squares[c * d + j] / totals[c] - mean * mean, 0) + floor
                    }
                }
            }
            let weightSum = weights.reduce(0, +)
            for c in 0..<k { weights[c] /= weightSum }
        }

        /// Full covariances Σ_c = Σᵢ rᵢc (xᵢ − μc)(xᵢ − μc)ᵀ / Σᵢ rᵢc + floor·I and their Cholesky factors.
        private mutating func maximiseFull(_ points: Tensor, responsibilities: [Double], totals: [Double],
                                           ranges: [Range<Int>], floor: Double) throws {
            let k = self.k, d = self.d, size = k * d * d
            var partials = [Double](repeating: 0, count: ranges.count * size)
            let means = self.means
            points.storage.withUnsafeBufferPointer { x in
                responsibilities.withUnsafeBufferPointer { r in
                    partials.withUnsafeMutableBufferPointer { out in
                        let base = out.baseAddress!
                        runWorkers(ranges.count) { chunk in
                            let accumulator = base + chunk * size
                            var centred = [Double](repeating: 0, count: d)
                            for row in ranges[chunk] {
                                for c in 0..<k {
                                    let weight = r[row * k + c]
                                    if weight == 0 { continue }
                                    for j in 0..<d { centred[j] = Double(x[row * d + j]) - means[c * d + j] }
                                    let matrix = accumulator + c * d * d
                                    // The lower triangle only; mirrored below.
                                    for p in 0..<d {
                                        let scaled = weight * centred[p]
                                        for q in 0...p { matrix[p * d + q] += scaled * centred[q] }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            for c in 0..<k {
                for p in 0..<d {
                    for q in 0...p {
                        var sum = 0.0
                        for chunk in ranges.indices { sum += partials[chunk * size + c * d * d + p * d + q] }
                        let value = sum / totals[c] + (p == q ? floor : 0)
                        covariances[c * d * d + p * d + q] = value
                        covariances[c * d * d + q * d + p] = value
                    }
                }
                // Cholesky: Σ = L Lᵀ, L lower.
                for p in 0..<d {
                    for q in 0...p {
                        var sum = covariances[c * d * d + p * d + q]
                        for t in 0..<q { sum -= factors[c * d * d + p * d + t] * factors[c * d * d + q * d + t] }
                        if p == q {
                            guard sum > 0 else {
                                throw NumericArgumentError("a component's covariance matrix is not positive definite; "
                                                           + "try fewer components or diagonal covariances")
                            }
                            factors[c * d * d + p * d + p] = sum.squareRoot()
                        } else {
                            factors[c * d * d + p * d + q] = sum / factors[c * d * d + q * d + q]
                        }
                    }
                }
            }
        }

        /// E-step: responsibilities by log-sum-exp; returns the mean log-likelihood per row.
        func expect(_ points: Tensor, responsibilities: inout [Double]) -> Double {
            let n = points.batchSize, k = self.k, d = self.d, full = self.full
            var constants = [Double](repeating: 0, count: k)
            var precisions = full ? [] : covariances
            for c in 0..<k {
                var logDeterminant = 0.0
                if full {
                    for j in 0..<d { logDeterminant += 2 * log(factors[c * d * d + j * (d + 1)]) }
                } else {
                    for j in 0..<d { logDeterminant += log(covariances[c * d + j]); precisions[c * d + j] = 1 / covariances[c * d + j] }
                }
                constants[c] = log(weights[c]) - 0.5 * (Double(d) * log(2 * Double.pi) + logDeterminant)
            }
            let ranges = Self.chunks(n)
            var partialTotals = [Double](repeating: 0, count: ranges.count)
            let means = self.means, factors = self.factors
            points.storage.withUnsafeBufferPointer { x in
                responsibilities.withUnsafeMutableBufferPointer { outBuffer in
                    partialTotals.withUnsafeMutableBufferPointer { totalsBuffer in
                        let out = outBuffer.baseAddress!, totals = totalsBuffer.baseAddress!
                        runWorkers(ranges.count) { chunk in
                            var solved = [Double](repeating: 0, count: d)
                            var total = 0.0
                            for row in ranges[chunk] {
                                var peak = -Double.infinity
                                for c in 0..<k {
                                    var quadratic = 0.0
                                    if full {
                                        // ‖L⁻¹(x − μ)‖² by forward substitution.
                                        let factor = c * d * d
                                        for p in 0..<d {
                                            var value = Double(x[row * d + p]) - means[c * d + p]
                                            for q in 0..<p { value -= factors[factor + p * d + q] * solved[q] }
                                            value /= factors[factor + p * d + p]
                                            solved[p] = value
                                            quadratic += value * value
                                        }
                                    } else {
                                        for j in 0..<d {
                                            let difference = Double(x[row * d + j]) - means[c * d + j]
                                            quadratic += difference * difference * precisions[c * d + j]
                                        }
                                    }
                                    let value = constants[c] - 0.5 * quadratic
                                    out[row * k + c] = value
                                    peak = max(peak, value)
                                }
                                var sum = 0.0
                                for c in 0..<k { sum += exp(out[row * k + c] - peak) }
                                let logNormaliser = peak + log(sum)
                                for c in 0..<k { out[row * k + c] = exp(out[row * k + c] - logNormaliser) }
                                total += logNormaliser
                            }
                            totals[chunk] = total
                        }
                    }
                }
            }
            return partialTotals.reduce(0, +) / Double(n)
        }
    }
}
