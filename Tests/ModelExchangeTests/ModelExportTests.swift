// Layer: model exchange tests. The files `export model` writes, read back byte by byte: the
// ONNX messages through the generated decoder, the safetensors layout by hand. Whether other
// tools run them to the same numbers is checked in Tests/python/test_model_export.py.

import Foundation
import XCTest
@testable import ModelExchange
import NumericCore
import RDCMethod

final class ModelExportTests: XCTestCase {
    private func state(_ kind: ModelKind, inputShape: [Int] = [1, 28, 28], latent: Int = 10) throws -> TrainingState {
        TrainingState(blueprint: try ModelBlueprint(kind: kind, inputShape: inputShape, latentSize: latent), seed: 3)
    }

    func testEveryParameterHasItsTorchNameAndTheBlueprintsCount() throws {
        let conv = try state(.conv)
        let encoder = try NetworkChain(part: .encoder, of: conv).namedParameters
        XCTAssertEqual(encoder.map(\.name), ["encoder.0.weight", "encoder.0.bias", "encoder.2.weight", "encoder.2.bias",
                                             "encoder.4.weight", "encoder.4.bias", "encoder.7.weight", "encoder.7.bias"])
        let counts = try conv.blueprint.parameterCounts()
        XCTAssertEqual(encoder.reduce(0) { $0 + $1.value.count }, counts.critic)
        let autoencoder = try ModelExport(state: conv, part: .autoencoder, format: .onnx, producerVersion: "test")
        XCTAssertEqual(autoencoder.parameterCount, counts.autoencoder)
        let critic = try NetworkChain(part: .critic, of: conv)
        XCTAssertEqual(critic.namedParameters.first?.name, "critic.0.weight")
        XCTAssertEqual(critic.outputShape, [])

        let dense = try NetworkChain(part: .decoder, of: try state(.dense, inputShape: [64], latent: 5))
        XCTAssertEqual(dense.namedParameters.map(\.name).first, "decoder.0.weight")
        XCTAssertEqual(dense.inputShape, [5])
        XCTAssertEqual(dense.outputShape, [64])
    }

    func testALayerWithNoExportedFormIsNamed() {
        struct Doubling: Layer {
            mutating func forward(_ input: Tensor) -> Tensor { input }
            mutating func backward(_ outputGradient: Tensor, needs: BackwardNeeds) -> Tensor { outputGradient }
            mutating func clearCache() {}
        }
        XCTAssertThrowsError(try NetworkChain.steps(of: Sequential([ReLU(), Doubling()]), module: "encoder")) { error in
            XCTAssertEqual((error as? ModelExportError)?.description, "layer encoder.1 (Doubling) has no exported form")
        }
    }

    func testTheONNXGraphIsWiredInOrderWithTheWeightsAsInitialisers() throws {
        let conv = try state(.conv)
        let bytes = try ModelExport(state: conv, part: .encoder, format: .onnx, producerVersion: "9.9").bytes()
        let model = try Onnx_ModelProto(serializedBytes: bytes)
        XCTAssertEqual(model.irVersion, 8)
        XCTAssertEqual(model.opsetImport.map(\.version), [17])
        XCTAssertEqual(model.producerName, "rdc")
        XCTAssertEqual(model.producerVersion, "9.9")
        let metadata = Dictionary(uniqueKeysWithValues: model.metadataProps.map { ($0.key, $0.value) })
        XCTAssertEqual(metadata["rdc.model"], "conv")
        XCTAssertEqual(metadata["rdc.input_shape"], "1x28x28")
        XCTAssertEqual(metadata["rdc.pretrain_epochs"], "0")

        let graph = model.graph
        XCTAssertEqual(graph.node.map(\.opType), ["Conv", "LeakyRelu", "Conv", "LeakyRelu", "Conv", "LeakyRelu", "Flatten", "Gemm"])
        XCTAssertEqual(graph.input.map(\.name), ["images"])
        XCTAssertEqual(graph.output.map(\.name), ["embeddings"])
        let inputDims = graph.input[0].type.tensorType.shape.dim
        XCTAssertEqual(inputDims.first?.dimParam, "N")
        XCTAssertEqual(inputDims.dropFirst().map(\.dimValue), [1, 28, 28])
        XCTAssertEqual(graph.output[0].type.tensorType.shape.dim.dropFirst().map(\.dimValue), [10])

        // Every node reads only the graph's input, initialisers and earlier nodes' outputs.
        var defined = Set(graph.input.map(\.name) + graph.initializer.map(\.name))
        for node in graph.node {
            for input in node.input { XCTAssertTrue(defined.contains(input), "\(node.name) reads undefined \(input)") }
            defined.formUnion(node.output)
        }
        XCTAssertEqual(graph.node.last?.output, ["embeddings"])

        let firstConvolution = graph.node[0]
        let attributes = Dictionary(uniqueKeysWithValues: firstConvolution.attribute.map { ($0.name, $0.ints) })
        XCTAssertEqual(attributes["kernel_shape"], [5, 5])
        XCTAssertEqual(attributes["strides"], [2, 2])
        XCTAssertEqual(attributes["pads"], [2, 2, 2, 2])
        XCTAssertEqual(graph.node[1].attribute.first?.f, 0.2)

        // The initialisers hold the weights bit for bit, under the safetensors names.
        let weights = try NetworkChain(part: .encoder, of: conv).namedParameters
        XCTAssertEqual(graph.initializer.map(\.name), weights.map(\.name))
        for (initialiser, weight) in zip(graph.initializer, weights) {
            XCTAssertEqual(initialiser.dims, weight.value.shape.map(Int64.init))
            XCTAssertEqual(initialiser.dataType, Int32(Onnx_TensorProto.DataType.float.rawValue))
            let values = initialiser.rawData.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            XCTAssertEqual(values, weight.value.storage, initialiser.name)
        }
    }

