// Layer: executable. `rdc quality`: the whole R-DC pipeline on a dataset, scored against labels.

import ArgumentParser
import Foundation
import RDCMethod
import NumericCore

/// The data sets `rdc quality` scores on.
enum QualityDataset: String, ExpressibleByArgument, CaseIterable {
    case digits, fashionMNIST = "fashion-mnist", synthetic
}

extension ModelKind: ExpressibleByArgument {}

/// Comma-separated seeds, e.g. "0,1,2".
struct SeedList: ExpressibleByArgument {
    let seeds: [UInt64]

    init?(argument: String) {
        let parsed = argument.split(separator: ",").map { UInt64($0.trimmingCharacters(in: .whitespaces)) }
        guard !parsed.isEmpty, parsed.allSatisfy({ $0 != nil }) else { return nil }
        seeds = parsed.map { $0! }
    }

    /// Help shows the list as it is written.
    var defaultValueDescription: String { seeds.map(String.init).joined(separator: ",") }
}

/// Phase 2 neighbourhoods to compare, e.g. "10,gap,stability": a fixed M, or `refine M=auto`'s rules.
struct NeighbourhoodList: ExpressibleByArgument {
    let rules: [(name: String, make: (UInt64) -> NeighbourhoodRule)]

    init?(argument: String) {
        var rules: [(name: String, make: (UInt64) -> NeighbourhoodRule)] = []
        for item in argument.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            // The per-point rules take an optional range, `ratio:3-20`; without one, refine's.
            let parts = item.split(separator: ":", maxSplits: 1).map(String.init)
            let word = parts.first ?? ""
            let defaultRange = word == "jump" ? NeighbourhoodRule.jumpRange : NeighbourhoodRule.ratioAndGapRange
            var range = defaultRange
            if parts.count == 2 {
                let bounds = parts[1].split(separator: "-").compactMap { Int($0) }
                guard ["ratio", "gap", "jump"].contains(word), bounds.count == 2, bounds[0] >= 1, bounds[0] <= bounds[1] else { return nil }
                range = bounds[0]...bounds[1]
            }
            let suffix = range == defaultRange ? "" : ":\(range.lowerBound)-\(range.upperBound)"
            switch word {
            case "gap": rules.append(("M=auto/gap" + suffix, { _ in .largestGap(range) }))
            case "ratio": rules.append(("M=auto/ratio" + suffix, { _ in .largestRatio(range) }))
            case "jump": rules.append(("M=auto/jump" + suffix, { _ in .largestJump(range) }))
            case "stability": rules.append(("M=auto/stability", { .stability(candidates: NeighbourhoodRule.stabilityCandidates, seed: $0) }))
            default:
                guard let count = Int(word), count >= 1 else { return nil }
                rules.append(("M=\(count)", { _ in .fixed(count) }))
            }
        }
        guard !rules.isEmpty else { return nil }
        self.rules = rules
    }

    /// Help shows the list as it is written.
    var defaultValueDescription: String { rules.map(\.name).joined(separator: ",") }
}

/// A comma-separated list of named choices, e.g. Phase 2 targets "latent,input" or read-offs "kmeans,umap".
struct ChoiceList<Choice: RawRepresentable<String>>: ExpressibleByArgument {
    let choices: [Choice]

    init?(argument: String) {
        let parsed = argument.split(separator: ",").map { Choice(rawValue: $0.trimmingCharacters(in: .whitespaces)) }
        guard !parsed.isEmpty, parsed.allSatisfy({ $0 != nil }) else { return nil }
        choices = parsed.map { $0! }
    }

    /// Help shows the list as it is written.
    var defaultValueDescription: String { choices.map(\.rawValue).joined(separator: ",") }
}

/// How `rdc quality` reads clusters off an arm's embeddings.
enum QualityReadOff: String, CaseIterable {
    /// k-means on the L2-normalised embeddings (method.md; `cluster k=K`).
    case kmeans
    /// A full-covariance Gaussian mixture on the normalised embeddings (`cluster method=gmm covariance=full`).
    case gmm
    /// N2D's read-off: a UMAP layout of the embeddings as the encoder gives them, then a
    /// full-covariance mixture (`cluster space=umap`).
    case umap
    /// The same UMAP layout, then k-means (`cluster space=umap method=kmeans`).
    case umapKMeans = "umap-kmeans"

