// Layer: executable. Times the numeric core on the four training steps of the R-DC models.

import ArgumentParser
import Foundation
import RDCMethod
import NumericCore

/// `rdc bench`: one full training step (forward, backward, optimiser) per case, plus the
/// machine's SGEMM peak, so each case's speed reads as a fraction of what BLAS can do.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time one training step of the dense and conv autoencoders, plain and with ACAI.")

    @Option(help: "Compute threads (default: all cores).")
    var threads: Int?

    @Option(help: "Timed steps per case (the median is reported).")
    var steps: Int = 20

    @Option(help: "Batch size.")
    var batch: Int = 256

    @Option(help: "Run only these cases (dense, dense+acai, conv, conv+acai); repeatable.")
    var only: [String] = []

    @Option(help: "Output format: table or json.")
    var format: OutputFormat = .table

    enum OutputFormat: String, ExpressibleByArgument { case table, json }

    func validate() throws {
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1") }
        guard batch >= 2 else { throw ValidationError("--batch must be at least 2") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        let known = ["dense", "dense+acai", "conv", "conv+acai"]
        if let unknown = only.first(where: { !known.contains($0) }) {
            throw ValidationError("unknown case `\(unknown)`; the cases are \(known.joined(separator: ", "))")
        }
    }

    func run() throws {
        NumericRuntime.keepFreedMemoryMapped()
        ComputeThreads.set(threads ?? ComputeThreads.processors)
        let peak = measureGemmPeak()
        var results: [BenchResult] = []
        for kind in [ModelKind.dense, .conv] {
            for acai in [false, true] where only.isEmpty || only.contains(kind.rawValue + (acai ? "+acai" : "")) {
                results.append(try benchmark(kind: kind, acai: acai))
            }
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
        var flopsPerStep: Double
        var gflops: Double { flopsPerStep / medianMilliseconds / 1e6 }
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
            ["name": result.name, "ms_per_step": result.medianMilliseconds, "mean_ms": result.meanMilliseconds,
             "gflops": result.gflops, "fraction_of_gemm_peak": result.gflops / peak]
        }
        let object: [String: Any] = ["implementation": "swift", "version": RDCVersion.current,
                                     "threads": ComputeThreads.count, "batch": batch, "steps": steps,
                                     "gemm_gflops": peak, "cases": cases]
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    private func table(_ results: [BenchResult], peak: Double) -> String {
        var lines = [String(format: "rdc bench: batch %d, %d threads, %d timed steps per case", batch, ComputeThreads.count, steps),
                     String(format: "sgemm 1024³: %.1f GFLOP/s", peak),
                     "case          ms/step   GFLOP/s   of peak"]
        for result in results {
            let name = result.name.padding(toLength: 12, withPad: " ", startingAt: 0)
            lines.append(name + String(format: " %8.2f %9.1f %8.0f%%", result.medianMilliseconds,
                                       result.gflops, 100 * result.gflops / peak))
        }
        return lines.joined(separator: "\n")
    }
}
