// Layer: model exchange (beside the method). May use RDCMethod, NumericCore and the ONNX
// messages generated into Generated/ (see Generated/README.md); never the session. A network
// chain as an ONNX model: one node per operation, weights as initialisers under their
// PyTorch names, a dynamic batch dimension named N.

import Foundation
import NumericCore
import SwiftProtobuf

/// The ONNX form of a network chain.
enum ONNXModel {
    /// The operator set the nodes are written against (ReduceMean still takes `axes` as an
    /// attribute here; it became an input in 18).
    static let opsetVersion: Int64 = 17
    /// The IR version that goes with opset 17.
    static let irVersion: Int64 = 8

    /// The serialised model: `chain` from an input named `inputName` to `outputName`, with
    /// `metadata` in the model's `metadata_props`.
    static func bytes(of chain: NetworkChain, graphName: String, inputName: String, outputName: String,
                      metadata: [(key: String, value: String)], producerVersion: String) throws -> [UInt8] {
        var graph = Onnx_GraphProto()
        graph.name = graphName
        graph.input = [valueInfo(inputName, itemShape: chain.inputShape)]
        graph.output = [valueInfo(outputName, itemShape: chain.outputShape)]
        var current = inputName
        for (index, step) in chain.steps.enumerated() {
            let output = index == chain.steps.count - 1 ? outputName : "\(step.module).output"
            let (nodes, initialisers) = translate(step, input: current, output: output)
            graph.node += nodes
            graph.initializer += initialisers
            current = output
        }
        if chain.steps.isEmpty {
            graph.node.append(node("Identity", name: "identity", inputs: [inputName], outputs: [outputName]))
        }

        var model = Onnx_ModelProto()
        model.irVersion = irVersion
        model.producerName = "rdc"
        model.producerVersion = producerVersion
        model.docString = "R-DC \(graphName), exported by rdc \(producerVersion)"
        var opset = Onnx_OperatorSetIdProto()
        opset.domain = ""
        opset.version = opsetVersion
        model.opsetImport = [opset]
        model.graph = graph
        model.metadataProps = metadata.map { key, value in
            var entry = Onnx_StringStringEntryProto()
            entry.key = key
            entry.value = value
            return entry
        }
        return try model.serializedBytes()
    }

    private static func translate(_ step: NetworkChain.Step, input: String,
                                  output: String) -> (nodes: [Onnx_NodeProto], initialisers: [Onnx_TensorProto]) {
        let name = step.module
        let parameters = step.operation.parameters.map { floatTensor("\(name).\($0.name)", $0.value) }
        let inputs = [input] + parameters.map(\.name)
        switch step.operation {
        case .linear:
            return ([node("Gemm", name: name, inputs: inputs, outputs: [output], attributes: [integer("transB", 1)])], parameters)
        case .convolution(let weight, _, let stride, let padding):
            let kernel = Int64(weight.shape[2])
            return ([node("Conv", name: name, inputs: inputs, outputs: [output], attributes: [
                integers("kernel_shape", [kernel, kernel]), integers("strides", [Int64(stride), Int64(stride)]),
                integers("pads", Array(repeating: Int64(padding), count: 4)),
            ])], parameters)
        case .transposedConvolution(let weight, _, let stride, let padding, let outputPadding):
            let kernel = Int64(weight.shape[2])
            return ([node("ConvTranspose", name: name, inputs: inputs, outputs: [output], attributes: [
                integers("kernel_shape", [kernel, kernel]), integers("strides", [Int64(stride), Int64(stride)]),
                integers("pads", Array(repeating: Int64(padding), count: 4)),
                integers("output_padding", [Int64(outputPadding), Int64(outputPadding)]),
            ])], parameters)
        case .relu:
            return ([node("Relu", name: name, inputs: inputs, outputs: [output])], [])
        case .leakyReLU(let slope):
            return ([node("LeakyRelu", name: name, inputs: inputs, outputs: [output], attributes: [decimal("alpha", slope)])], [])
        case .sigmoid:
            return ([node("Sigmoid", name: name, inputs: inputs, outputs: [output])], [])
        case .flatten:
            return ([node("Flatten", name: name, inputs: inputs, outputs: [output], attributes: [integer("axis", 1)])], [])
        case .unflatten(let itemShape):
            // 0 keeps the input's batch size (Reshape's default allowzero = 0).
            let shape = int64Tensor("\(name).shape", [0] + itemShape.map(Int64.init))
            return ([node("Reshape", name: name, inputs: [input, shape.name], outputs: [output])], [shape])
        case .meanOfItem:
            return ([node("ReduceMean", name: name, inputs: inputs, outputs: [output],
                          attributes: [integers("axes", [1]), integer("keepdims", 0)])], [])
        }
    }

    private static func node(_ type: String, name: String, inputs: [String], outputs: [String],
                             attributes: [Onnx_AttributeProto] = []) -> Onnx_NodeProto {
        var node = Onnx_NodeProto()
        node.opType = type
        node.name = name
        node.input = inputs
        node.output = outputs
        node.attribute = attributes
        return node
    }

    private static func integer(_ name: String, _ value: Int64) -> Onnx_AttributeProto {
        attribute(name, .int) { $0.i = value }
    }

    private static func integers(_ name: String, _ values: [Int64]) -> Onnx_AttributeProto {
        attribute(name, .ints) { $0.ints = values }
    }

    private static func decimal(_ name: String, _ value: Float) -> Onnx_AttributeProto {
        attribute(name, .float) { $0.f = value }
    }

    private static func attribute(_ name: String, _ type: Onnx_AttributeProto.AttributeType,
                                  value: (inout Onnx_AttributeProto) -> Void) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        attribute.type = type
        value(&attribute)
        return attribute
    }

    /// A float32 initialiser; raw data is little-endian, as ONNX requires.
    private static func floatTensor(_ name: String, _ value: Tensor) -> Onnx_TensorProto {
        var tensor = Onnx_TensorProto()
        tensor.name = name
        tensor.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        tensor.dims = value.shape.map(Int64.init)
        tensor.rawData = value.storage.withUnsafeBytes { Data($0) }
        return tensor
    }

    private static func int64Tensor(_ name: String, _ values: [Int64]) -> Onnx_TensorProto {
        var tensor = Onnx_TensorProto()
        tensor.name = name
        tensor.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
        tensor.dims = [Int64(values.count)]
        tensor.int64Data = values
        return tensor
    }

    /// A float tensor's declaration: batch dimension N, then the item's dimensions.
    private static func valueInfo(_ name: String, itemShape: [Int]) -> Onnx_ValueInfoProto {
        var batch = Onnx_TensorShapeProto.Dimension()
        batch.dimParam = "N"
        var shape = Onnx_TensorShapeProto()
        shape.dim = [batch] + itemShape.map { size in
            var dimension = Onnx_TensorShapeProto.Dimension()
            dimension.dimValue = Int64(size)
            return dimension
        }
        var tensorType = Onnx_TypeProto.Tensor()
        tensorType.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        tensorType.shape = shape
        var type = Onnx_TypeProto()
        type.tensorType = tensorType
        var info = Onnx_ValueInfoProto()
        info.name = name
        info.type = type
        return info
    }
}
