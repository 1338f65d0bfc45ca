// Layer: method (R-DC), clustering. May use NumericCore only; never the session, sockets or pictures.

import Foundation
import NumericCore

/// A fitted diagonal-covariance Gaussian mixture.
public struct GaussianMixtureResult: Equatable, Sendable {
    /// Most responsible component of each row.
    public let assignments: [Int]
    /// Component means, `[k, d]`.
    public let means: Tensor
    /// Per-dimension component variances, `[k, d]` (floor included).
    public let variances: Tensor
    /// Mixing weights, summing to 1.
    public let weights: [Double]
    /// Mean log-likelihood per row under the returned parameters (scikit-learn's `score`).
    public let logLikelihood: Double
    /// EM iterations run.
    public let iterations: Int
    /// Whether the lower bound changed by less than the tolerance before the iteration cap.
    public let converged: Bool
}

/// Gaussian mixture with diagonal covariances fitted by EM from a k-means start, with
/// log-sum-exp responsibilities, following scikit-learn's `GaussianMixture(covariance_type="diag")`.
public struct GaussianMixture: Sendable {
    /// Number of components k.
    public var componentCount: Int
    /// Upper bound on EM iterations per run.
    public var maximumIterations: Int
    /// Stop when the mean log-likelihood improves by less than this.
    public var tolerance: Double
    /// Added to every variance, so none falls below it (scikit-learn's `reg_covar`).
    public var varianceFloor: Double
    /// Independent runs (each from its own k-means start); the best log-likelihood is kept.
    public var restarts: Int
    /// Seed of the k-means initialisations.
    public var seed: UInt64

    /// A configuration with scikit-learn's defaults (100 iterations, tolerance 1e-3, floor 1e-6).
    public init(componentCount: Int, maximumIterations: Int = 100, tolerance: Double = 1e-3,
                varianceFloor: Double = 1e-6, restarts: Int = 1, seed: UInt64 = 0) {
        self.componentCount = componentCount
        self.maximumIterations = maximumIterations
        self.tolerance = tolerance
        self.varianceFloor = varianceFloor
        self.restarts = restarts
        self.seed = seed
    }

    /// Fits the mixture to the rows of `points` (`[n, ...]`, rows flattened).
    ///
    /// - Throws: `NumericArgumentError` for k < 1, k > n, restarts or iterations < 1, a
    ///   negative floor, or non-finite values.
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
            var model = Parameters(k: k, d: d)
            model.maximise(matrix, responsibilities: responsibilities, floor: varianceFloor)
            var lowerBound = -Double.infinity
            var iterations = 0, converged = false
            while iterations < maximumIterations {
                iterations += 1
                let previous = lowerBound
                lowerBound = model.expect(matrix, responsibilities: &responsibilities)
                model.maximise(matrix, responsibilities: responsibilities, floor: varianceFloor)
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
                variances: Tensor(shape: [k, d], storage: model.variances.map(Float.init)), weights: model.weights,
                logLikelihood: score, iterations: iterations, converged: converged)
            if best == nil || result.logLikelihood > best!.logLikelihood { best = result }
        }
        return best!
    }

    /// Means, variances and weights in Double.
    private struct Parameters {
        let k: Int, d: Int
        var means: [Double], variances: [Double], weights: [Double]

        init(k: Int, d: Int) {
            self.k = k; self.d = d
            means = [Double](repeating: 0, count: k * d)
            variances = [Double](repeating: 1, count: k * d)
            weights = [Double](repeating: 1 / Double(k), count: k)
        }

        /// M-step: weighted means and E[x²] − μ² variances, plus the floor.
        mutating func maximise(_ points: Tensor, responsibilities: [Double], floor: Double) {
            let n = points.batchSize
            var totals = [Double](repeating: 10 * Double.ulpOfOne, count: k)
            var sums = [Double](repeating: 0, count: k * d), squares = [Double](repeating: 0, count: k * d)
            points.storage.withUnsafeBufferPointer { x in
                for row in 0..<n {
                    for c in 0..<k {
                        let r = responsibilities[row * k + c]
                        if r == 0 { continue }
                        totals[c] += r
                        for j in 0..<d {
                            let value = Double(x[row * d + j])
                            sums[c * d + j] += r * value
                            squares[c * d + j] += r * value * value
                        }
                    }
                }
            }
            for c in 0..<k {
                weights[c] = totals[c] / Double(n)
                for j in 0..<d {
                    let mean = sums[c * d + j] / totals[c]
                    means[c * d + j] = mean
                    variances[c * d + j] = max(squares[c * d + j] / totals[c] - mean * mean, 0) + floor
                }
            }
            let weightSum = weights.reduce(0, +)
            for c in 0..<k { weights[c] /= weightSum }
        }

        /// E-step: responsibilities by log-sum-exp; returns the mean log-likelihood per row.
        func expect(_ points: Tensor, responsibilities: inout [Double]) -> Double {
            let n = points.batchSize
            var constants = [Double](repeating: 0, count: k)
            var precisions = variances
            for c in 0..<k {
                var logDeterminant = 0.0
                for j in 0..<d { logDeterminant += log(variances[c * d + j]); precisions[c * d + j] = 1 / variances[c * d + j] }
                constants[c] = log(weights[c]) - 0.5 * (Double(d) * log(2 * Double.pi) + logDeterminant)
            }
            var total = 0.0
            points.storage.withUnsafeBufferPointer { x in
                responsibilities.withUnsafeMutableBufferPointer { out in
                    for row in 0..<n {
                        var peak = -Double.infinity
                        for c in 0..<k {
                            var quadratic = 0.0
                            for j in 0..<d {
                                let difference = Double(x[row * d + j]) - means[c * d + j]
                                quadratic += difference * difference * precisions[c * d + j]
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
                }
            }
            return total / Double(n)
        }
    }
}
