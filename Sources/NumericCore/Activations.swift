// Layer: numeric core. May use CBLAS only; knows nothing of R-DC, sessions or files.


import Foundation
/// Rectified linear unit: max(0, x).
public struct ReLU: Layer {
    private var output = Tensor(shape: [0])

    /// A ReLU activation.
    public init() {}

    public mutating func forward(_ input: Tensor) -> Tensor {
        var result = input
        result.storage.withUnsafeMutableBufferPointer { y in
            for index in y.indices { y[index] = max(y[index], 0) }
        }
        output = result
        return result
    }

    public mutating func backward(_ outputGradient: Tensor, needs: BackwardNeeds) -> Tensor {
        guard needs.inputGradient else { return Tensor(shape: [0]) }
        var gradient = outputGradient
        gradient.storage.withUnsafeMutableBufferPointer { g in
            output.storage.withUnsafeBufferPointer { y in
                for index in g.indices where y[index] <= 0 { g[index] = 0 }
            }
        }
        return gradient
    }

    public mutating func clearCache() { output = Tensor(shape: [0]) }
}

/// Leaky rectified linear unit: x for x > 0, slope·x otherwise.
public struct LeakyReLU: Layer {
    /// Slope for negative inputs.
    public let slope: Float
    private var input = Tensor(shape: [0])

    /// A leaky ReLU with the given negative slope (0.2 in the DCEC encoder).
    public init(slope: Float = 0.2) {
        self.slope = slope
    }

    public mutating func forward(_ input: Tensor) -> Tensor {
        self.input = input
        var result = input
        let slope = self.slope
        result.storage.withUnsafeMutableBufferPointer { y in
            for index in y.indices { let v = y[index]; y[index] = v > 0 ? v : v * slope }
        }
        return result
    }

    public mutating func backward(_ outputGradient: Tensor, needs: BackwardNeeds) -> Tensor {
        guard needs.inputGradient else { return Tensor(shape: [0]) }
        var gradient = outputGradient
        let slope = self.slope
        gradient.storage.withUnsafeMutableBufferPointer { g in
            input.storage.withUnsafeBufferPointer { x in
                for index in g.indices { g[index] = x[index] > 0 ? g[index] : g[index] * slope }
            }
        }
        return gradient
    }

    public mutating func clearCache() { input = Tensor(shape: [0]) }
}

/// Logistic sigmoid: 1 / (1 + e^−x).
public struct Sigmoid: Layer {
    private var output = Tensor(shape: [0])

    /// A sigmoid activation.
    public init() {}

    public mutating func forward(_ input: Tensor) -> Tensor {
        var result = input
        result.storage.withUnsafeMutableBufferPointer { y in
            for index in y.indices { y[index] = 1 / (1 + (-y[index]).exponential) }
        }
        output = result
        return result
    }

    public mutating func backward(_ outputGradient: Tensor, needs: BackwardNeeds) -> Tensor {
        guard needs.inputGradient else { return Tensor(shape: [0]) }
        var gradient = outputGradient
        gradient.storage.withUnsafeMutableBufferPointer { g in
            output.storage.withUnsafeBufferPointer { y in
                for index in g.indices { g[index] *= y[index] * (1 - y[index]) }
            }
        }
        return gradient
    }

    public mutating func clearCache() { output = Tensor(shape: [0]) }
}

/// Reinterprets each batch item with a new shape (Flatten is `Reshape([count])`).
public struct Reshape: Layer {
    /// Shape of one batch item after the layer.
    public let itemShape: [Int]
    private var inputItemShape: [Int] = []

    /// A layer reshaping each item to `itemShape` (same number of values).
    public init(_ itemShape: [Int]) {
        self.itemShape = itemShape
    }

    /// A layer flattening each item to a vector.
    public static func flatten(itemSize: Int) -> Reshape { Reshape([itemSize]) }

    public mutating func forward(_ input: Tensor) -> Tensor {
        precondition(input.itemSize == itemShape.reduce(1, *), "cannot reshape \(input.shape) to items of \(itemShape)")
        inputItemShape = Array(input.shape.dropFirst())
        return input.reshaped([input.batchSize] + itemShape)
    }

    public mutating func backward(_ outputGradient: Tensor, needs: BackwardNeeds) -> Tensor {
        guard needs.inputGradient else { return Tensor(shape: [0]) }
        return outputGradient.reshaped([outputGradient.batchSize] + inputItemShape)
    }

    public mutating func clearCache() {}
}

extension Float {
    /// e raised to this value (through the C library).
    @inlinable var exponential: Float { expf(self) }
}
