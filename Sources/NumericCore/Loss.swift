// Layer: numeric core. May use CBLAS only; knows nothing of R-DC, sessions or files.

/// A loss value with its gradient with respect to the prediction.
public struct LossAndGradient: Sendable {
    /// The scalar loss.
    public var value: Float
    /// dLoss/dPrediction, shaped like the prediction.
    public var gradient: Tensor

    /// A loss value with its gradient.
    public init(value: Float, gradient: Tensor) {
        self.value = value
        self.gradient = gradient
    }
}

/// Squared-error losses between a prediction and a target of the same shape.
public enum MeanSquaredError {
    /// How the squared errors are reduced to one number.
    public enum Reduction: Sendable {
        /// Summed over each item's values, averaged over the batch: mean_i ‖x_i − y_i‖²
        /// (the reconstruction loss of method.md).
        case sumPerItemMeanOverBatch
        /// Averaged over every value (PyTorch's `mse_loss` default).
        case meanOverValues
    }

    /// The loss and its gradient.
    public static func loss(prediction: Tensor, target: Tensor,
                            reduction: Reduction = .sumPerItemMeanOverBatch) -> LossAndGradient {
        precondition(prediction.shape == target.shape, "prediction \(prediction.shape) vs target \(target.shape)")
        let divisor = Float(reduction == .sumPerItemMeanOverBatch ? prediction.batchSize : prediction.count)
        var gradient = Tensor(shape: prediction.shape)
        var total: Double = 0
        let scale = 2 / divisor
        prediction.storage.withUnsafeBufferPointer { p in
            target.storage.withUnsafeBufferPointer { t in
                gradient.storage.withUnsafeMutableBufferPointer { g in
                    var partial: Float = 0
                    for index in p.indices {
                        let difference = p[index] - t[index]
                        partial += difference * difference
                        g[index] = scale * difference
                        if index & 4095 == 4095 { total += Double(partial); partial = 0 }
                    }
                    total += Double(partial)
                }
            }
        }
        return LossAndGradient(value: Float(total / Double(divisor)), gradient: gradient)
    }
}
