// Layer: method (R-DC). May use NumericCore; never the session, sockets or pictures.

import NumericCore

/// The two network families of method.md.
public enum ModelKind: String, CaseIterable, Sendable {
    /// Fully connected d–500–500–2000–L encoder and its mirror (DEC/IDEC/DynAE), for any
    /// input flattened to d values.
    case dense
    /// DCEC convolutional encoder (5×5/2 → 32, 5×5/2 → 64, 3×3/2 → 128, dense → L) and its
    /// mirror with transposed convolutions, for C×H×W images.
    case conv
}

/// What the model builder could not build.
public struct ModelError: Error, CustomStringConvertible, Equatable {
    /// A sentence saying what is wrong.
    public let description: String
}

/// An encoder and a decoder trained together; its parameters are the encoder's then the decoder's.
public struct Autoencoder: Layer {
    /// Maps a batch of inputs to latent codes [n, L].
    public var encoder: Sequential
    /// Maps latent codes back to inputs of the original shape.
    public var decoder: Sequential

    /// An autoencoder from its two halves.
    public init(encoder: Sequential, decoder: Sequential) {
        self.encoder = encoder
        self.decoder = decoder
    }

    /// Reconstructs a batch: decoder(encoder(x)).
    public mutating func forward(_ input: Tensor) -> Tensor { decoder.forward(encoder.forward(input)) }

    public mutating func backward(_ outputGradient: Tensor, needs: BackwardNeeds) -> Tensor {
        encoder.backward(decoder.backward(outputGradient, needs: .all), needs: needs)
    }

    public mutating func visitParameters(_ body: (inout Parameter) -> Void) {
        encoder.visitParameters(body)
        decoder.visitParameters(body)
    }

    public mutating func clearCache() {
        encoder.clearCache()
        decoder.clearCache()
    }
}

/// Builds the networks of method.md for a given input shape and latent size.
public struct ModelBlueprint: Equatable, Sendable {
    /// Dense or convolutional.
    public var kind: ModelKind
    /// Shape of one input item: [C, H, W] for images, anything for dense (it is flattened).
    public var inputShape: [Int]
    /// Size L of the latent code.
    public var latentSize: Int

    /// Hidden widths of the dense encoder (the decoder mirrors them).
    public static let denseHiddenSizes = [500, 500, 2000]
    /// Output channels of the three convolutions of the conv encoder.
    public static let convChannels = [32, 64, 128]

