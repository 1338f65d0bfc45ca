import XCTest
import NumericCore

final class CoreBehaviourTests: XCTestCase {
    func testSameSeedSameSequence() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42)
        XCTAssertEqual((0..<100).map { _ in a.next() }, (0..<100).map { _ in b.next() })
        XCTAssertEqual(a.permutation(10).sorted(), Array(0..<10))
        var c = SeededGenerator(seed: 43)
        XCTAssertNotEqual(a.next(), c.next())
    }

    func testGemmMatchesNaiveProduct() {
        let a: [Float] = [1, 2, 3, 4, 5, 6]      // 2×3
        let b: [Float] = [7, 8, 9, 10, 11, 12]   // 3×2
        var c = [Float](repeating: 0, count: 4)
        gemm(m: 2, n: 2, k: 3, a: a, b: b, c: &c)
        XCTAssertEqual(c, [58, 64, 139, 154])
        var d = [Float](repeating: 0, count: 9)
        gemm(transposeA: true, transposeB: true, m: 3, n: 3, k: 2, a: a, b: b, c: &d)
        XCTAssertEqual(d, [39, 49, 59, 54, 68, 82, 69, 87, 105])  // Aᵀ(3×2) · Bᵀ(2×3)
    }

    func testParallelGemmMatchesSingleThreadedGemmInEveryLayout() {
        var generator = SeededGenerator(seed: 5)
        let saved = ComputeThreads.count
        defer { ComputeThreads.set(saved) }
        ComputeThreads.set(3)
        // Tall (split by rows) and wide (split by columns) products, every transpose combination.
        for (m, n, k) in [(301, 67, 257), (35, 517, 200)] {  // big enough for three bands
            let a = (0..<(m * k)).map { _ in generator.nextUniform(-1, 1) }
            let b = (0..<(k * n)).map { _ in generator.nextUniform(-1, 1) }
            let start = (0..<(m * n)).map { _ in generator.nextUniform(-1, 1) }
            for transposeA in [false, true] {
                for transposeB in [false, true] {
                    var expected = start, actual = start
                    gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 0.5,
                         a: a, b: b, beta: 1, c: &expected)
                    parallelGemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 0.5,
                                 a: a, b: b, beta: 1, c: &actual)
                    for (x, y) in zip(expected, actual) {
                        XCTAssertEqual(x, y, accuracy: 1e-4, "\(m)×\(n)×\(k) transposeA \(transposeA) transposeB \(transposeB)")
                    }
                }
            }
        }
    }

    /// The convolutions hand each thread a slice of the batch and take a slice through im2col,
    /// GEMM and col2im in blocks of about 1 MB of columns; slices and blocks must add up to the
    /// single-threaded result (outputs, input and parameter gradients).
    func testConvolutionsGiveTheSameResultsOnOneAndThreeThreads() {
        var generator = SeededGenerator(seed: 6)
        // Small images: one block per slice. Larger ones: 10 (conv) and 6 (transposed) images per
        // block, so a 23-image batch takes several blocks on one thread and fewer on three.
        let small = Sequential([
            Conv2D(inChannels: 2, outChannels: 4, kernel: 5, stride: 2, padding: 2, generator: &generator),
            LeakyReLU(slope: 0.2),
            ConvTranspose2D(inChannels: 4, outChannels: 3, kernel: 3, stride: 2, padding: 1, outputPadding: 1,
                            generator: &generator),
        ])
        let large = Sequential([
            Conv2D(inChannels: 4, outChannels: 8, kernel: 5, stride: 1, padding: 2, generator: &generator),
            LeakyReLU(slope: 0.2),
            ConvTranspose2D(inChannels: 8, outChannels: 6, kernel: 5, stride: 2, padding: 2, outputPadding: 1,
                            generator: &generator),
        ])
        let saved = ComputeThreads.count
        defer { ComputeThreads.set(saved) }
        for (network, inputShape, outputShape) in [(small, [7, 2, 10, 10], [7, 3, 10, 10]),
                                                   (large, [23, 4, 16, 16], [23, 6, 32, 32])] {
            let count = inputShape.reduce(1, *)
            let input = Tensor(shape: inputShape, storage: (0..<count).map { _ in generator.nextUniform(-1, 1) })
            func run(threads: Int) -> [Tensor] {
                ComputeThreads.set(threads)
                var copy = network
                let output = copy.forward(input)
                var results = [output, copy.backward(output)]
                copy.visitParameters { results.append($0.gradient) }
                return results
            }
            let single = run(threads: 1), several = run(threads: 3)
            XCTAssertEqual(single[0].shape, outputShape)
            for (expected, actual) in zip(single, several) {
                XCTAssertEqual(expected.shape, actual.shape)
                for (x, y) in zip(expected.storage, actual.storage) {
                    XCTAssertEqual(x, y, accuracy: 1e-4 * max(1, abs(x)), "\(inputShape)")
                }
            }
        }
    }

    func testParameterArchiveRoundTripAndCorruption() throws {
        var generator = SeededGenerator(seed: 3)
        var model = Sequential([Dense(inputSize: 4, outputSize: 3, generator: &generator), ReLU(),
                                Conv2D(inChannels: 1, outChannels: 2, kernel: 3, generator: &generator)])
        let bytes = ParameterArchive.encode(model.parameterValues)
        XCTAssertEqual(try ParameterArchive.decode(bytes), model.parameterValues)
        var corrupted = bytes
        corrupted[20] ^= 1
        XCTAssertThrowsError(try ParameterArchive.decode(corrupted)) { error in
            XCTAssertEqual(error as? ParameterArchiveError, .malformed("checksum mismatch"))
        }
        XCTAssertThrowsError(try ParameterArchive.decode(Array(bytes.prefix(30))))
        var other = Sequential([Dense(inputSize: 5, outputSize: 3, generator: &generator)])
        XCTAssertThrowsError(try other.loadParameterValues(model.parameterValues))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rdc-params-\(UUID()).bin").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ParameterArchive.save(model, to: path)
        var restored = Sequential([Dense(inputSize: 4, outputSize: 3, generator: &generator), ReLU(),
                                   Conv2D(inChannels: 1, outChannels: 2, kernel: 3, generator: &generator)])
        try ParameterArchive.load(&restored, from: path)
        XCTAssertEqual(restored.parameterValues, model.parameterValues)
        model.zeroGradients()
    }

    func testParameterArchiveSizesAreCheckedBeforeAllocating() {
        /// An archive whose body is `words` (u32s after magic and version), with a valid CRC.
        func archive(_ words: [UInt32], floats: Int = 0) -> [UInt8] {
            var writer = ByteWriter()
            writer.bytes = ParameterArchive.magic
            writer.append(ParameterArchive.version)
            for word in words { writer.append(word) }
            writer.append([Float](repeating: 1, count: floats))
            writer.append(CRC32.checksum(writer.bytes))
            return writer.bytes
        }
        func assertMalformed(_ bytes: [UInt8], _ fragment: String, line: UInt = #line) {
            XCTAssertThrowsError(try ParameterArchive.decode(bytes), line: line) { error in
                XCTAssertTrue("\(error)".contains(fragment), "'\(error)' lacks '\(fragment)'", line: line)
            }
        }
        assertMalformed(archive([0xFFFF_FFFF]), "tensor count 4294967295: needs 17179869180 bytes")
        assertMalformed(archive([1, 3, 0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF]), "overflows")
        assertMalformed(archive([1, 2, 100_000, 100_000], floats: 4), "needs 40000000000 bytes")
        assertMalformed(archive([1, 9]), "rank 9 is implausible")
        assertMalformed(ParameterArchive.encode([Tensor(shape: [1], storage: [.nan])]), "NaN")
        XCTAssertEqual(try ParameterArchive.decode(archive([1, 1, 2], floats: 2)), [Tensor(shape: [2], storage: [1, 1])])
    }

    func testCRC32MatchesKnownValue() {
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
    }

    func testAdamMovesAgainstGradientAndClearsIt() {
        var generator = SeededGenerator(seed: 5)
        var layer = Dense(inputSize: 2, outputSize: 1, generator: &generator)
        let before = layer.weight.value.storage
        layer.weight.gradient.storage = [1, -1]
        var adam = Adam(learningRate: 0.1)
        adam.update(&layer)
        XCTAssertEqual(layer.weight.value.storage[0], before[0] - 0.1, accuracy: 1e-5)
        XCTAssertEqual(layer.weight.value.storage[1], before[1] + 0.1, accuracy: 1e-5)
        XCTAssertEqual(layer.weight.gradient.storage, [0, 0])
        layer.weight.gradient.storage = [1, 0]
        var sgd = SGD(learningRate: 0.5, momentum: 0.9)
        sgd.update(&layer)
        XCTAssertEqual(layer.weight.value.storage[0], before[0] - 0.6, accuracy: 1e-5)
    }

    func testACopiedOptimiserKeepsItsOwnMoments() {
        var generator = SeededGenerator(seed: 6)
        var layer = Dense(inputSize: 3, outputSize: 2, generator: &generator)
        var original = Adam()
        layer.weight.gradient.storage = [1, 2, 3, 4, 5, 6]
        original.update(&layer)
        let snapshot = original
        layer.weight.gradient.storage = [6, 5, 4, 3, 2, 1]
        original.update(&layer)
        XCTAssertEqual(snapshot.step, 1)
        XCTAssertNotEqual(snapshot.firstMoments, original.firstMoments)
        XCTAssertEqual(snapshot.firstMoments[0].map(\.bitPattern), [1, 2, 3, 4, 5, 6].map { ((1 - Float(0.9)) * $0).bitPattern })
    }
}
