// Layer: numeric core. May use CBLAS only; knows nothing of R-DC, sessions or files.
// DEC's clustering layer (Xie, Girshick, Farhadi 2016): Student's t soft assignments of codes to
// trainable centres, the sharpened target distribution, and the KL divergence between them.

import Foundation

/// Soft assignments q_ij = w_ij / Σ_k w_ik with w_ij = (1 + ‖z_i − μ_j‖²)⁻¹: Student's t kernel
/// with one degree of freedom, as DEC uses it. The centres μ ([K, L]) are its one parameter.
public struct SoftAssignment: Layer {
    /// The cluster centres μ, [K, L].
    public var centres: Parameter
    private var cachedInput: Tensor?
    private var cachedKernel: [Float] = []
    private var cachedAssignments: [Float] = []

    /// A layer with the given centres ([K, L]).
    public init(centres: Tensor) {
        precondition(centres.rank == 2 && centres.batchSize > 0, "centres must be [K, L], got \(centres.shape)")
        self.centres = Parameter(centres)
    }

    /// Number of clusters K.
    public var clusterCount: Int { centres.value.batchSize }

    /// q for codes `input` ([B, L]), [B, K].
    public mutating func forward(_ input: Tensor) -> Tensor {
        let (kernel, assignments) = Self.kernelAndAssignments(input, centres.value)
        cachedInput = input
        cachedKernel = kernel
        cachedAssignments = assignments
        return Tensor(shape: [input.batchSize, clusterCount], storage: assignments)
    }

    /// q of `codes` for `centres` without touching any cache (the whole data set, in chunks).
    public static func assignments(of codes: Tensor, centres: Tensor) -> Tensor {
        Tensor(shape: [codes.batchSize, centres.batchSize], storage: kernelAndAssignments(codes, centres).assignments)
    }

    /// With c_ij = dL/dd_ij = −w_ij q_ij (g_ij − Σ_k g_ik q_ik) for g = dL/dq and d_ij = ‖z_i − μ_j‖²:
    /// dL/dz_i = Σ_j 2 c_ij (z_i − μ_j) and dL/dμ_j = −Σ_i 2 c_ij (z_i − μ_j).
    public mutating func backward(_ outputGradient: Tensor, needs: BackwardNeeds) -> Tensor {
        guard let input = cachedInput else { preconditionFailure("SoftAssignment.backward without forward") }
        let n = input.batchSize, width = input.itemSize, k = clusterCount
        var inputGradient = Tensor(shape: needs.inputGradient ? input.shape : [0])
        var coefficients = [Float](repeating: 0, count: k)
        input.storage.withUnsafeBufferPointer { z in
            centres.value.storage.withUnsafeBufferPointer { mu in
                outputGradient.storage.withUnsafeBufferPointer { g in
                    inputGradient.storage.withUnsafeMutableBufferPointer { dz in
                        centres.gradient.storage.withUnsafeMutableBufferPointer { dmu in
                            for i in 0..<n {
                                var weighted: Float = 0
                                for j in 0..<k { weighted += g[i * k + j] * cachedAssignments[i * k + j] }
                                for j in 0..<k {
                                    coefficients[j] = -2 * cachedKernel[i * k + j] * cachedAssignments[i * k + j] * (g[i * k + j] - weighted)
                                }
                                for j in 0..<k {
                                    let c = coefficients[j]
                                    for d in 0..<width {
                                        let difference = z[i * width + d] - mu[j * width + d]
                                        if needs.inputGradient { dz[i * width + d] += c * difference }
                                        if needs.parameterGradients { dmu[j * width + d] -= c * difference }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return inputGradient
    }

    /// Visits the centres.
    public mutating func visitParameters(_ body: (inout Parameter) -> Void) { body(&centres) }

    /// Drops the cached codes and assignments.
    public mutating func clearCache() {
        cachedInput = nil
        cachedKernel = []
        cachedAssignments = []
    }

    /// DEC's target p_ij = (q_ij² / f_j) / Σ_k (q_ik² / f_k) with f_j = Σ_i q_ij: sharpens the
    /// assignments and divides out the cluster sizes. `assignments` is q, [N, K].
    public static func targetDistribution(_ assignments: Tensor) -> Tensor {
        let n = assignments.batchSize, k = assignments.itemSize
        var frequencies = [Double](repeating: 0, count: k)
        for i in 0..<n { for j in 0..<k { frequencies[j] += Double(assignments.storage[i * k + j]) } }
        var target = Tensor(shape: assignments.shape)
        for i in 0..<n {
            var total = 0.0
            for j in 0..<k {
                let q = Double(assignments.storage[i * k + j])
                let value = frequencies[j] > 0 ? q * q / frequencies[j] : 0
                target.storage[i * k + j] = Float(value)
                total += value
            }
            guard total > 0 else { continue }
            for j in 0..<k { target.storage[i * k + j] = Float(Double(target.storage[i * k + j]) / total) }
        }
        return target
    }

    /// Kernel values w and normalised assignments q, both [B·K] row-major.
    private static func kernelAndAssignments(_ codes: Tensor, _ centres: Tensor) -> (kernel: [Float], assignments: [Float]) {
        precondition(codes.itemSize == centres.itemSize, "codes of width \(codes.itemSize) vs centres of width \(centres.itemSize)")
        let n = codes.batchSize, width = codes.itemSize, k = centres.batchSize
        var kernel = [Float](repeating: 0, count: n * k), assignments = [Float](repeating: 0, count: n * k)
        codes.storage.withUnsafeBufferPointer { z in
            centres.storage.withUnsafeBufferPointer { mu in
                for i in 0..<n {
                    var total: Float = 0
                    for j in 0..<k {
                        var squaredDistance: Float = 0
                        for d in 0..<width {
                            let difference = z[i * width + d] - mu[j * width + d]
                            squaredDistance += difference * difference
                        }
                        let w = 1 / (1 + squaredDistance)
                        kernel[i * k + j] = w
                        total += w
                    }
                    for j in 0..<k { assignments[i * k + j] = kernel[i * k + j] / total }
                }
            }
        }
        return (kernel, assignments)
    }
}

/// KL(P‖Q) = mean_i Σ_j p_ij log(p_ij / q_ij) over a batch of distributions (rows).
public enum KullbackLeibler {
    /// Smallest q used in the logarithm and the gradient (a t-kernel assignment underflows only
    /// for codes absurdly far from every centre).
    public static let smallestProbability: Float = 1e-12

    /// The divergence of `prediction` (q) from `target` (p), with dLoss/dq = −p / (B·q).
    public static func loss(prediction: Tensor, target: Tensor) -> LossAndGradient {
        precondition(prediction.shape == target.shape, "prediction \(prediction.shape) vs target \(target.shape)")
        let batch = Float(max(prediction.batchSize, 1))
        var gradient = Tensor(shape: prediction.shape)
        var total: Double = 0
        for index in 0..<prediction.count {
            let p = target.storage[index], q = max(prediction.storage[index], smallestProbability)
            if p > 0 { total += Double(p) * Double(log(p / q)) }
            gradient.storage[index] = -p / (batch * q)
        }
        return LossAndGradient(value: Float(total / Double(batch)), gradient: gradient)
    }
}
