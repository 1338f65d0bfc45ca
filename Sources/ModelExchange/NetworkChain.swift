// Layer: model exchange (beside the method). May use RDCMethod and NumericCore; never the
// session, sockets or pictures. The trained networks as chains of standard operations: the
// one description both exchange formats (ONNX, safetensors) are written from.

import NumericCore
import RDCMethod

/// One part of the trained networks that can leave the kernel.
public enum ModelPart: String, CaseIterable, Sendable {
    /// Images to embeddings.
    case encoder
    /// Embeddings to reconstructed images.
    case decoder
    /// Images to reconstructed images (encoder, then decoder).
    case autoencoder
    /// Images to the ACAI critic's score.
    case critic
}

/// What a network piece cannot be written as.
public struct ModelExportError: Error, CustomStringConvertible, Equatable {
    /// A sentence saying what could not be exported.
    public let description: String
}

/// One standard operation of an exported network, with the values it owns.
enum ChainOperation {
    /// y = x·Wᵀ + b, W of shape [outputs, inputs] (PyTorch's `nn.Linear`, ONNX `Gemm` with transB).
    case linear(weight: Tensor, bias: Tensor)
    /// A 2-D convolution, W of shape [outputs, inputs, k, k].
    case convolution(weight: Tensor, bias: Tensor, stride: Int, padding: Int)
    /// A 2-D transposed convolution, W of shape [inputs, outputs, k, k].
    case transposedConvolution(weight: Tensor, bias: Tensor, stride: Int, padding: Int, outputPadding: Int)
    case relu
    case leakyReLU(slope: Float)
    case sigmoid
    /// Each item flattened to a vector.
    case flatten
    /// Each item (a vector) given the shape `itemShape`.
    case unflatten(itemShape: [Int])
    /// The mean over each item's values: the critic's score.
    case meanOfItem

    /// The layer's parameters under their PyTorch names ("weight", "bias"), in that order.
    var parameters: [(name: String, value: Tensor)] {
        switch self {
        case .linear(let weight, let bias), .convolution(let weight, let bias, _, _),
             .transposedConvolution(let weight, let bias, _, _, _):
            return [("weight", weight), ("bias", bias)]
        case .relu, .leakyReLU, .sigmoid, .flatten, .unflatten, .meanOfItem:
            return []
        }
    }
}

/// A network as operations applied in order, each under the PyTorch-style module path it
/// has in `rdc_jupyter.torch_model` ("encoder.3"), from an input of one known item shape.
struct NetworkChain {
    /// One operation and its module path.
    struct Step {
        /// "encoder.3": the `nn.Sequential` and the index in it.
        let module: String
        let operation: ChainOperation
    }

    /// Shape of one input item ([C, H, W] for images, [L] for embeddings).
    let inputShape: [Int]
    /// Shape of one output item.
    let outputShape: [Int]
    let steps: [Step]

    /// The chain of `part` of a trained model.
    init(part: ModelPart, of state: TrainingState) throws {
        let blueprint = state.blueprint
        let latent = [blueprint.latentSize]
        switch part {
        case .encoder:
            steps = try Self.steps(of: state.autoencoder.encoder, module: "encoder")
            (inputShape, outputShape) = (blueprint.inputShape, latent)
        case .decoder:
            steps = try Self.steps(of: state.autoencoder.decoder, module: "decoder")
            (inputShape, outputShape) = (latent, blueprint.inputShape)
        case .autoencoder:
            steps = try Self.steps(of: state.autoencoder.encoder, module: "encoder")
                + Self.steps(of: state.autoencoder.decoder, module: "decoder")
            (inputShape, outputShape) = (blueprint.inputShape, blueprint.inputShape)
        case .critic:
            // The critic's module holds its network; its score is the mean of the network's outputs.
            steps = try Self.steps(of: state.critic.network, module: "critic")
                + [Step(module: "critic.score", operation: .meanOfItem)]
            (inputShape, outputShape) = (blueprint.inputShape, [])
        }
    }

    /// Every parameter under its full PyTorch name ("encoder.1.weight"), in chain order.
    var namedParameters: [(name: String, value: Tensor)] {
        steps.flatMap { step in step.operation.parameters.map { ("\(step.module).\($0.name)", $0.value) } }
    }

    static func steps(of network: Sequential, module: String) throws -> [Step] {
        try network.layers.enumerated().map { index, layer in
            Step(module: "\(module).\(index)", operation: try operation(of: layer, at: "\(module).\(index)"))
        }
    }

    private static func operation(of layer: any Layer, at path: String) throws -> ChainOperation {
        switch layer {
        case let dense as Dense:
            return .linear(weight: dense.weight.value, bias: dense.bias.value)
        case let convolution as Conv2D:
            return .convolution(weight: convolution.weight.value, bias: convolution.bias.value,
                                stride: convolution.stride, padding: convolution.padding)
        case let transposed as ConvTranspose2D:
            return .transposedConvolution(weight: transposed.weight.value, bias: transposed.bias.value,
                                          stride: transposed.stride, padding: transposed.padding,
                                          outputPadding: transposed.outputPadding)
        case is ReLU:
            return .relu
        case let leaky as LeakyReLU:
            return .leakyReLU(slope: leaky.slope)
        case is Sigmoid:
            return .sigmoid
        case let reshape as Reshape:
            return reshape.itemShape.count == 1 ? .flatten : .unflatten(itemShape: reshape.itemShape)
        default:
            throw ModelExportError(description: "layer \(path) (\(type(of: layer))) has no exported form")
        }
    }
}
