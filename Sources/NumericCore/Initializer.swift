// Layer: numeric core. May use CBLAS only; knows nothing of R-DC, sessions or files.

/// How a weight tensor is filled before training.
public enum Initializer: Sendable {
    /// Glorot (Xavier) uniform: U(−a, a) with a = √(6 / (fanIn + fanOut)).
    case glorotUniform
    /// He (Kaiming) normal: N(0, 2 / fanIn), for ReLU-family activations.
    case heNormal
    /// All zeros (biases).
    case zeros

    /// A tensor of `shape` filled from `generator`, given the layer's fan-in and fan-out.
    public func tensor(shape: [Int], fanIn: Int, fanOut: Int, generator: inout SeededGenerator) -> Tensor {
        var result = Tensor(shape: shape)
        switch self {
        case .zeros:
            break
        case .glorotUniform:
            let limit = (6 / Float(fanIn + fanOut)).squareRoot()
            for index in result.storage.indices { result.storage[index] = generator.nextUniform(-limit, limit) }
        case .heNormal:
            let deviation = (2 / Float(fanIn)).squareRoot()
            for index in result.storage.indices { result.storage[index] = deviation * generator.nextNormal() }
        }
        return result
    }
}
