// Layer: model exchange (beside the method). May use RDCMethod, NumericCore and SafeFiles;
// never the session, sockets or pictures. How a trained network leaves the kernel: as an ONNX
// model (onnxruntime, TensorRT, onnx2torch) or as safetensors weights for PyTorch.

import NumericCore
import RDCMethod
import SafeFiles

/// The file formats a model part can be written in.
public enum ModelFileFormat: String, CaseIterable, Sendable {
    /// An ONNX model (opset 17): the network and its weights.
    case onnx
    /// The weights alone under PyTorch names, in the safetensors format.
    case safetensors

    /// The format a file name asks for by its extension (case-insensitive), if any.
    public init?(path: String) {
        let lowered = path.lowercased()
        guard let format = Self.allCases.first(where: { lowered.hasSuffix($0.fileExtension) }) else { return nil }
        self = format
    }

    /// The ONNX operator set exported models use.
    public static let onnxOpset = Int(ONNXModel.opsetVersion)

    /// ".onnx" or ".safetensors".
    public var fileExtension: String { "." + rawValue }
}

/// One part of a trained model, ready to be written in one format.
public struct ModelExport {
    /// The part written.
    public let part: ModelPart
    /// The format written.
    public let format: ModelFileFormat
    /// The graph's input and output names (ONNX) or their meanings (safetensors).
    public let inputName: String, outputName: String
    /// Number of parameter values written.
    public let parameterCount: Int
    private let chain: NetworkChain
    private let metadata: [(key: String, value: String)]
    private let producerVersion: String

    /// `part` of `state` in `format`; `producerVersion` is the product's version, recorded in the file.
    ///
    /// - Throws: `ModelExportError` when a layer has no exported form.
    public init(state: TrainingState, part: ModelPart, format: ModelFileFormat, producerVersion: String) throws {
        self.part = part
        self.format = format
        self.producerVersion = producerVersion
        chain = try NetworkChain(part: part, of: state)
        (inputName, outputName) = switch part {
        case .encoder: ("images", "embeddings")
        case .decoder: ("embeddings", "reconstructions")
        case .autoencoder: ("images", "reconstructions")
        case .critic: ("images", "scores")
        }
        parameterCount = chain.namedParameters.reduce(0) { $0 + $1.value.count }
        let blueprint = state.blueprint
        metadata = [
            ("rdc.version", producerVersion),
            ("rdc.part", part.rawValue),
            ("rdc.model", blueprint.kind.rawValue),
            ("rdc.input_shape", blueprint.inputShape.map(String.init).joined(separator: "x")),
            ("rdc.latent", String(blueprint.latentSize)),
            ("rdc.pretrain_epochs", String(state.pretrainEpochs)),
            ("rdc.refine_epochs", String(state.refineEpochs)),
            ("rdc.selftrain_epochs", String(state.selftrainEpochs)),
            ("rdc.input", inputName),
            ("rdc.output", outputName),
        ]
    }

    /// The file's bytes.
    public func bytes() throws -> [UInt8] {
        switch format {
        case .onnx:
            return try ONNXModel.bytes(of: chain, graphName: "rdc_\(part.rawValue)", inputName: inputName,
                                       outputName: outputName, metadata: metadata, producerVersion: producerVersion)
        case .safetensors:
            return try Safetensors.bytes(of: chain, metadata: metadata)
        }
    }

    /// Writes the file atomically (a temporary file, fsync, rename): an existing file at
    /// `path` stays whole until the new one is complete.
    public func write(to path: String) throws {
        try SafeFile.write(try bytes(), to: path)
    }

    /// "[N, 1, 28, 28] images → [N, 10] embeddings".
    public var signature: String {
        func shape(_ item: [Int]) -> String { "[" + (["N"] + item.map(String.init)).joined(separator: ", ") + "]" }
        return "\(shape(chain.inputShape)) \(inputName) → \(shape(chain.outputShape)) \(outputName)"
    }
}
