// Layer: method (R-DC). May use NumericCore; never the session, sockets or pictures.
// Phase 3, the paper's comparison arm (method.md "Phase 3"): DEC's self-training on the current
// encoder, with IDEC's reconstruction term when its weight γ is above 0.

import NumericCore

/// Settings of a self-training call (method.md defaults: DEC's).
public struct SelfTrainSettings: Equatable, Sendable {
    /// Epochs of a call when the caller does not say: Phase 2's budget, so the ablation's arms
    /// train alike.
    public static func defaultEpochs(sampleCount: Int) -> Int { RefineSettings.defaultEpochs(sampleCount: sampleCount) }

    /// K, the number of clusters (centres).
    public var clusterCount: Int
    /// Mini-batch size.
    public var batchSize = 256
    /// Adam learning rate of the encoder (and decoder) and of the centres.
    public var learningRate: Float = 1e-3
    /// γ, the weight of the reconstruction term: 0 is DEC, 0.1 IDEC.
    public var reconstructionWeight: Float = 0
    /// Recompute the target distribution P every this many batches (DEC: 140).
    public var updateInterval = 140
    /// Stop when fewer than this share of assignments change between two updates (DEC: 0.1%).
    public var tolerance: Float = 0.001
    /// k-means restarts of the centres' initialisation.
    public var initialisationRestarts = 20

    /// Settings with method.md's defaults for `clusterCount` clusters.
    public init(clusterCount: Int, batchSize: Int = 256, learningRate: Float = 1e-3, reconstructionWeight: Float = 0,
                updateInterval: Int = 140, tolerance: Float = 0.001, initialisationRestarts: Int = 20) {
        self.clusterCount = clusterCount
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.reconstructionWeight = reconstructionWeight
        self.updateInterval = updateInterval
        self.tolerance = tolerance
        self.initialisationRestarts = initialisationRestarts
    }
}

/// What self-training keeps between batches and calls: the clustering layer (centres), the
/// optimisers, the target distribution and the assignments it was computed from.
public struct SelfTrainingState: Equatable, Sendable {
    /// The centres μ inside DEC's clustering layer.
    public var layer: SoftAssignment
    /// Adam of the autoencoder during self-training (fresh when self-training starts).
    public var autoencoderOptimizer: Adam
    /// Adam of the centres.
    public var centresOptimizer: Adam
    /// P, [N, K], from the last update.
    public var target: Tensor
    /// argmax of q at the last update, one per sample.
    public var assignments: [Int]
    /// Batches trained since the last update.
    public var batchesSinceUpdate: Int
    /// Share of assignments that changed at the last update (nil after the first).
    public var changedFraction: Double?

    /// A self-training state from its parts (checkpoints restore it this way).
    public init(layer: SoftAssignment, autoencoderOptimizer: Adam, centresOptimizer: Adam, target: Tensor,
                assignments: [Int], batchesSinceUpdate: Int, changedFraction: Double?) {
        self.layer = layer
        self.autoencoderOptimizer = autoencoderOptimizer
        self.centresOptimizer = centresOptimizer
        self.target = target
        self.assignments = assignments
        self.batchesSinceUpdate = batchesSinceUpdate
        self.changedFraction = changedFraction
    }

    /// The centres, [K, L].
    public var centres: Tensor { layer.centres.value }

    /// The pseudo-labels the last target points to: argmax of each row of P.
    public var pseudoLabels: [Int] { SelfTrainingState.argmaxRows(target) }

    /// Each embedding's cluster: the argmax of its soft assignment to the centres.
    public func clusters(of embeddings: Tensor) -> [Int] {
        SelfTrainingState.argmaxRows(SoftAssignment.assignments(of: embeddings, centres: centres))
    }

    static func argmaxRows(_ matrix: Tensor) -> [Int] {
        let k = matrix.itemSize
        return (0..<matrix.batchSize).map { i in
            var best = 0
            for j in 1..<max(k, 1) where matrix.storage[i * k + j] > matrix.storage[i * k + best] { best = j }
            return best
        }
    }

