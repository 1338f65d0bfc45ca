// Layer: numeric core. May use CBLAS only; knows nothing of R-DC, sessions or files.

/// A trainable value and the gradient accumulated for it since the last optimiser step.
public struct Parameter: Sendable {
    /// The current value.
    public var value: Tensor
    /// dLoss/dValue, accumulated by backward passes and cleared by optimisers.
    public var gradient: Tensor

    /// A parameter holding `value` with a zero gradient.
    public init(_ value: Tensor) {
        self.value = value
        self.gradient = Tensor(shape: value.shape)
    }
}

/// What a backward pass must produce.
public struct BackwardNeeds: Sendable {
    /// Accumulate gradients into the layer's parameters.
    public var parameterGradients: Bool
    /// Return dLoss/dInput (a first layer's caller usually does not need it).
    public var inputGradient: Bool

    /// Both parameter and input gradients.
    public static let all = BackwardNeeds(parameterGradients: true, inputGradient: true)
    /// Input gradients only: back-propagating through a frozen network (the ACAI critic
    /// seen from the autoencoder's loss).
    public static let inputOnly = BackwardNeeds(parameterGradients: false, inputGradient: true)
    /// Parameter gradients only.
    public static let parametersOnly = BackwardNeeds(parameterGradients: true, inputGradient: false)

    /// Creates a set of needs.
    public init(parameterGradients: Bool, inputGradient: Bool) {
        self.parameterGradients = parameterGradients
        self.inputGradient = inputGradient
    }
}

/// A differentiable network piece with hand-written forward and backward passes.
///
/// `forward` remembers what `backward` needs (its input, an activation mask…), so the two
/// are called in pairs: forward, then backward with dLoss/dOutput of that same forward.
public protocol Layer: Sendable {
    /// Computes the output for a batch and keeps what the backward pass needs.
    mutating func forward(_ input: Tensor) -> Tensor
    /// Given dLoss/dOutput of the last forward, accumulates parameter gradients (if asked)
    /// and returns dLoss/dInput (if asked; otherwise an empty tensor).
    mutating func backward(_ outputGradient: Tensor, needs: BackwardNeeds) -> Tensor
    /// Visits every parameter in a fixed order (the order optimisers and archives rely on).
    mutating func visitParameters(_ body: (inout Parameter) -> Void)
    /// Drops cached activations (to free memory between uses).
    mutating func clearCache()
}

extension Layer {
    /// Layers without parameters visit none.
    public mutating func visitParameters(_ body: (inout Parameter) -> Void) {}

    /// Applies the layer: `layer(x)` reads as `layer.forward(x)`.
    public mutating func callAsFunction(_ input: Tensor) -> Tensor { forward(input) }

    /// Backward pass producing both parameter and input gradients.
    public mutating func backward(_ outputGradient: Tensor) -> Tensor {
        backward(outputGradient, needs: .all)
    }

    /// The parameter values in visiting order.
    public var parameterValues: [Tensor] {
        var copy = self
        var values: [Tensor] = []
        copy.visitParameters { values.append($0.value) }
        return values
    }

    /// Replaces parameter values in visiting order; shapes must match exactly.
    public mutating func loadParameterValues(_ values: [Tensor]) throws {
        var expected: [[Int]] = []
        visitParameters { expected.append($0.value.shape) }
        guard expected.count == values.count else {
            throw ParameterArchiveError.mismatch("expected \(expected.count) parameter tensors, found \(values.count)")
        }
        for (index, (shape, value)) in zip(expected, values).enumerated() where shape != value.shape {
            throw ParameterArchiveError.mismatch("parameter \(index) has shape \(value.shape), the model expects \(shape)")
        }
        var index = 0
        visitParameters { parameter in
            parameter.value = values[index]
            index += 1
        }
    }

    /// Sets every parameter gradient to zero.
    public mutating func zeroGradients() {
        visitParameters { parameter in
            parameter.gradient.storage.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        }
    }
}

/// Layers applied one after another.
public struct Sequential: Layer {
    /// The layers, first applied first.
    public var layers: [any Layer]

    /// A container applying `layers` in order.
    public init(_ layers: [any Layer]) {
        self.layers = layers
    }

    public mutating func forward(_ input: Tensor) -> Tensor {
        var x = input
        for index in layers.indices { x = layers[index].forward(x) }
        return x
    }

    public mutating func backward(_ outputGradient: Tensor, needs: BackwardNeeds) -> Tensor {
        var gradient = outputGradient
        for index in layers.indices.reversed() {
            let isFirst = index == layers.startIndex
            let layerNeeds = BackwardNeeds(parameterGradients: needs.parameterGradients,
                                           inputGradient: isFirst ? needs.inputGradient : true)
            gradient = layers[index].backward(gradient, needs: layerNeeds)
        }
        return gradient
    }

    public mutating func visitParameters(_ body: (inout Parameter) -> Void) {
        for index in layers.indices { layers[index].visitParameters(body) }
    }

    public mutating func clearCache() {
        for index in layers.indices { layers[index].clearCache() }
    }
}
