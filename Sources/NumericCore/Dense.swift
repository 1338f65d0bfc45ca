// Layer: numeric core. May use CBLAS only; knows nothing of R-DC, sessions or files.

/// A fully connected layer: y = x·Wᵀ + b, with W stored as [outputs, inputs].
public struct Dense: Layer {
    /// Weights, shape [outputs, inputs].
    public var weight: Parameter
    /// Biases, shape [outputs].
    public var bias: Parameter
    private var input = Tensor(shape: [0])

    /// Number of input features.
    public var inputSize: Int { weight.value.shape[1] }
    /// Number of output features.
    public var outputSize: Int { weight.value.shape[0] }

    /// A layer mapping `inputSize` features to `outputSize`, weights from `initializer`, zero biases.
    public init(inputSize: Int, outputSize: Int, initializer: Initializer = .glorotUniform,
                generator: inout SeededGenerator) {
        weight = Parameter(initializer.tensor(shape: [outputSize, inputSize], fanIn: inputSize,
                                              fanOut: outputSize, generator: &generator))
        bias = Parameter(Tensor(shape: [outputSize]))
    }

    public mutating func forward(_ input: Tensor) -> Tensor {
        let n = input.batchSize
        precondition(input.itemSize == inputSize, "Dense expects \(inputSize) features, got \(input.itemSize)")
        self.input = input
        var output = Tensor(shape: [n, outputSize])
        let outputs = outputSize
        output.storage.withUnsafeMutableBufferPointer { y in
            bias.value.storage.withUnsafeBufferPointer { b in
                for row in 0..<n { (y.baseAddress! + row * outputs).update(from: b.baseAddress!, count: outputs) }
            }
            input.storage.withUnsafeBufferPointer { x in
                weight.value.storage.withUnsafeBufferPointer { w in
                    parallelGemm(transposeB: true, m: n, n: outputs, k: inputSize, a: x.baseAddress!,
                         b: w.baseAddress!, beta: 1, c: y.baseAddress!)
                }
            }
        }
        return output
    }

    public mutating func backward(_ outputGradient: Tensor, needs: BackwardNeeds) -> Tensor {
        let n = input.batchSize, inputs = inputSize, outputs = outputSize
        if needs.parameterGradients {
            outputGradient.storage.withUnsafeBufferPointer { dy in
                input.storage.withUnsafeBufferPointer { x in
                    weight.gradient.storage.withUnsafeMutableBufferPointer { dw in
                        parallelGemm(transposeA: true, m: outputs, n: inputs, k: n, a: dy.baseAddress!,
                             b: x.baseAddress!, beta: 1, c: dw.baseAddress!)
                    }
                }
                bias.gradient.storage.withUnsafeMutableBufferPointer { db in
                    for row in 0..<n {
                        let offset = row * outputs
                        for column in 0..<outputs { db[column] += dy[offset + column] }
                    }
                }
            }
        }
        guard needs.inputGradient else { return Tensor(shape: [0]) }
        var inputGradient = Tensor(shape: input.shape)
        outputGradient.storage.withUnsafeBufferPointer { dy in
            weight.value.storage.withUnsafeBufferPointer { w in
                inputGradient.storage.withUnsafeMutableBufferPointer { dx in
                    parallelGemm(m: n, n: inputs, k: outputs, a: dy.baseAddress!, b: w.baseAddress!, c: dx.baseAddress!)
                }
            }
        }
        return inputGradient
    }

    public mutating func visitParameters(_ body: (inout Parameter) -> Void) {
        body(&weight)
        body(&bias)
    }

    public mutating func clearCache() { input = Tensor(shape: [0]) }
}