    func testTheDecoderAndCriticGraphsEndInTheirOwnOperations() throws {
        let conv = try state(.conv)
        let decoder = try Onnx_ModelProto(serializedBytes: try ModelExport(state: conv, part: .decoder, format: .onnx,
                                                                            producerVersion: "t").bytes()).graph
        XCTAssertEqual(decoder.node.map(\.opType), ["Gemm", "LeakyRelu", "Reshape", "ConvTranspose", "LeakyRelu",
                                                    "ConvTranspose", "LeakyRelu", "ConvTranspose"])
        let shape = try XCTUnwrap(decoder.initializer.first { $0.name == "decoder.2.shape" })
        XCTAssertEqual(shape.int64Data, [0, 128, 3, 3])
        let outputPaddings = decoder.node.filter { $0.opType == "ConvTranspose" }
            .map { $0.attribute.first { $0.name == "output_padding" }?.ints ?? [] }
        XCTAssertEqual(outputPaddings, [[0, 0], [1, 1], [1, 1]])

        let critic = try Onnx_ModelProto(serializedBytes: try ModelExport(state: conv, part: .critic, format: .onnx,
                                                                           producerVersion: "t").bytes()).graph
        XCTAssertEqual(critic.node.last?.opType, "ReduceMean")
        XCTAssertEqual(critic.output.first?.name, "scores")
        XCTAssertEqual(critic.output.first?.type.tensorType.shape.dim.count, 1)
    }

    func testSafetensorsHeaderOffsetsCoverTheDataExactly() throws {
        let dense = try state(.dense, inputShape: [1, 8, 8], latent: 3)
        let bytes = try ModelExport(state: dense, part: .autoencoder, format: .safetensors, producerVersion: "t").bytes()
        let headerLength = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        XCTAssertEqual((8 + headerLength) % 8, 0)
        let header = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + headerLength)])) as? [String: Any])
        let data = Array(bytes[(8 + headerLength)...])

        let metadata = try XCTUnwrap(header["__metadata__"] as? [String: String])
        XCTAssertEqual(metadata["rdc.part"], "autoencoder")
        let layers = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(try XCTUnwrap(metadata["rdc.layers"]).utf8))
                                   as? [String: [[String: Any]]])
        XCTAssertEqual(layers["encoder"]?.compactMap { $0["op"] as? String },
                       ["flatten", "linear", "relu", "linear", "relu", "linear", "relu", "linear"])
        XCTAssertEqual(layers["decoder"]?.last?["op"] as? String, "unflatten")

        let weights = try NetworkChain(part: .autoencoder, of: dense).namedParameters
        var end = 0
        for (name, value) in weights {
            let entry = try XCTUnwrap(header[name] as? [String: Any], name)
            XCTAssertEqual(entry["dtype"] as? String, "F32")
            XCTAssertEqual(entry["shape"] as? [Int], value.shape)
            let offsets = try XCTUnwrap(entry["data_offsets"] as? [Int])
            XCTAssertEqual(offsets[0], end, "\(name) follows the previous tensor")
            let stored = Array(data[offsets[0]..<offsets[1]]).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            XCTAssertEqual(stored, value.storage, name)
            end = offsets[1]
        }
        XCTAssertEqual(end, data.count)
        XCTAssertEqual(header.count, weights.count + 1)
    }

    func testAFileNamesItsFormat() {
        XCTAssertEqual(ModelFileFormat(path: "out/Model.ONNX"), .onnx)
        XCTAssertEqual(ModelFileFormat(path: "w.safetensors"), .safetensors)
        XCTAssertNil(ModelFileFormat(path: "w.npy"))
    }
}