    /// Equal when centres, optimisers, target and counters are (the layer's caches aside).
    public static func == (a: SelfTrainingState, b: SelfTrainingState) -> Bool {
        a.centres == b.centres && a.autoencoderOptimizer == b.autoencoderOptimizer && a.centresOptimizer == b.centresOptimizer
            && a.target == b.target && a.assignments == b.assignments && a.batchesSinceUpdate == b.batchesSinceUpdate
            && a.changedFraction == b.changedFraction
    }
}

extension Trainer {
    /// Phase 3 for `epochs` more epochs: KL(P‖Q) between the Student's t assignments Q of the
    /// codes to trainable centres and the sharpened target P (+ γ·reconstruction). The centres
    /// start from k-means on the current embeddings when self-training starts or K changes; P is
    /// recomputed from all samples every `updateInterval` batches, and the run stops early
    /// (`.converged`) when fewer than `tolerance` of the assignments changed since the last one.
    /// An unfinished self-training epoch is finished first.
    public static func selftrain(_ state: inout TrainingState, samples: Tensor, epochs: Int,
                                 settings: SelfTrainSettings, cancellation: CancellationToken,
                                 observer: TrainingObserver = TrainingObserver(),
                                 tracking: TrackingSettings? = nil) throws -> TrainingOutcome {
        let n = samples.batchSize
        guard settings.clusterCount >= 1, settings.clusterCount <= n else {
            throw ModelError(description: "selftrain needs k between 1 and \(n) for \(n) samples, got k=\(settings.clusterCount)")
        }
        // `diagnose` measures the twist from the end of Phase 1, whichever phase follows it.
        if state.phase1Embeddings == nil { state.phase1Embeddings = embed(state.autoencoder, samples: samples) }
        var selfTraining: SelfTrainingState
        if let current = state.selfTraining, current.layer.clusterCount == settings.clusterCount, current.assignments.count == n {
            selfTraining = current
        } else {
            selfTraining = try startSelfTraining(state.autoencoder, samples: samples, settings: settings,
                                                 seed: state.generator.next())
        }
        selfTraining.autoencoderOptimizer.learningRate = settings.learningRate
        selfTraining.centresOptimizer.learningRate = settings.learningRate
        state.settlePartialEpoch(for: .selftrain, sampleCount: n)
        startTracking(&state, phase: .selftrain, samples: samples, tracking: tracking)
        var generator = state.generator
        var partial = state.partialEpoch
        var records: [EpochRecord] = []
        defer {
            state.selfTraining = selfTraining
            state.generator = generator
            state.partialEpoch = partial
            state.book(records, of: .selftrain)
        }
        let gamma = settings.reconstructionWeight
        return try EpochLoop.run(
            phase: .selftrain, sampleCount: n, batchSize: settings.batchSize, epochs: epochs,
            firstEpochNumber: state.selftrainEpochs + 1, partial: &partial, generator: &generator,
            cancellation: cancellation, observer: observer, epochFinished: { records.append($0) },
            afterEpoch: { record in
                state.selfTraining = selfTraining
                try track(&record, state: &state, samples: samples, tracking: tracking)
            }) { rows, _ in
            if selfTraining.batchesSinceUpdate >= max(settings.updateInterval, 1) {
                try updateTarget(&selfTraining, state.autoencoder, samples: samples, tolerance: settings.tolerance)
            }
            let losses = try SelfTrainingStep.train(autoencoder: &state.autoencoder, selfTraining: &selfTraining,
                                                    batch: samples.gathering(rows: rows), rows: rows, reconstructionWeight: gamma)
            selfTraining.batchesSinceUpdate += 1
            return losses
        }
    }

    /// q of every sample under the current encoder and centres, [N, K].
    public static func softAssignments(_ autoencoder: Autoencoder, centres: Tensor, samples: Tensor) -> Tensor {
        SoftAssignment.assignments(of: embed(autoencoder, samples: samples), centres: centres)
    }

