import Foundation
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

    func testSoftAssignmentLayer() {
        var generator = SeededGenerator(seed: 12)
        check(SoftAssignment(centres: randomTensor([4, 3], &generator)), inputShape: [5, 3], parameterSizes: [12])
    }

    /// DEC's pieces against direct computations: q from the t kernel, p = (q²/f) normalised,
    /// KL(P‖Q) and — through the layer — its gradient in z and μ by finite differences.
    func testDECAssignmentsTargetAndKLGradient() {
        let codes = Tensor(shape: [3, 2], storage: [0, 0, 1, 0, 0, 2])
        let centres = Tensor(shape: [2, 2], storage: [0, 0, 1, 1])
        let q = SoftAssignment.assignments(of: codes, centres: centres)
        for i in 0..<3 {
            let z = (Double(codes.storage[2 * i]), Double(codes.storage[2 * i + 1]))
            let w = (0..<2).map { j -> Double in
                let mu = (Double(centres.storage[2 * j]), Double(centres.storage[2 * j + 1]))
                return 1 / (1 + (z.0 - mu.0) * (z.0 - mu.0) + (z.1 - mu.1) * (z.1 - mu.1))
            }
            for j in 0..<2 { XCTAssertEqual(Double(q.storage[2 * i + j]), w[j] / (w[0] + w[1]), accuracy: 1e-6) }
        }
        let p = SoftAssignment.targetDistribution(q)
        let f = (0..<2).map { j in (0..<3).reduce(0.0) { $0 + Double(q.storage[2 * $1 + j]) } }
        for i in 0..<3 {
            let raw = (0..<2).map { j in Double(q.storage[2 * i + j]) * Double(q.storage[2 * i + j]) / f[j] }
            for j in 0..<2 { XCTAssertEqual(Double(p.storage[2 * i + j]), raw[j] / (raw[0] + raw[1]), accuracy: 1e-6) }
        }
        let kl = KullbackLeibler.loss(prediction: q, target: p)
        let direct = (0..<6).reduce(0.0) { $0 + Double(p.storage[$1]) * log(Double(p.storage[$1]) / Double(q.storage[$1])) } / 3
        XCTAssertEqual(Double(kl.value), direct, accuracy: 1e-6)

        // The gradient of KL(P‖Q(z, μ)) with P held fixed, as self-training uses it.
        var generator = SeededGenerator(seed: 13)
        let z = randomTensor([6, 3], &generator), mu = randomTensor([4, 3], &generator)
        let target = SoftAssignment.targetDistribution(SoftAssignment.assignments(of: randomTensor([6, 3], &generator), centres: mu))
        var layer = SoftAssignment(centres: mu)
        let loss = KullbackLeibler.loss(prediction: layer.forward(z), target: target)
        let zGradient = layer.backward(loss.gradient)
        let muGradient = layer.centres.gradient
        func divergence(_ codes: Tensor, _ centres: Tensor) -> Double {
            Double(KullbackLeibler.loss(prediction: SoftAssignment.assignments(of: codes, centres: centres), target: target).value)
        }
        let step: Float = 1e-2
        for index in z.storage.indices {
            var plus = z, minus = z
            plus.storage[index] += step
            minus.storage[index] -= step
            assertClose(zGradient.storage[index], (divergence(plus, mu) - divergence(minus, mu)) / Double(2 * step), "dKL/dz[\(index)]")
        }
        for index in mu.storage.indices {
            var plus = mu, minus = mu
            plus.storage[index] += step
            minus.storage[index] -= step
            assertClose(muGradient.storage[index], (divergence(z, plus) - divergence(z, minus)) / Double(2 * step), "dKL/dμ[\(index)]")
        }
        // DEC's closed form: dL/dz_i = (2/B) Σ_j (1 + ‖z_i − μ_j‖²)⁻¹ (p_ij − q_ij)(z_i − μ_j).
        let assignments = SoftAssignment.assignments(of: z, centres: mu)
        for i in 0..<6 {
            for d in 0..<3 {
                var closed = 0.0
                for j in 0..<4 {
                    var squared = 0.0
                    for e in 0..<3 { squared += pow(Double(z.storage[3 * i + e] - mu.storage[3 * j + e]), 2) }
                    closed += 2 / 6 / (1 + squared) * Double(target.storage[4 * i + j] - assignments.storage[4 * i + j])
                        * Double(z.storage[3 * i + d] - mu.storage[3 * j + d])
                }
                XCTAssertEqual(Double(zGradient.storage[3 * i + d]), closed, accuracy: 1e-5, "closed form z[\(i), \(d)]")
            }
        }
    }
}
