// Layer: executable. `rdc quality`: the whole R-DC pipeline on a dataset, scored against labels.

import ArgumentParser
import Foundation
import RDCMethod
import NumericCore

/// Runs raw-pixel k-means, Phase 1 and Phase 2 for each seed and prints ACC, NMI, ARI and F1
/// after each, with the wall time of each phase: the figures RESULTS.md reports.
struct QualityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quality",
        abstract: "Score R-DC (raw k-means, after Phase 1, after both phases) on a labelled dataset.")

    @Option(help: "Dataset: digits, fashion-mnist or synthetic.")
    var data = "digits"

    @Option(help: "Use at most this many samples (0: all).")
    var limit = 0

    @Option(help: "Model: dense or conv.")
    var model: String = "dense"

    @Option(help: "Phase 1 epochs.")
    var pretrain = 30

    @Option(help: "Phase 2 epochs.")
    var refine = 20

    @Option(help: "Comma-separated seeds.")
    var seeds = "0"

    @Option(help: "k-means restarts on the embeddings.")
    var restarts = 20

    @Option(help: "k-means restarts on raw pixels (0 skips the raw baseline).")
    var rawRestarts = 20

    @Option(help: "Compute threads (default: all cores).")
    var threads: Int?

    @Option(help: "Convolution backend: onednn or reference.")
    var backend: ConvolutionBackend = .onednn

    func run() throws {
        NumericRuntime.keepFreedMemoryMapped()
        ComputeThreads.set(threads ?? ComputeThreads.processors)
        ConvolutionBackend.current = backend
        guard let kind = ModelKind(rawValue: model) else { throw ValidationError("--model must be dense or conv") }
        let seedList = try seeds.split(separator: ",").map { text -> UInt64 in
            guard let seed = UInt64(text.trimmingCharacters(in: .whitespaces)) else { throw ValidationError("bad seed `\(text)`") }
            return seed
        }
        var dataset = try load()
        if limit > 0 { dataset = try dataset.limited(to: limit, seed: 0) }
        guard let labels = dataset.labels else { throw ValidationError("\(data) has no labels to score against") }
        let k = Set(labels).count
        print("rdc quality: \(dataset.name), \(dataset.count) samples, \(dataset.layout), k=\(k), model \(kind.rawValue), "
              + "\(pretrain)+\(refine) epochs, \(ComputeThreads.count) threads, convolutions on \(backend.rawValue) "
              + "(\(ConvolutionBackend.oneDNNDescription)), CPU \(MachineDescription.cpuModel)")
        fflush(stdout)
        if rawRestarts > 0 {
            let start = Date()
            let raw = try KMeans(clusterCount: k, restarts: rawRestarts, seed: 0).fit(dataset.flattened)
            report("raw k-means", try ClusteringMetrics.evaluate(labels: labels, clusters: raw.assignments),
                   seconds: Date().timeIntervalSince(start))
        }
        for seed in seedList {
            let blueprint = try ModelBlueprint(kind: kind, inputShape: dataset.layout.itemShape, latentSize: 10)
            var state = TrainingState(blueprint: blueprint, seed: seed)
            let token = CancellationToken()
            var start = Date()
            _ = try Trainer.pretrain(&state, samples: dataset.samples, epochs: pretrain, settings: PretrainSettings(),
                                 cancellation: token, observer: epochPrinter(seed: seed))
            let phase1Seconds = Date().timeIntervalSince(start)
            report("seed \(seed) Phase 1", try score(state, dataset, labels, k, seed), seconds: phase1Seconds,
                   perEpoch: phase1Seconds / Double(max(pretrain, 1)))
            start = Date()
            _ = try Trainer.refine(&state, samples: dataset.samples, epochs: refine, settings: RefineSettings(),
                                   cancellation: token, observer: epochPrinter(seed: seed))
            let phase2Seconds = Date().timeIntervalSince(start)
            report("seed \(seed) both phases", try score(state, dataset, labels, k, seed), seconds: phase2Seconds,
                   perEpoch: phase2Seconds / Double(max(refine, 1)))
        }
    }

    private func load() throws -> Dataset {
        switch data {
        case "digits": return try Dataset.digits()
        case "fashion-mnist": return try Dataset.fashionMNIST()
        case "synthetic": return try Dataset.syntheticShapes(count: 2000)
        default: throw ValidationError("--data must be digits, fashion-mnist or synthetic")
        }
    }

    private func score(_ state: TrainingState, _ dataset: Dataset, _ labels: [Int], _ k: Int, _ seed: UInt64) throws -> ClusteringScores {
        let embeddings = ProximityTargets.normalisedRows(Trainer.embed(state.autoencoder, samples: dataset.samples))
        let clustering = try KMeans(clusterCount: k, restarts: restarts, seed: seed).fit(embeddings)
        return try ClusteringMetrics.evaluate(labels: labels, clusters: clustering.assignments)
    }

    private func epochPrinter(seed: UInt64) -> TrainingObserver {
        TrainingObserver { progress in
            guard progress.moment == .epochEnd else { return }
            print(String(format: "  seed %llu %@ epoch %d  %@  (%.1fs into the run)", seed, progress.phase.rawValue,
                         progress.epoch, NamedLoss.text(progress.losses), progress.elapsedSeconds))
            fflush(stdout)
        }
    }

    private func report(_ what: String, _ scores: ClusteringScores, seconds: Double, perEpoch: Double? = nil) {
        var line = String(format: "%-24@ ACC %.3f  NMI %.3f  ARI %.3f  F1-macro %.3f  F1-micro %.3f  %.1fs",
                          what as NSString, scores.accuracy, scores.normalizedMutualInformation, scores.adjustedRandIndex,
                          scores.f1Macro, scores.f1Micro, seconds)
        if let perEpoch { line += String(format: " (%.1fs/epoch)", perEpoch) }
        print(line)
        fflush(stdout)
    }
}