    /// Whether the clusters are read off the embeddings' UMAP layout rather than the normalised embeddings.
    var readsUMAPLayout: Bool { self == .umap || self == .umapKMeans }
}

/// Runs raw-pixel k-means, then for each seed Phase 1 and, from that same Phase 1 model, the
/// ablation's arms — P1+P2 (R-DC), P1+P3 (pseudo-supervision) and P1+P2+P3 — printing ACC, NMI,
/// ARI and F1 after each (once per read-off) with its wall time, then the medians over the
/// seeds: the figures RESULTS.md reports.
struct QualityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quality",
        abstract: "Score R-DC and the paper's ablation (raw k-means, P1, P1+P2, P1+P3, P1+P2+P3) on a labelled dataset.")

    @Option(help: "The labelled dataset.")
    var data: QualityDataset = .digits

    @Option(help: "Use at most this many samples (0: all).")
    var limit = 0

    @Option(help: "The architecture.")
    var model: ModelKind = .dense

    @Option(help: "Phase 1 epochs.")
    var pretrain = 30

    @Option(help: "Phase 2 epochs (0 skips the P2 arms).")
    var refine = 20

    @Option(help: "Phase 3 (DEC self-training) epochs; 0 skips the P3 arms.")
    var selftrain = 0

    @Option(help: "Reconstruction weight of Phase 3: 0 is DEC, 0.1 IDEC.")
    var gamma: Float = SelfTrainSettings(clusterCount: 1).reconstructionWeight

    @Option(help: "Phase 2 neighbourhoods, one P1+P2 arm each with the first target: numbers (fixed M) and ratio / gap / jump / stability (M=auto's rules; the per-point ones in refine's range, jump 3…20 and the others 5…40, or in one given as ratio:3-20).")
    var neighbours = NeighbourhoodList(argument: "10")!

    @Option(help: "Phase 2 targets, one P1+P2 arm each with the first neighbourhood: latent, input, both, graph.")
    var targets = ChoiceList<RefineTarget>(argument: "latent")!

    @Option(help: "How each arm's clusters are read off, one score each: kmeans (normalised embeddings, method.md), gmm (a full-covariance mixture on them), umap (a UMAP layout of the raw embeddings, K dimensions, 20 neighbours, min_dist 0, then a full-covariance mixture: N2D's read-off), umap-kmeans (the same layout, then k-means).")
    var readoffs = ChoiceList<QualityReadOff>(argument: "kmeans")!

    @Option(help: "A folder for Phase 1 checkpoints: a seed's Phase 1 of the same data, limit, model and epochs is read from it instead of trained again (and saved there after training; the folder is made if missing).")
    var phase1Cache: String?

    @Option(help: "Comma-separated seeds.")
    var seeds = SeedList(argument: "0")!

    @Option(help: "Restarts of each read-off's k-means or mixture.")
    var restarts = 20

    @Option(help: "k-means restarts on raw pixels (0 skips the raw baseline).")
    var rawRestarts = 20

    @Option(help: "Compute threads (default: all cores).")
    var threads: Int?

    @Option(help: "Convolution backend: onednn or reference.")
    var backend: ConvolutionBackend = .onednn

    /// One row of the ablation for one seed.
    private struct ArmResult {
        let arm: String
        let scores: ClusteringScores
        let seconds: Double
    }

    func run() throws {
        NumericRuntime.keepFreedMemoryMapped()
        ComputeThreads.set(threads ?? ComputeThreads.processors)
        ConvolutionBackend.current = backend
        if let phase1Cache {
            // Made before any training, so a folder that cannot be made fails now, not after Phase 1.
            do { try FileManager.default.createDirectory(atPath: phase1Cache, withIntermediateDirectories: true) } catch {
                throw ValidationError("--phase1-cache \(phase1Cache): cannot make the folder (\(error.localizedDescription))")
            }
        }
        var dataset = try load()
        if limit > 0 { dataset = try dataset.limited(to: limit, seed: 0) }
        guard let labels = dataset.labels else { throw ValidationError("\(data.rawValue) has no labels to score against") }
        let k = Set(labels).count
        print("rdc quality: \(dataset.name), \(dataset.count) samples, \(dataset.layout), k=\(k), model \(model.rawValue), "
              + "\(pretrain)+\(refine) epochs" + (selftrain > 0 ? ", P3 \(selftrain) epochs (gamma \(gamma))" : "")
              + ", \(ComputeThreads.count) threads, convolutions on \(backend.rawValue) "
              + "(\(ConvolutionBackend.oneDNNDescription)), CPU \(MachineDescription.cpuModel)")
        fflush(stdout)
        if rawRestarts > 0 {
            let start = Date()
            let raw = try KMeans(clusterCount: k, restarts: rawRestarts, seed: 0).fit(dataset.flattened)
            report("raw k-means", try ClusteringMetrics.evaluate(labels: labels, clusters: raw.assignments),
                   seconds: Date().timeIntervalSince(start))
        }
        var results: [ArmResult] = []
        for seed in seeds.seeds {
            results += try runArms(seed: seed, dataset: dataset, labels: labels, k: k)
        }
        if seeds.seeds.count > 1 {
            print("medians over seeds \(seeds.seeds.map(String.init).joined(separator: ",")):")
            for arm in results.map(\.arm).uniqued() {
                let rows = results.filter { $0.arm == arm }
                func median(_ values: [Double]) -> Double {
                    let sorted = values.sorted(), middle = sorted.count / 2
                    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
                }
                print(Self.padded(arm) + String(format: " ACC %.3f  NMI %.3f  ARI %.3f  F1-macro %.3f  %.1fs",
                             median(rows.map(\.scores.accuracy)), median(rows.map(\.scores.normalizedMutualInformation)),
                             median(rows.map(\.scores.adjustedRandIndex)), median(rows.map(\.scores.f1Macro)),
                             median(rows.map(\.seconds))))
            }
        }
    }

    /// Phase 1, then every arm from a copy of the same Phase 1 model; each arm's time is its
    /// own phases' (P1+P2+P3 reuses P1+P2's model and adds the P3 time).
    private func runArms(seed: UInt64, dataset: Dataset, labels: [Int], k: Int) throws -> [ArmResult] {
        let blueprint = try ModelBlueprint(kind: model, inputShape: dataset.layout.itemShape, latentSize: 10)
        var phase1 = TrainingState(blueprint: blueprint, seed: seed)
        let token = CancellationToken()
        var results: [ArmResult] = []
        func record(_ arm: String, _ state: TrainingState, seconds: Double, epochs: Int) throws {
            let embeddings = Trainer.embed(state.autoencoder, samples: dataset.samples)
            let normalised = ProximityTargets.normalisedRows(embeddings)
            var layout: Tensor?  // one UMAP layout serves both UMAP read-offs
            for readOff in readoffs.choices {
                let name = arm + (readoffs.choices.count > 1 ? " (\(readOff.rawValue))" : "")
                if readOff.readsUMAPLayout, layout == nil {
                    layout = try UMAP.embed(embeddings, settings: .clusterReadOff(clusterCount: k, seed: seed)).embedding
                }
                let points = readOff.readsUMAPLayout ? layout! : normalised
                let result = ArmResult(arm: name, scores: try score(points, by: readOff, labels, k, seed), seconds: seconds)
                results.append(result)
                report("seed \(seed) \(name)", result.scores, seconds: seconds, perEpoch: seconds / Double(max(epochs, 1)))
            }
        }
        func timed(_ body: () throws -> Void) rethrows -> Double {
            let start = Date()
            try body()
            return Date().timeIntervalSince(start)
        }
        let cached = phase1Cache.map { "\($0)/\(data.rawValue)-limit\(limit)-\(model.rawValue)-p\(pretrain)-seed\(seed).ckpt" }
        var phase1Seconds = 0.0
        if let cached, FileManager.default.fileExists(atPath: cached) {
            phase1 = try Checkpoint.read(from: cached).state
            print("  seed \(seed) Phase 1 read from \(cached) (its training time is not counted)")
        } else {
            phase1Seconds = try timed {
                _ = try Trainer.pretrain(&phase1, samples: dataset.samples, epochs: pretrain, settings: PretrainSettings(),
                                         cancellation: token, observer: epochPrinter(seed: seed))
            }
            if let cached { try Checkpoint(state: phase1, clustering: nil).write(to: cached) }
        }
        try record("P1", phase1, seconds: phase1Seconds, epochs: pretrain)
        let selfTrainSettings = SelfTrainSettings(clusterCount: k, reconstructionWeight: gamma)
        func selfTrained(_ start: TrainingState) throws -> (TrainingState, Double) {
            var state = start
            let seconds = try timed {
                let outcome = try Trainer.selftrain(&state, samples: dataset.samples, epochs: selftrain, settings: selfTrainSettings,
                                                    cancellation: token, observer: epochPrinter(seed: seed))
                if case .converged(let epoch, let batches, let reason) = outcome {
                    print("  seed \(seed) selftrain stopped early at epoch \(epoch) after \(batches) batches: \(reason)")
                }
            }
            return (state, seconds)
        }
        // One P1+P2 arm per neighbourhood (with the first target), then one per further target (with
        // the first neighbourhood): each arm differs from the first in one thing. P1+P2+P3
        // continues the first arm.
        let variants = neighbours.rules.map { ($0, targets.choices[0]) } + targets.choices.dropFirst().map { (neighbours.rules[0], $0) }
        for (index, (rule, target)) in variants.enumerated() where refine > 0 {
            let name = "P1+P2" + (neighbours.rules.count > 1 ? " " + rule.name : "")
                + (targets.choices.count > 1 ? " target=\(target.rawValue)" : "")
            var phase2 = phase1
            let settings = RefineSettings(neighbourhood: rule.make(seed), target: target)
            let phase2Seconds = try timed {
                _ = try Trainer.refine(&phase2, samples: dataset.samples, epochs: refine, settings: settings,
                                       cancellation: token, observer: epochPrinter(seed: seed))
            }
            try record(name, phase2, seconds: phase2Seconds, epochs: refine)
            let used = phase2.history.filter { $0.phase == .refine }.compactMap(\.neighbourCounts)
            if let first = used.first, let last = used.last {
                print("  seed \(seed) \(name): neighbourhoods \(first.text) at the first refresh, \(last.text) at the last, "
                      + String(format: "mean M over the epochs %.1f", used.map(\.mean).reduce(0, +) / Double(used.count)))
            }
            if selftrain > 0, index == 0 {
                let (phase3, seconds) = try selfTrained(phase2)
                try record("P1+P2+P3", phase3, seconds: phase2Seconds + seconds, epochs: refine + selftrain)
            }
        }
        if selftrain > 0 {
            let (phase3, seconds) = try selfTrained(phase1)
            try record("P1+P3", phase3, seconds: seconds, epochs: selftrain)
        }
        return results
    }

    private func load() throws -> Dataset {
        switch data {
        case .digits: return try Dataset.digits()
        case .fashionMNIST: return try Dataset.fashionMNIST()
        case .synthetic: return try Dataset.syntheticShapes(count: 2000)
        }
    }

    /// The scores of the clusters `readOff` finds in `points` (the normalised embeddings, or
    /// their UMAP layout for the UMAP read-offs).
    private func score(_ points: Tensor, by readOff: QualityReadOff, _ labels: [Int], _ k: Int, _ seed: UInt64) throws -> ClusteringScores {
        let assignments = switch readOff {
        case .kmeans, .umapKMeans: try KMeans(clusterCount: k, restarts: restarts, seed: seed).fit(points).assignments
        case .gmm, .umap: try GaussianMixture(componentCount: k, covariance: .full, restarts: restarts, seed: seed).fit(points).assignments
        }
        return try ClusteringMetrics.evaluate(labels: labels, clusters: assignments)
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
        var line = Self.padded(what) + String(format: " ACC %.3f  NMI %.3f  ARI %.3f  F1-macro %.3f  F1-micro %.3f  %.1fs",
                                              scores.accuracy, scores.normalizedMutualInformation, scores.adjustedRandIndex,
                          scores.f1Macro, scores.f1Micro, seconds)
        if let perEpoch { line += String(format: " (%.1fs/epoch)", perEpoch) }
        print(line)
        fflush(stdout)
    }

    /// `text` padded to the width of the row names (Foundation's %-36@ does not pad on Linux).
    private static func padded(_ text: String) -> String {
        text.count >= 36 ? text : text + String(repeating: " ", count: 36 - text.count)
    }
}

extension Sequence where Element: Hashable {
    /// The elements in their order, each once.
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