    /// A blueprint; throws when the input cannot feed this kind of model.
    public init(kind: ModelKind, inputShape: [Int], latentSize: Int) throws {
        guard latentSize >= 1 else { throw ModelError(description: "latent size must be at least 1, got \(latentSize)") }
        guard !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 }) else {
            throw ModelError(description: "input shape \(inputShape) is empty")
        }
        // The products the builders take (values per item; the conv plan's flat size) must fit an Int.
        guard (try? CheckedSize.product(inputShape, field: "input shape")) != nil,
              kind == .dense || (try? CheckedSize.product([Self.convChannels.last!] + inputShape.dropFirst(), field: "")) != nil else {
            throw ModelError(description: "input shape \(inputShape) is too large for this machine")
        }
        if kind == .conv {
            guard inputShape.count == 3 else {
                throw ModelError(description: "the conv model needs C×H×W images; this data has items of shape \(inputShape.map(String.init).joined(separator: "×")) (use `model dense`)")
            }
            guard inputShape[1] >= 8, inputShape[2] >= 8 else {
                throw ModelError(description: "the conv model needs images of at least 8×8 pixels, got \(inputShape[1])×\(inputShape[2]) (use `model dense`)")
            }
        }
        self.kind = kind
        self.inputShape = inputShape
        self.latentSize = latentSize
    }

    /// Number of values in one input item.
    public var inputSize: Int { inputShape.reduce(1, *) }

    /// Numbers of parameter values of the autoencoder and of the critic this blueprint builds,
    /// computed without building them, so a checkpoint can compare them with the values its
    /// file holds before allocating anything.
    ///
    /// - Throws: `SizeProblem` when a count does not fit an `Int`.
    public func parameterCounts() throws -> (autoencoder: Int, critic: Int) {
        // (inputs, outputs, kernel side) of every weighted layer, in building order; each layer
        // has inputs × outputs × kernel² weights and `outputs` biases.
        let encoder: [(Int, Int, Int)], decoder: [(Int, Int, Int)]
        switch kind {
        case .dense:
            let widths = [inputSize] + Self.denseHiddenSizes + [latentSize], mirrored = Array(widths.reversed())
            encoder = zip(widths, widths.dropFirst()).map { ($0, $1, 1) }
            decoder = zip(mirrored, mirrored.dropFirst()).map { ($0, $1, 1) }
        case .conv:
            let plan = convPlan
            let channels = [inputShape[0]] + Self.convChannels, mirrored = Array(channels.reversed())
            encoder = zip(zip(channels, channels.dropFirst()), plan.steps).map { ($0.0, $0.1, $1.kernel) }
                + [(plan.flatSize, latentSize, 1)]
            decoder = [(latentSize, plan.flatSize, 1)]
                + zip(zip(mirrored, mirrored.dropFirst()), plan.steps.reversed()).map { ($0.0, $0.1, $1.kernel) }
        }
        func count(_ layers: [(Int, Int, Int)]) throws -> Int {
            try CheckedSize.sum(layers.map { inputs, outputs, kernel in
                try CheckedSize.sum([try CheckedSize.product([inputs, outputs, kernel, kernel], field: "parameter count"), outputs],
                                    field: "parameter count")
            }, field: "parameter count")
        }
        let encoderCount = try count(encoder)
        return (try CheckedSize.sum([encoderCount, try count(decoder)], field: "parameter count"), encoderCount)
    }

    /// A freshly initialised encoder.
    public func makeEncoder(generator: inout SeededGenerator) -> Sequential {
        switch kind {
        case .dense:
            var layers: [any Layer] = [Reshape.flatten(itemSize: inputSize)]
            var width = inputSize
            for hidden in Self.denseHiddenSizes {
                layers.append(Dense(inputSize: width, outputSize: hidden, generator: &generator))
                layers.append(ReLU())
                width = hidden
            }
            layers.append(Dense(inputSize: width, outputSize: latentSize, generator: &generator))
            return Sequential(layers)
        case .conv:
            let plan = convPlan
            var layers: [any Layer] = []
            var channels = inputShape[0]
            for (step, out) in zip(plan.steps, Self.convChannels) {
                layers.append(Conv2D(inChannels: channels, outChannels: out, kernel: step.kernel, stride: 2,
                                     padding: step.padding, generator: &generator))
                layers.append(LeakyReLU(slope: 0.2))
                channels = out
            }
            layers.append(Reshape.flatten(itemSize: plan.flatSize))
            layers.append(Dense(inputSize: plan.flatSize, outputSize: latentSize, generator: &generator))
            return Sequential(layers)
        }
    }

    /// A freshly initialised decoder: the encoder's mirror, ending in a linear output shaped like the input.
    public func makeDecoder(generator: inout SeededGenerator) -> Sequential {
        switch kind {
        case .dense:
            var layers: [any Layer] = []
            var width = latentSize
            for hidden in Self.denseHiddenSizes.reversed() {
                layers.append(Dense(inputSize: width, outputSize: hidden, generator: &generator))
                layers.append(ReLU())
                width = hidden
            }
            layers.append(Dense(inputSize: width, outputSize: inputSize, generator: &generator))
            layers.append(Reshape(inputShape))
            return Sequential(layers)
        case .conv:
            let plan = convPlan
            let last = plan.sizes.last!
            var layers: [any Layer] = [
                Dense(inputSize: latentSize, outputSize: plan.flatSize, generator: &generator),
                LeakyReLU(slope: 0.2),
                Reshape([Self.convChannels.last!, last.height, last.width]),
            ]
            let outputChannels = Array(Self.convChannels.dropLast().reversed()) + [inputShape[0]]
            var channels = Self.convChannels.last!
            for (index, step) in plan.steps.enumerated().reversed() {
                let target = plan.sizes[index], source = plan.sizes[index + 1]
                let outputPadding = target.height - ((source.height - 1) * 2 - 2 * step.padding + step.kernel)
                let out = outputChannels[plan.steps.count - 1 - index]
                layers.append(ConvTranspose2D(inChannels: channels, outChannels: out, kernel: step.kernel, stride: 2,
                                              padding: step.padding, outputPadding: outputPadding, generator: &generator))
                if index > 0 { layers.append(LeakyReLU(slope: 0.2)) }
                channels = out
            }
            return Sequential(layers)
        }
    }

    /// A fresh autoencoder.
    public func makeAutoencoder(generator: inout SeededGenerator) -> Autoencoder {
        let encoder = makeEncoder(generator: &generator)
        return Autoencoder(encoder: encoder, decoder: makeDecoder(generator: &generator))
    }

    /// A fresh ACAI critic: the encoder's architecture with its own weights.
    public func makeCritic(generator: inout SeededGenerator) -> Critic {
        Critic(network: makeEncoder(generator: &generator))
    }

    /// Kernel and padding of each conv step with the spatial sizes before and after each.
    private var convPlan: (steps: [(kernel: Int, padding: Int)], sizes: [(height: Int, width: Int)], flatSize: Int) {
        let steps = [(kernel: 5, padding: 2), (kernel: 5, padding: 2), (kernel: 3, padding: 0)]
        var sizes = [(height: inputShape[1], width: inputShape[2])]
        for step in steps {
            let previous = sizes.last!
            sizes.append(((previous.height + 2 * step.padding - step.kernel) / 2 + 1,
                          (previous.width + 2 * step.padding - step.kernel) / 2 + 1))
        }
        let last = sizes.last!
        return (steps, sizes, Self.convChannels.last! * last.height * last.width)
    }
}

/// The ACAI critic: maps an input to one scalar, the mean of its network's outputs.
public struct Critic: Sendable {
    /// The network (the encoder's architecture, own weights).
    public var network: Sequential
    private var outputWidth = 1

    /// A critic around `network`.
    public init(network: Sequential) {
        self.network = network
    }

    /// One score per batch item.
    public mutating func scores(_ input: Tensor) -> [Float] {
        let output = network.forward(input)
        let width = output.itemSize
        outputWidth = width
        return (0..<output.batchSize).map { row in
            var sum: Float = 0
            for column in 0..<width { sum += output.storage[row * width + column] }
            return sum / Float(width)
        }
    }

    /// Back-propagates dLoss/dScore of the last `scores` call; returns dLoss/dInput when asked.
    public mutating func backward(scoreGradients: [Float], needs: BackwardNeeds) -> Tensor {
        let width = outputWidth
        var gradient = Tensor(shape: [scoreGradients.count, width])
        for (row, value) in scoreGradients.enumerated() {
            for column in 0..<width { gradient.storage[row * width + column] = value / Float(width) }
        }
        return network.backward(gradient, needs: needs)
    }
}
