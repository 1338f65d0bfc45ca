import XCTest
import NumericCore

/// Checks every layer's backward pass against central finite differences of
/// L = Σ output ⊙ G for a fixed random G.
final class GradientCheckTests: XCTestCase {
    private func randomTensor(_ shape: [Int], _ generator: inout SeededGenerator, awayFromZero: Bool = false) -> Tensor {
        var tensor = Tensor(shape: shape)
        for i in tensor.storage.indices {
            var value = generator.nextUniform(-1, 1)
            // Keep activations' kinks out of reach of the finite-difference step.
            if awayFromZero && abs(value) < 0.1 { value += value < 0 ? -0.1 : 0.1 }
            tensor.storage[i] = value
        }
        return tensor
    }

    private func weightedSum(_ output: Tensor, _ weights: Tensor) -> Double {
        zip(output.storage, weights.storage).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }

    private func assertClose(_ analytic: Float, _ numeric: Double, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let tolerance = 2e-2 * max(1, abs(numeric))
        XCTAssertLessThanOrEqual(abs(Double(analytic) - numeric), tolerance, "\(what): analytic \(analytic) vs numeric \(numeric)", file: file, line: line)
    }

    /// Compares input and parameter gradients at up to `samples` positions each.
    private func check<L: Layer>(_ layer: L, inputShape: [Int], parameterSizes: [Int], awayFromZero: Bool = false, seed: UInt64 = 1,
                                 file: StaticString = #filePath, line: UInt = #line) {
        var generator = SeededGenerator(seed: seed)
        var layer = layer
        let input = randomTensor(inputShape, &generator, awayFromZero: awayFromZero)
        var probe = layer
        let output = probe.forward(input)
        let upstream = randomTensor(output.shape, &generator)
        layer.zeroGradients()
        _ = layer.forward(input)
        let inputGradient = layer.backward(upstream)
        var analyticParameters: [Tensor] = []
        layer.visitParameters { analyticParameters.append($0.gradient) }
        // A layer that stopped exposing a parameter would otherwise pass unchecked.
        XCTAssertEqual(analyticParameters.map(\.count), parameterSizes, "\(L.self) parameters", file: file, line: line)
        let epsilon: Float = 1e-2

        func loss(_ candidate: L, _ x: Tensor) -> Double {
            var copy = candidate
            return weightedSum(copy.forward(x), upstream)
        }
        let inputPositions = stride(from: 0, to: input.count, by: max(1, input.count / 40))
        for index in inputPositions {
            var plus = input, minus = input
            plus.storage[index] += epsilon
            minus.storage[index] -= epsilon
            let numeric = (loss(layer, plus) - loss(layer, minus)) / Double(2 * epsilon)
            assertClose(inputGradient.storage[index], numeric, "\(L.self) input[\(index)]", file: file, line: line)
        }
        for (parameterIndex, analytic) in analyticParameters.enumerated() {
            for index in stride(from: 0, to: analytic.count, by: max(1, analytic.count / 25)) {
                func perturbed(_ delta: Float) -> L {
                    var copy = layer
                    var visit = 0
                    copy.visitParameters { parameter in
                        if visit == parameterIndex { parameter.value.storage[index] += delta }
                        visit += 1
                    }
                    return copy
                }
                let numeric = (loss(perturbed(epsilon), input) - loss(perturbed(-epsilon), input)) / Double(2 * epsilon)
                assertClose(analytic.storage[index], numeric, "\(L.self) parameter \(parameterIndex)[\(index)]", file: file, line: line)
            }
        }
    }

    func testDense() {
        var generator = SeededGenerator(seed: 7)
        check(Dense(inputSize: 13, outputSize: 7, generator: &generator), inputShape: [5, 13], parameterSizes: [91, 7])
    }

    func testActivations() {
        check(ReLU(), inputShape: [4, 11], parameterSizes: [], awayFromZero: true)
        check(LeakyReLU(slope: 0.2), inputShape: [4, 11], parameterSizes: [], awayFromZero: true)
        check(Sigmoid(), inputShape: [4, 11], parameterSizes: [])
        check(Reshape([2, 3, 2]), inputShape: [3, 12], parameterSizes: [])
    }