    private static func startSelfTraining(_ autoencoder: Autoencoder, samples: Tensor, settings: SelfTrainSettings,
                                          seed: UInt64) throws -> SelfTrainingState {
        let embeddings = embed(autoencoder, samples: samples)
        let clustering = try KMeans(clusterCount: settings.clusterCount, restarts: settings.initialisationRestarts,
                                    seed: seed).fit(embeddings)
        let layer = SoftAssignment(centres: clustering.centroids)
        let q = SoftAssignment.assignments(of: embeddings, centres: clustering.centroids)
        return SelfTrainingState(layer: layer, autoencoderOptimizer: Adam(learningRate: settings.learningRate),
                                 centresOptimizer: Adam(learningRate: settings.learningRate),
                                 target: SoftAssignment.targetDistribution(q), assignments: SelfTrainingState.argmaxRows(q),
                                 batchesSinceUpdate: 0, changedFraction: nil)
    }

    /// Recomputes P from all samples; throws `ConvergedBeforeStep` (changing nothing) when fewer
    /// than `tolerance` of the assignments moved since the last update.
    private static func updateTarget(_ selfTraining: inout SelfTrainingState, _ autoencoder: Autoencoder,
                                     samples: Tensor, tolerance: Float) throws {
        let q = softAssignments(autoencoder, centres: selfTraining.centres, samples: samples)
        let assignments = SelfTrainingState.argmaxRows(q)
        let changed = zip(assignments, selfTraining.assignments).filter { $0 != $1 }.count
        let fraction = Double(changed) / Double(max(assignments.count, 1))
        if fraction < Double(tolerance) {
            throw ConvergedBeforeStep(reason: String(format: "%.3g%% of assignments changed since the last target update, below tol=%.3g%%",
                                                     100 * fraction, 100 * Double(tolerance)))
        }
        selfTraining.target = SoftAssignment.targetDistribution(q)
        selfTraining.assignments = assignments
        selfTraining.changedFraction = fraction
        selfTraining.batchesSinceUpdate = 0
    }
}

/// One batch of self-training: encoder forward, q, KL(P‖Q) back through the clustering layer
/// (and γ·reconstruction back through the decoder), one Adam step each for the autoencoder and
/// the centres — or nothing at all when a loss or gradient is not finite.
enum SelfTrainingStep {
    static func train(autoencoder: inout Autoencoder, selfTraining: inout SelfTrainingState, batch: Tensor, rows: [Int],
                      reconstructionWeight gamma: Float) throws -> [NamedLoss] {
        let z = autoencoder.encoder.forward(batch)
        let q = selfTraining.layer.forward(z)
        let p = selfTraining.target.gathering(rows: rows)
        let divergence = KullbackLeibler.loss(prediction: q, target: p)
        var latentGradient = selfTraining.layer.backward(divergence.gradient, needs: .all)
        var losses = [NamedLoss("kl", divergence.value)]
        if gamma > 0 {
            let reconstruction = MeanSquaredError.loss(prediction: autoencoder.decoder.forward(z), target: batch)
            var weighted = reconstruction.gradient
            for index in weighted.storage.indices { weighted.storage[index] *= gamma }
            latentGradient.add(autoencoder.decoder.backward(weighted, needs: .all))
            losses.append(NamedLoss("recon", reconstruction.value))
        }
        _ = autoencoder.encoder.backward(latentGradient, needs: .parametersOnly)
        guard losses.allSatisfy({ $0.value.isFinite }), autoencoder.gradientsAreFinite(), selfTraining.layer.gradientsAreFinite() else {
            autoencoder.zeroGradients()
            selfTraining.layer.zeroGradients()
            throw NonFiniteStep(losses: losses)
        }
        selfTraining.autoencoderOptimizer.update(&autoencoder)
        selfTraining.centresOptimizer.update(&selfTraining.layer)
        return losses
    }
}
