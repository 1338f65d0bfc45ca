// Layer: numeric core. May use CBLAS only; knows nothing of R-DC, sessions or files.

import Foundation

/// Optimisers update a parameter on several threads in slices of at least this many values.
private let parameterSlice = 1 << 15

/// Updates a layer's parameters from their accumulated gradients, then clears the gradients.
///
/// Optimisers are values: their state (moments, velocities, step count) is copied with them,
/// so a copy of a training state taken before a command is a complete snapshot to restore.
public protocol Optimizer: Sendable {
    /// Applies one update to every parameter of `model` (in its visiting order).
    mutating func update<Model: Layer>(_ model: inout Model)
}

/// Adam with bias correction (Kingma & Ba, 2015).
public struct Adam: Optimizer, Equatable {
    /// Step size.
    public var learningRate: Float
    /// Decay rates of the first and second moment estimates.
    public var beta1: Float, beta2: Float
    /// Added to the denominator for numerical stability.
    public var epsilon: Float
    /// Number of updates applied so far.
    public var step: Int = 0
    /// First moment estimates, one array per parameter in visiting order.
    public var firstMoments: [[Float]] = []
    /// Second moment estimates, one array per parameter in visiting order.
    public var secondMoments: [[Float]] = []

    /// Adam with the usual defaults (lr 1e-3, β1 0.9, β2 0.999, ε 1e-8).
    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    public mutating func update<Model: Layer>(_ model: inout Model) {
        step += 1
        let correction1 = 1 - pow(beta1, Float(step)), correction2 = 1 - pow(beta2, Float(step))
        let stepSize = learningRate / correction1
        let inverseRootCorrection2 = 1 / correction2.squareRoot()
        let (b1, b2, eps) = (beta1, beta2, epsilon)
        var index = 0
        model.visitParameters { parameter in
            if index == firstMoments.count {
                firstMoments.append([Float](repeating: 0, count: parameter.value.count))
                secondMoments.append([Float](repeating: 0, count: parameter.value.count))
            }
            precondition(firstMoments[index].count == parameter.value.count, "optimiser state does not match the model")
            firstMoments[index].withUnsafeMutableBufferPointer { m in
                secondMoments[index].withUnsafeMutableBufferPointer { v in
                    parameter.gradient.storage.withUnsafeMutableBufferPointer { g in
                        parameter.value.storage.withUnsafeMutableBufferPointer { w in
                            ParallelItems.forEachChunk(of: w.count, minimumChunk: parameterSlice) { _, range in
                                for i in range {
                                    let gradient = g[i]
                                    m[i] = b1 * m[i] + (1 - b1) * gradient
                                    v[i] = b2 * v[i] + (1 - b2) * gradient * gradient
                                    w[i] -= stepSize * m[i] / ((v[i]).squareRoot() * inverseRootCorrection2 + eps)
                                    g[i] = 0
                                }
                            }
                        }
                    }
                }
            }
            index += 1
        }
    }
}

/// Stochastic gradient descent with (heavy-ball) momentum: v ← μ·v + g; w ← w − lr·v.
public struct SGD: Optimizer, Equatable {
    /// Step size.
    public var learningRate: Float
    /// Momentum coefficient μ (0 for plain SGD).
    public var momentum: Float
    /// Velocities, one array per parameter in visiting order.
    public var velocities: [[Float]] = []

    /// SGD with the given learning rate and momentum.
    public init(learningRate: Float = 0.01, momentum: Float = 0.9) {
        self.learningRate = learningRate
        self.momentum = momentum
    }

    public mutating func update<Model: Layer>(_ model: inout Model) {
        let (lr, mu) = (learningRate, momentum)
        var index = 0
        model.visitParameters { parameter in
            if index == velocities.count { velocities.append([Float](repeating: 0, count: parameter.value.count)) }
            velocities[index].withUnsafeMutableBufferPointer { velocity in
                parameter.gradient.storage.withUnsafeMutableBufferPointer { g in
                    parameter.value.storage.withUnsafeMutableBufferPointer { w in
                        ParallelItems.forEachChunk(of: w.count, minimumChunk: parameterSlice) { _, range in
                            for i in range {
                                velocity[i] = mu * velocity[i] + g[i]
                                w[i] -= lr * velocity[i]
                                g[i] = 0
                            }
                        }
                    }
                }
            }
            index += 1
        }
    }
}
