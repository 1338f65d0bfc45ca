import Foundation
import XCTest
import NumericCore

/// The oneDNN backend against the reference (im2col + OpenBLAS) on every (de)convolution the
/// conv autoencoder builds. scripts/test.sh runs these a second time with oneDNN capped at AVX2
/// (`DNNL_MAX_CPU_ISA=AVX2`), so AVX-512 machines also check the AVX2 code paths.
final class OneDNNConvolutionTests: XCTestCase {
    override func setUp() {
        super.setUp()
        ConvolutionBackend.current = .onednn
    }

    override func tearDown() {
        ConvolutionBackend.current = .onednn
        super.tearDown()
    }

    /// One layer of the DCEC stack: built fresh for an input of `inputShape`.
    private struct Case {
        var name: String
        var inputShape: [Int]
        var make: (inout SeededGenerator) -> any Layer
    }

    /// The encoder's three convolutions and the decoder's three transposed ones for C×H×W images,
    /// with the kernels, paddings and output paddings of ModelBlueprint.
    private func autoencoderCases(channels: Int, size: Int, batch: Int) -> [Case] {
        let steps = [(kernel: 5, padding: 2, out: 32), (kernel: 5, padding: 2, out: 64), (kernel: 3, padding: 0, out: 128)]
        var cases: [Case] = []
        var sizes = [size], inChannels = channels
        for step in steps {
            let side = sizes.last!, c = inChannels
            cases.append(Case(name: "conv \(c)→\(step.out) on \(side)²", inputShape: [batch, c, side, side]) {
                Conv2D(inChannels: c, outChannels: step.out, kernel: step.kernel, stride: 2, padding: step.padding,
                       generator: &$0)
            })
            sizes.append((side + 2 * step.padding - step.kernel) / 2 + 1)
            inChannels = step.out
        }
        for index in steps.indices.reversed() {
            let step = steps[index], source = sizes[index + 1], target = sizes[index]
            let outputPadding = target - ((source - 1) * 2 - 2 * step.padding + step.kernel)
            let out = index == 0 ? channels : steps[index - 1].out, c = step.out
            cases.append(Case(name: "transposed \(c)→\(out) \(source)²→\(target)²", inputShape: [batch, c, source, source]) {
                ConvTranspose2D(inChannels: c, outChannels: out, kernel: step.kernel, stride: 2, padding: step.padding,
                                outputPadding: outputPadding, generator: &$0)
            })
        }
        return cases
    }

    /// Forward output, input gradient and every parameter gradient of one forward/backward pair.
    private func pass(_ layer: any Layer, _ input: Tensor, _ upstream: (Tensor) -> Tensor,
                      backend: ConvolutionBackend) -> [Tensor] {
        ConvolutionBackend.current = backend
        var layer = layer
        let output = layer.forward(input)
        var results = [output, layer.backward(upstream(output), needs: .all)]
        layer.visitParameters { results.append($0.gradient) }
        return results
    }

    /// The largest difference relative to the largest reference value, per tensor.
    private func assertClose(_ actual: [Tensor], _ expected: [Tensor], _ what: String,
                             file: StaticString = #filePath, line: UInt = #line) {
        let names = ["output", "input gradient", "weight gradient", "bias gradient"]
        for (index, (a, e)) in zip(actual, expected).enumerated() {
            XCTAssertEqual(a.shape, e.shape, "\(what) \(names[index])", file: file, line: line)
            let scale = e.storage.reduce(Float(0)) { max($0, abs($1)) }
            let worst = zip(a.storage, e.storage).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
            XCTAssertLessThanOrEqual(worst, 1e-4 * max(scale, 1e-6), "\(what) \(names[index]): max |Δ| \(worst) of \(scale)",
                                     file: file, line: line)
        }
    }