    /// Runs `body` once on each convolution backend, then restores the default.
    private func onEveryBackend(_ body: () -> Void) {
        defer { ConvolutionBackend.current = .onednn }
        for backend in ConvolutionBackend.allCases {
            ConvolutionBackend.current = backend
            body()
        }
    }

    func testConvolutionStridedAndPadded() {
        onEveryBackend {
            var generator = SeededGenerator(seed: 8)
            check(Conv2D(inChannels: 2, outChannels: 3, kernel: 5, stride: 2, padding: 2, generator: &generator), inputShape: [2, 2, 9, 7], parameterSizes: [150, 3])
            check(Conv2D(inChannels: 3, outChannels: 2, kernel: 3, stride: 1, padding: 0, generator: &generator), inputShape: [2, 3, 6, 6], parameterSizes: [54, 2])
            check(Conv2D(inChannels: 1, outChannels: 2, kernel: 3, stride: 2, padding: 1, generator: &generator), inputShape: [3, 1, 8, 8], parameterSizes: [18, 2])
        }
    }

    func testTransposedConvolutionWithOutputPadding() {
        onEveryBackend {
            var generator = SeededGenerator(seed: 9)
            let withOutputPadding = ConvTranspose2D(inChannels: 3, outChannels: 2, kernel: 5, stride: 2, padding: 2,
                                                    outputPadding: 1, generator: &generator)
            XCTAssertEqual(withOutputPadding.outputSize(height: 7, width: 5).height, 14)
            check(withOutputPadding, inputShape: [2, 3, 4, 3], parameterSizes: [150, 2])
            check(ConvTranspose2D(inChannels: 2, outChannels: 3, kernel: 3, stride: 2, padding: 0, generator: &generator), inputShape: [2, 2, 3, 3], parameterSizes: [54, 3])
            check(ConvTranspose2D(inChannels: 2, outChannels: 2, kernel: 3, stride: 1, padding: 1, generator: &generator), inputShape: [2, 2, 4, 4], parameterSizes: [36, 2])
            check(ConvTranspose2D(inChannels: 4, outChannels: 1, kernel: 5, stride: 2, padding: 2, outputPadding: 1,
                                  generator: &generator), inputShape: [2, 4, 4, 4], parameterSizes: [100, 1])
        }
    }

    func testSequentialStack() {
        onEveryBackend {
            var generator = SeededGenerator(seed: 10)
            let network = Sequential([
                Conv2D(inChannels: 1, outChannels: 2, kernel: 3, stride: 2, padding: 1, generator: &generator),
                LeakyReLU(slope: 0.2),
                Reshape.flatten(itemSize: 2 * 4 * 4),
                Dense(inputSize: 32, outputSize: 5, generator: &generator),
                Sigmoid(),
            ])
            check(network, inputShape: [2, 1, 8, 8], parameterSizes: [18, 2, 160, 5])
        }
        XCTAssertEqual(ConvolutionBackend.fallbackNotes, [])
    }

    func testMeanSquaredErrorGradient() {
        var generator = SeededGenerator(seed: 11)
        let prediction = randomTensor([3, 5], &generator), target = randomTensor([3, 5], &generator)
        for reduction in [MeanSquaredError.Reduction.sumPerItemMeanOverBatch, .meanOverValues] {
            let result = MeanSquaredError.loss(prediction: prediction, target: target, reduction: reduction)
            for index in [0, 4, 9, 14] {
                var plus = prediction, minus = prediction
                plus.storage[index] += 1e-2
                minus.storage[index] -= 1e-2
                let numeric = Double(MeanSquaredError.loss(prediction: plus, target: target, reduction: reduction).value
                                     - MeanSquaredError.loss(prediction: minus, target: target, reduction: reduction).value) / 2e-2
                assertClose(result.gradient.storage[index], numeric, "mse[\(index)]")
            }
        }
    }
}
