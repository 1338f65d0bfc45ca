// Layer: model exchange (beside the method). May use NumericCore and Foundation's JSON; never
// the session. A network chain's weights in the safetensors format
// (https://github.com/huggingface/safetensors: an 8-byte little-endian header length, a JSON
// header naming each tensor's dtype, shape and byte range, then the raw little-endian bytes).
// Written here because no Swift package for the format is in the mirror; the format is small
// and fixed.

import Foundation
import NumericCore

/// The safetensors form of a network chain.
enum Safetensors {
    /// The file's bytes: every parameter of `chain` as F32 under its PyTorch name, the
    /// chain's layers as JSON under `rdc.layers` (what `rdc_jupyter.torch_model` builds the
    /// `torch.nn` module from) and `metadata` in `__metadata__`.
    static func bytes(of chain: NetworkChain, metadata: [(key: String, value: String)]) throws -> [UInt8] {
        let parameters = chain.namedParameters
        var header: [String: Any] = [:]
        var offset = 0
        for (name, value) in parameters {
            let size = value.count * MemoryLayout<Float>.size
            header[name] = ["dtype": "F32", "shape": value.shape, "data_offsets": [offset, offset + size]] as [String: Any]
            offset += size
        }
        var strings = Dictionary(metadata.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
        strings["rdc.layers"] = try jsonText(layerDescriptions(chain))
        header["__metadata__"] = strings

        var headerBytes = Array(try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        // The data starts 8-byte aligned (the format's recommendation), padded with spaces.
        while (8 + headerBytes.count) % 8 != 0 { headerBytes.append(UInt8(ascii: " ")) }

        var file: [UInt8] = []
        file.reserveCapacity(8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { file.append(contentsOf: $0) }
        file += headerBytes
        for (_, value) in parameters {
            value.storage.withUnsafeBytes { file.append(contentsOf: $0) }
        }
        return file
    }

    /// Each sequential's layers ("encoder", "decoder", "critic") in order, as plain values.
    static func layerDescriptions(_ chain: NetworkChain) -> [String: [[String: Any]]] {
        var sequences: [String: [[String: Any]]] = [:]
        for step in chain.steps {
            let sequence = String(step.module.prefix { $0 != "." })
            guard let layer = description(of: step.operation) else { continue }
            sequences[sequence, default: []].append(layer)
        }
        return sequences
    }

    private static func description(of operation: ChainOperation) -> [String: Any]? {
        switch operation {
        case .linear(let weight, _):
            return ["op": "linear", "in": weight.shape[1], "out": weight.shape[0]]
        case .convolution(let weight, _, let stride, let padding):
            return ["op": "conv2d", "in": weight.shape[1], "out": weight.shape[0], "kernel": weight.shape[2],
                    "stride": stride, "padding": padding]
        case .transposedConvolution(let weight, _, let stride, let padding, let outputPadding):
            return ["op": "conv_transpose2d", "in": weight.shape[0], "out": weight.shape[1], "kernel": weight.shape[2],
                    "stride": stride, "padding": padding, "output_padding": outputPadding]
        case .relu: return ["op": "relu"]
        case .leakyReLU(let slope): return ["op": "leaky_relu", "slope": Double("\(slope)") ?? Double(slope)]
        case .sigmoid: return ["op": "sigmoid"]
        case .flatten: return ["op": "flatten"]
        case .unflatten(let itemShape): return ["op": "unflatten", "shape": itemShape]
        // The critic's score (the mean of its outputs) is its module's forward, not a layer.
        case .meanOfItem: return nil
        }
    }

    private static func jsonText(_ value: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]), as: UTF8.self)
    }
}