    func testMatchesTheReferenceOnEveryAutoencoderShape() {
        XCTAssertTrue(ConvolutionBackend.isOneDNNAvailable, ConvolutionBackend.oneDNNDescription)
        var generator = SeededGenerator(seed: 21)
        // The benchmark's batch of 256 on Fashion-MNIST's shape; small batches for the others
        // (and a batch that does not divide evenly by the thread count).
        let configurations: [(channels: Int, size: Int, batch: Int)] = [(1, 28, 256), (3, 28, 9), (1, 32, 8), (3, 32, 16)]
        for configuration in configurations {
            for layerCase in autoencoderCases(channels: configuration.channels, size: configuration.size,
                                              batch: configuration.batch) {
                let layer = layerCase.make(&generator)
                let count = layerCase.inputShape.reduce(1, *)
                let input = Tensor(shape: layerCase.inputShape, storage: (0..<count).map { _ in generator.nextUniform(-1, 1) })
                let seed = generator.next()
                func upstream(_ output: Tensor) -> Tensor {
                    var local = SeededGenerator(seed: seed)
                    return Tensor(shape: output.shape, storage: (0..<output.count).map { _ in local.nextUniform(-1, 1) })
                }
                let expected = pass(layer, input, upstream, backend: .reference)
                let actual = pass(layer, input, upstream, backend: .onednn)
                assertClose(actual, expected, "\(layerCase.name), batch \(configuration.batch)")
            }
        }
        XCTAssertEqual(ConvolutionBackend.fallbackNotes, [], "no shape fell back to the reference")
        for line in ConvolutionBackend.oneDNNImplementations {
            XCTAssertFalse(line.contains(" ref"), "a reference kernel on a hot path: \(line)")
        }
    }

    /// The critic needs input gradients of its first (one-channel) convolution, and a frozen
    /// network passes only those: every `BackwardNeeds` combination must agree with the reference.
    func testPartialBackwardNeedsMatchTheReference() {
        var generator = SeededGenerator(seed: 22)
        let layer = Conv2D(inChannels: 1, outChannels: 32, kernel: 5, stride: 2, padding: 2, generator: &generator)
        let input = Tensor(shape: [4, 1, 28, 28], storage: (0..<(4 * 784)).map { _ in generator.nextUniform(-1, 1) })
        for needs in [BackwardNeeds.inputOnly, .parametersOnly] {
            var results: [[Tensor]] = []
            for backend in [ConvolutionBackend.reference, .onednn] {
                ConvolutionBackend.current = backend
                var copy = layer
                let output = copy.forward(input)
                var tensors = [copy.backward(output, needs: needs)]
                copy.visitParameters { tensors.append($0.gradient) }
                results.append(tensors)
            }
            XCTAssertEqual(results[1][0].shape, needs.inputGradient ? input.shape : [0])
            assertClose(results[1], results[0], "needs \(needs.parameterGradients)/\(needs.inputGradient)")
        }
    }

    func testSameInputsGiveBitIdenticalResultsAtAFixedThreadCount() {
        var generator = SeededGenerator(seed: 23)
        let layers: [any Layer] = [
            Conv2D(inChannels: 32, outChannels: 64, kernel: 5, stride: 2, padding: 2, generator: &generator),
            ConvTranspose2D(inChannels: 32, outChannels: 1, kernel: 5, stride: 2, padding: 2, outputPadding: 1,
                            generator: &generator),
        ]
        for (layer, shape) in zip(layers, [[32, 32, 14, 14], [32, 32, 14, 14]]) {
            let count = shape.reduce(1, *)
            let input = Tensor(shape: shape, storage: (0..<count).map { _ in generator.nextUniform(-1, 1) })
            let first = pass(layer, input, { $0 }, backend: .onednn), second = pass(layer, input, { $0 }, backend: .onednn)
            XCTAssertEqual(first.map { $0.storage.map(\.bitPattern) }, second.map { $0.storage.map(\.bitPattern) })
        }
    }

    /// `DNNL_MAX_CPU_ISA` is read when oneDNN loads; scripts/test.sh sets it for a second run.
    func testInstructionSetCapTakesEffect() throws {
        let isa = try XCTUnwrap(ConvolutionBackend.oneDNNInstructionSet, ConvolutionBackend.oneDNNDescription)
        let cap = ProcessInfo.processInfo.environment["DNNL_MAX_CPU_ISA"] ?? ProcessInfo.processInfo.environment["ONEDNN_MAX_CPU_ISA"]
        if let cap {
            XCTAssertEqual(isa, cap.lowercased(), "oneDNN ignored DNNL_MAX_CPU_ISA=\(cap)")
        } else {
            XCTAssertTrue(isa.hasPrefix("avx"), "unexpected instruction set \(isa)")
        }
    }
}
