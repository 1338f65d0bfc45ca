// Layer: executable. Times the numeric core on the four training steps of the R-DC models and on
// the other hot paths (exact kNN, k-means, a Phase-1 epoch on Fashion-MNIST).

import ArgumentParser
import Foundation
import RDCMethod
import NumericCore
import RDCSession

/// `rdc bench`: one full training step (forward, backward, optimiser) per case, plus the
/// machine's SGEMM peak, so each case's speed reads as a fraction of what BLAS can do. The
/// hot-path cases run only when named with `--only`; benchmarks/hotpaths_reference.py and
/// torch_reference.py time the same work.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time one training step of the dense and conv autoencoders, plain and with ACAI, and the other hot paths.")

    @Option(help: "Compute threads (default: all cores).")
    var threads: Int?

    @Option(help: "Timed steps per case (the median is reported).")
    var steps: Int = 20

    @Option(help: "Batch size.")
    var batch: Int = 256

    @Option(help: "Run only these cases (the hot paths run only when named); repeatable.")
    var only: [BenchCase] = []

    @Option(help: "Fashion-MNIST images the kNN and k-means cases use (at most 70000).")
    var points = 70_000

    @Option(help: "Fashion-MNIST images the epoch case trains on (at most 70000).")
    var epochImages = 70_000

    @Option(help: "Output format: table or json.")
    var format: OutputFormat = .table

    @Option(help: "Convolution backend: onednn or reference.")
    var backend: ConvolutionBackend = .onednn

    enum OutputFormat: String, ExpressibleByArgument { case table, json }

    /// The timed cases: four training steps, then the hot paths.
    enum BenchCase: String, ExpressibleByArgument, CaseIterable {
        case dense, denseACAI = "dense+acai", conv, convACAI = "conv+acai"
        case knn10 = "knn-10d", knn784 = "knn-784d", kmeans, epoch

        /// The training step of `kind`, with or without the ACAI critic.
        static func step(_ kind: ModelKind, acai: Bool) -> BenchCase {
            switch (kind, acai) {
            case (.dense, false): .dense
            case (.dense, true): .denseACAI
            case (.conv, false): .conv
            case (.conv, true): .convACAI
            }
        }

        static let hotPaths: [BenchCase] = [.knn10, .knn784, .kmeans, .epoch]
    }

    func validate() throws {
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1") }
        guard batch >= 2 else { throw ValidationError("--batch must be at least 2") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        guard (12...70_000).contains(points), (1...70_000).contains(epochImages) else {
            throw ValidationError("--points must be within 12…70000 and --epoch-images within 1…70000")
        }
    }

    func run() throws {
        NumericRuntime.keepFreedMemoryMapped()
        ComputeThreads.set(threads ?? ComputeThreads.processors)
        ConvolutionBackend.current = backend
        let peak = measureGemmPeak()
        var results: [BenchResult] = []
        for kind in [ModelKind.dense, .conv] {
            for acai in [false, true] where only.isEmpty || only.contains(.step(kind, acai: acai)) {
                results.append(try benchmark(kind: kind, acai: acai))
            }
        }
        for hotPath in BenchCase.hotPaths where only.contains(hotPath) {
            results.append(try self.hotPath(hotPath))
        }
        switch format {
        case .json: print(json(results, peak: peak))
        case .table: print(table(results, peak: peak))
        }
    }

    struct BenchResult {
        var name: String
        var medianMilliseconds: Double
        var meanMilliseconds: Double
        /// Floating-point operations of one step, for the training steps.
        var flopsPerStep: Double?
        var gflops: Double? { flopsPerStep.map { $0 / medianMilliseconds / 1e6 } }
    }

    /// One timed run of a hot path on Fashion-MNIST: the points of hotpaths_reference.py (784
    /// pixels, or their means over 10 runs of 78), or one Phase-1 epoch of the conv model.
    private func hotPath(_ hotPath: BenchCase) throws -> BenchResult {
        let name = hotPath.rawValue
        let images = try Dataset.fashionMNIST()
        func time(_ work: () throws -> Void) rethrows -> BenchResult {
            let start = DispatchTime.now().uptimeNanoseconds
            try work()
            let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            return BenchResult(name: name, medianMilliseconds: milliseconds, meanMilliseconds: milliseconds)
        }
        switch hotPath {
        case .epoch:
            let samples = images.samples.rows(0..<min(epochImages, images.count))
            let blueprint = try ModelBlueprint(kind: .conv, inputShape: images.layout.itemShape, latentSize: 10)
            var state = TrainingState(blueprint: blueprint, seed: 0)
            return try time {
                _ = try Trainer.pretrain(&state, samples: samples, epochs: 1, settings: PretrainSettings(),
                                     cancellation: CancellationToken())
            }
        case .kmeans:
            let input = Self.runMeans(images.flattened.rows(0..<points))
            return try time { _ = try KMeans(clusterCount: 10, restarts: 20, seed: 0).fit(input) }
        case .knn10, .knn784, .dense, .denseACAI, .conv, .convACAI:
            let selected = images.flattened.rows(0..<points)
            let input = hotPath == .knn784 ? selected : Self.runMeans(selected)
            _ = try NearestNeighbours.search(input.rows(0..<min(1000, points)), neighbours: 10)  // warm-up, as the reference's
            return try time { _ = try NearestNeighbours.search(input, neighbours: 10) }
        }
    }

    /// [n, 784] pixels → [n, 10]: the means of 10 consecutive runs of 78 pixels, the last run
    /// taking the 4 left over.
    static func runMeans(_ pixels: Tensor) -> Tensor {
        let n = pixels.batchSize, width = pixels.itemSize
        var means = Tensor(shape: [n, 10])
        for row in 0..<n {
            for run in 0..<10 {
                let range = (run * 78)..<(run == 9 ? width : (run + 1) * 78)
                var sum: Float = 0
                for column in range { sum += pixels.storage[row * width + column] }
                means.storage[row * 10 + run] = sum / Float(range.count)
            }
        }
        return means
    }

    private func benchmark(kind: ModelKind, acai: Bool) throws -> BenchResult {
        let blueprint = try ModelBlueprint(kind: kind, inputShape: [1, 28, 28], latentSize: 10)
        var generator = SeededGenerator(seed: 0)
        var autoencoder = blueprint.makeAutoencoder(generator: &generator)
        var critic = blueprint.makeCritic(generator: &generator)
        var input = Tensor(shape: [batch, 1, 28, 28])
        for i in input.storage.indices { input.storage[i] = generator.nextUniform() }
        let settings = ACAISettings(criticEnabled: acai)
        var autoencoderOptimizer = Adam(), criticOptimizer = Adam()
        var timings: [Double] = []
        for step in 0..<(steps + 3) {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try AutoencoderStep.train(autoencoder: &autoencoder, critic: &critic, batch: input, settings: settings,
                               autoencoderOptimizer: &autoencoderOptimizer, criticOptimizer: &criticOptimizer,
                               generator: &generator)
            if step >= 3 { timings.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6) }
        }
        timings.sort()
        let median = timings.count % 2 == 1 ? timings[timings.count / 2]
            : (timings[timings.count / 2 - 1] + timings[timings.count / 2]) / 2
        let encoderMACs = Double(multiplyAccumulates(autoencoder.encoder, itemShape: [1, 28, 28]))
        let decoderMACs = Double(multiplyAccumulates(autoencoder.decoder, itemShape: [blueprint.latentSize]))
        // Forward, weight gradient and input gradient each cost one product per layer; with ACAI the
        // decoder runs on 2n items, the frozen critic does forward + input gradient on n items and
        // forward + weight gradient on 2n.
        let perItem = acai ? 3 * encoderMACs + 6 * decoderMACs + 2 * encoderMACs + 4 * encoderMACs
                           : 3 * (encoderMACs + decoderMACs)
        return BenchResult(name: kind.rawValue + (acai ? "+acai" : ""), medianMilliseconds: median,
                           meanMilliseconds: timings.reduce(0, +) / Double(timings.count),
                           flopsPerStep: 2 * perItem * Double(batch))
    }

    /// Multiply-accumulates of one forward pass for one item, read off the network's layers.
    private func multiplyAccumulates(_ network: Sequential, itemShape: [Int]) -> Int {
        var network = network
        var x = Tensor(shape: [1] + itemShape)
        var total = 0
        for index in network.layers.indices {
            let y = network.layers[index].forward(x)
            switch network.layers[index] {
            case let dense as Dense:
                total += dense.inputSize * dense.outputSize
            case let conv as Conv2D:
                total += conv.outChannels * conv.inChannels * conv.kernel * conv.kernel * y.shape[2] * y.shape[3]
            case let transposed as ConvTranspose2D:
                total += transposed.inChannels * transposed.outChannels * transposed.kernel * transposed.kernel
                    * x.shape[2] * x.shape[3]
            default:
                break
            }
            x = y
        }
        return total
    }

    /// GFLOP/s of a 1024³ SGEMM (best of a few runs).
    private func measureGemmPeak() -> Double {
        let size = 1024
        var generator = SeededGenerator(seed: 1)
        let a = (0..<(size * size)).map { _ in generator.nextUniform() }
        let b = (0..<(size * size)).map { _ in generator.nextUniform() }
        var c = [Float](repeating: 0, count: size * size)
        var best = Double.infinity
        for _ in 0..<5 {
            let start = DispatchTime.now().uptimeNanoseconds
            parallelGemm(m: size, n: size, k: size, a: a, b: b, c: &c)
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return 2 * Double(size * size * size) / best / 1e9
    }

    private func json(_ results: [BenchResult], peak: Double) -> String {
        let cases = results.map { result -> [String: Any] in
            var fields: [String: Any] = ["name": result.name, "ms_per_step": result.medianMilliseconds,
                                         "mean_ms": result.meanMilliseconds]
            if let gflops = result.gflops {
                fields["gflops"] = gflops
                fields["fraction_of_gemm_peak"] = gflops / peak
            }
            return fields
        }
        let object: [String: Any] = ["implementation": "swift", "version": RDCVersion.current,
                                     "threads": ComputeThreads.count, "batch": batch, "steps": steps,
                                     "gemm_gflops": peak, "cases": cases, "backend": backend.rawValue,
                                     "cpu": MachineDescription.cpuModel, "onednn": ConvolutionBackend.oneDNNDescription,
                                     "onednn_kernels": ConvolutionBackend.oneDNNImplementations,
                                     "fallbacks": ConvolutionBackend.fallbackNotes]
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    private func table(_ results: [BenchResult], peak: Double) -> String {
        var lines = [String(format: "rdc bench: batch %d, %d threads, %d timed steps per case", batch, ComputeThreads.count, steps),
                     "CPU \(MachineDescription.cpuModel); convolutions on \(backend.rawValue) (\(ConvolutionBackend.oneDNNDescription))",
                     String(format: "sgemm 1024³: %.1f GFLOP/s", peak),
                     "case          ms/step   GFLOP/s   of peak"]
        for result in results {
            let name = result.name.padding(toLength: 12, withPad: " ", startingAt: 0)
            guard let gflops = result.gflops else {
                lines.append(name + String(format: " %8.1f", result.medianMilliseconds))
                continue
            }
            lines.append(name + String(format: " %8.2f %9.1f %8.0f%%", result.medianMilliseconds, gflops, 100 * gflops / peak))
        }
        return lines.joined(separator: "\n")
    }
}

extension ConvolutionBackend: ExpressibleByArgument {}

/// What the benchmark reports say about the machine they ran on.
enum MachineDescription {
    /// The first "model name" of /proc/cpuinfo, e.g. "AMD EPYC".
    static var cpuModel: String {
        let text = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let line = text.split(separator: "\n").first { $0.hasPrefix("model name") }
        return line.flatMap { $0.split(separator: ":", maxSplits: 1).last }.map { $0.trimmingCharacters(in: .whitespaces) }
            ?? "unknown CPU"
    }
}
