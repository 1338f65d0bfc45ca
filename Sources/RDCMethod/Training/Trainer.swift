// Layer: method (R-DC). May use NumericCore; never the session, sockets or pictures.

import NumericCore

/// Settings of a Phase 1 call (method.md defaults).
public struct PretrainSettings: Equatable, Sendable {
    /// Epochs of a Phase 1 call when the caller does not say.
    public static let defaultEpochs = 10

    /// Mini-batch size.
    public var batchSize = 256
    /// Adam learning rate of the autoencoder and the critic.
    public var learningRate: Float = 1e-3
    /// ACAI on/off, λ and γ.
    public var acai = ACAISettings()

    /// Settings with method.md's defaults.
    public init(batchSize: Int = 256, learningRate: Float = 1e-3, acai: ACAISettings = ACAISettings()) {
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.acai = acai
    }
}

/// What Phase 2 pulls towards its neighbourhoods (method.md "Phase 2 target").
public enum RefineTarget: String, Sendable, CaseIterable {
    /// The anchor's normalised embedding towards its neighbour centroid (the paper's reading).
    case latent
    /// The anchor's reconstruction towards the mean image of itself and its kept neighbours.
    case input
    /// Both at once.
    case both
    /// The anchor's normalised embedding attracted by its filtered fuzzy-graph edges and repelled
    /// from random points (parametric UMAP's cross-entropy; `ProximityGraph`).
    case graph

    /// Whether the centroid term on the embeddings is on.
    public var pullsEmbeddings: Bool { self == .latent || self == .both }
    /// Whether anchors reconstruct their neighbourhood's mean image.
    public var reconstructsNeighbourhoods: Bool { self == .input || self == .both }
    /// Whether the graph term is on.
    public var followsGraph: Bool { self == .graph }
}

/// Settings of a Phase 2 call (method.md defaults).
public struct RefineSettings: Equatable, Sendable {
    /// Epochs of a Phase 2 call when the caller does not say: fewer on large data sets, where
    /// each epoch already takes many steps (method.md).
    public static func defaultEpochs(sampleCount: Int) -> Int {
        sampleCount >= largeDataSet ? 5 : 20
    }
    /// `defaultEpochs` in words, for help texts.
    public static let defaultEpochsRule = "20, or 5 when the data set has \(largeDataSet) images or more"
    private static let largeDataSet = 50_000

    /// Mini-batch size.
    public var batchSize = 256
    /// Adam learning rate (a fresh Adam at the start of Phase 2).
    public var learningRate: Float = 1e-3
    /// M, nearest neighbours per point: fixed, or chosen at every refresh.
    public var neighbourhood = NeighbourhoodRule.fixed(10)
    /// β, weight of the proximity term; nil means 10·d/L, or d/(10·L) for the graph target.
    public var beta: Float?
    /// q, the anchor-radius quantile.
    public var quantile: Float = 0.9
    /// Recompute targets every this many epochs.
    public var refreshEvery = 1
    /// Optional ACAI term during Phase 2 (off by default).
    public var acai = ACAISettings(criticEnabled: false)
    /// What the neighbourhoods pull: embeddings (the paper's reading), reconstructions, or both.
    public var target = RefineTarget.latent

    /// Settings with method.md's defaults.
    public init(batchSize: Int = 256, learningRate: Float = 1e-3, neighbourhood: NeighbourhoodRule = .fixed(10), beta: Float? = nil,
                quantile: Float = 0.9, refreshEvery: Int = 1, acai: ACAISettings = ACAISettings(criticEnabled: false),
                target: RefineTarget = .latent) {
        self.target = target
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.neighbourhood = neighbourhood
        self.beta = beta
        self.quantile = quantile
        self.refreshEvery = refreshEvery
        self.acai = acai
    }

    /// β for inputs of `inputSize` values and latent size `latentSize`: the given one, else
    /// 10·d/L (method.md), or d/(10·L) for the graph target, whose per-anchor loss is about a
    /// hundred times the centroid term's (on digits, seed 0: ACC .80–.82 for β from d/(100·L)
    /// to d/(4·L), .74 at d/L, .54 at 10·d/L).
    public func effectiveBeta(inputSize: Int, latentSize: Int) -> Float {
        beta ?? (target.followsGraph ? 0.1 : 10) * Float(inputSize) / Float(latentSize)
    }
}

/// The Adam optimisers of one phase: the autoencoder's and the critic's.
public struct OptimizerPair: Equatable, Sendable {
    /// Updates the encoder and decoder.
    public var autoencoder: Adam
    /// Updates the ACAI critic.
    public var critic: Adam

    /// Two optimisers, fresh by default.
    public init(autoencoder: Adam = Adam(), critic: Adam = Adam()) {
        self.autoencoder = autoencoder
        self.critic = critic
    }

    /// Sets both learning rates.
    mutating func setLearningRate(_ rate: Float) {
        autoencoder.learningRate = rate
        critic.learningRate = rate
    }
}

/// Everything training has produced and needs to continue: networks, optimiser moments,
/// epoch counters, the random generator, the loss history and Phase 2's targets.
///
/// A value throughout, optimisers included: a copy is a complete snapshot (its large arrays
/// are shared until one side trains, then copied once).
public struct TrainingState {
    /// The architecture the networks were built from.
    public let blueprint: ModelBlueprint
    /// Encoder and decoder.
    public var autoencoder: Autoencoder
    /// The ACAI critic.
    public var critic: Critic
    /// Phase 1's optimisers (autoencoder, critic).
    public var pretrainOptimizers: OptimizerPair
    /// Phase 2's optimisers, created fresh when Phase 2 starts.
    public var refineOptimizers: OptimizerPair?
    /// Complete epochs run in each phase.
    public var pretrainEpochs = 0, refineEpochs = 0, selftrainEpochs = 0
    /// The epoch an interrupt or a divergence stopped mid-way, if any; the next call of its
    /// phase finishes it first.
    public var partialEpoch: PartialEpoch?
    /// Source of shuffles and ACAI's α.
    public var generator: SeededGenerator
    /// Mean losses of every complete epoch, in order.
    public var history: [EpochRecord] = []
    /// Raw embeddings E(X) when Phase 2 started (for the twist diagnostic).
    public var phase1Embeddings: Tensor?
    /// Phase 2's current targets and the Phase 2 epoch count when they were computed.
    public var proximity: (targets: ProximityTargets, computedAtEpoch: Int)?
    /// Self-training's centres, optimisers and target distribution, once it has started.
    public var selfTraining: SelfTrainingState?
    /// What tracking compares against, once a call has been tracked.
    public var trackingReference: TrackingReference?

    /// Fresh networks and optimisers from `blueprint`, initialised from `seed`.
    public init(blueprint: ModelBlueprint, seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        self.blueprint = blueprint
        autoencoder = blueprint.makeAutoencoder(generator: &generator)
        critic = blueprint.makeCritic(generator: &generator)
        pretrainOptimizers = OptimizerPair()
        self.generator = generator
    }

    /// Restores a state from saved parts (checkpoints).
    public init(blueprint: ModelBlueprint, autoencoder: Autoencoder, critic: Critic,
                pretrainOptimizers: OptimizerPair, refineOptimizers: OptimizerPair?,
                pretrainEpochs: Int, refineEpochs: Int, generator: SeededGenerator, history: [EpochRecord],
                phase1Embeddings: Tensor?, proximity: (targets: ProximityTargets, computedAtEpoch: Int)?,
                partialEpoch: PartialEpoch? = nil, selftrainEpochs: Int = 0, selfTraining: SelfTrainingState? = nil,
                trackingReference: TrackingReference? = nil) {
        self.trackingReference = trackingReference
        self.blueprint = blueprint
        self.autoencoder = autoencoder
        self.critic = critic
        self.pretrainOptimizers = pretrainOptimizers
        self.refineOptimizers = refineOptimizers
        self.pretrainEpochs = pretrainEpochs
        self.refineEpochs = refineEpochs
        self.generator = generator
        self.history = history
        self.phase1Embeddings = phase1Embeddings
        self.proximity = proximity
        self.partialEpoch = partialEpoch
        self.selftrainEpochs = selftrainEpochs
        self.selfTraining = selfTraining
    }

    /// Complete epochs of `phase`.
    public func epochs(of phase: TrainingPhase) -> Int {
        switch phase {
        case .pretrain: pretrainEpochs
        case .refine: refineEpochs
        case .selftrain: selftrainEpochs
        }
    }

    /// Books finished epochs of `phase`: its counter and the history.
    mutating func book(_ records: [EpochRecord], of phase: TrainingPhase) {
        switch phase {
        case .pretrain: pretrainEpochs += records.count
        case .refine: refineEpochs += records.count
        case .selftrain: selftrainEpochs += records.count
        }
        history += records
    }

    /// Keeps the unfinished epoch only if the next call of `phase` on `sampleCount` samples can
    /// finish it; otherwise moves it into the history as an abandoned epoch.
    public mutating func settlePartialEpoch(for phase: TrainingPhase, sampleCount: Int) {
        guard let partial = partialEpoch else { return }
        let nextEpoch = epochs(of: phase) + 1
        if partial.phase == phase && partial.order.count == sampleCount && partial.epoch == nextEpoch { return }
        history.append(partial.abandonedRecord)
        partialEpoch = nil
    }

    /// "untrained", "pretrain 10 + refine 2 epochs", with self-training when it ran
    /// ("pretrain 10 + selftrain 4 epochs"), or with an unfinished epoch
    /// "pretrain 3 epochs + 37 batches, refine 0 epochs".
    public var progressDescription: String {
        let phases = TrainingPhase.allCases.filter { $0 != .selftrain || selftrainEpochs > 0 || partialBatches(of: $0) > 0 }
        if phases.allSatisfy({ partialBatches(of: $0) == 0 }) {
            if phases.allSatisfy({ epochs(of: $0) == 0 }) { return "untrained" }
            return phases.map { "\($0.rawValue) \(epochs(of: $0))" }.joined(separator: " + ") + " epochs"
        }
        return phases.map { phase in
            let epochs = epochs(of: phase), batches = partialBatches(of: phase)
            return "\(phase.rawValue) \(epochs) epoch\(epochs == 1 ? "" : "s")"
                + (batches > 0 ? " + \(batches) batch\(batches == 1 ? "" : "es")" : "")
        }.joined(separator: ", ")
    }

    /// Batches applied in the phase's unfinished epoch (0 when there is none).
    public func partialBatches(of phase: TrainingPhase) -> Int {
        partialEpoch.map { $0.phase == phase ? $0.batchesDone : 0 } ?? 0
    }
}

/// Runs R-DC's two phases on a `TrainingState`.
public enum Trainer {
    /// Phase 1 for `epochs` more epochs: reconstruction regularised by ACAI. An unfinished
    /// Phase 1 epoch is finished first and counts as one of them. Throws nothing today; it is
    /// marked `throws` like `refine` so callers handle both phases alike.
    public static func pretrain(_ state: inout TrainingState, samples: Tensor, epochs: Int,
                                settings: PretrainSettings, cancellation: CancellationToken,
                                observer: TrainingObserver = TrainingObserver(),
                                tracking: TrackingSettings? = nil) throws -> TrainingOutcome {
        state.pretrainOptimizers.setLearningRate(settings.learningRate)
        startTracking(&state, phase: .pretrain, samples: samples, tracking: tracking)
        state.settlePartialEpoch(for: .pretrain, sampleCount: samples.batchSize)
        var generator = state.generator
        var partial = state.partialEpoch
        var records: [EpochRecord] = []
        defer {
            state.generator = generator
            state.partialEpoch = partial
            state.book(records, of: .pretrain)
        }
        return try EpochLoop.run(
            phase: .pretrain, sampleCount: samples.batchSize, batchSize: settings.batchSize, epochs: epochs,
            firstEpochNumber: state.pretrainEpochs + 1, partial: &partial, generator: &generator,
            cancellation: cancellation, observer: observer, epochFinished: { records.append($0) },
            afterEpoch: { try track(&$0, state: &state, samples: samples, tracking: tracking) }) { rows, generator in
            try namedLosses(acai: settings.acai.criticEnabled) {
                try AutoencoderStep.train(
                    autoencoder: &state.autoencoder, critic: &state.critic, batch: samples.gathering(rows: rows),
                    settings: settings.acai, autoencoderOptimizer: &state.pretrainOptimizers.autoencoder,
                    criticOptimizer: &state.pretrainOptimizers.critic, generator: &generator)
            }
        }
    }

    /// Phase 2 for `epochs` more epochs: reconstruction plus the pull of each active anchor's
    /// normalised embedding towards its neighbour centroid, targets refreshed every
    /// `refreshEvery` epochs. An unfinished Phase 2 epoch is finished first. Throws when the
    /// data is too small for M neighbours or the targets cannot be computed; epochs finished
    /// before that are kept.
    public static func refine(_ state: inout TrainingState, samples: Tensor, epochs: Int,
                              settings: RefineSettings, cancellation: CancellationToken,
                              observer: TrainingObserver = TrainingObserver(),
                              tracking: TrackingSettings? = nil) throws -> TrainingOutcome {
        let rule = settings.neighbourhood
        guard rule.smallestCount >= 1, rule.largestCount < samples.batchSize else {
            throw ModelError(description: "refine needs M between 1 and \(samples.batchSize - 1) for \(samples.batchSize) samples, got \(rule.description)")
        }
        if state.phase1Embeddings == nil { state.phase1Embeddings = embed(state.autoencoder, samples: samples) }
        var optimizers = state.refineOptimizers ?? OptimizerPair()
        optimizers.setLearningRate(settings.learningRate)
        let beta = settings.effectiveBeta(inputSize: state.blueprint.inputSize, latentSize: state.blueprint.latentSize)
        state.settlePartialEpoch(for: .refine, sampleCount: samples.batchSize)
        startTracking(&state, phase: .refine, samples: samples, tracking: tracking)
        var generator = state.generator
        var partial = state.partialEpoch
        var records: [EpochRecord] = []
        defer {
            state.refineOptimizers = optimizers
            state.generator = generator
            state.partialEpoch = partial
            state.book(records, of: .refine)
        }
        return try EpochLoop.run(
            phase: .refine, sampleCount: samples.batchSize, batchSize: settings.batchSize, epochs: epochs,
            firstEpochNumber: state.refineEpochs + 1, partial: &partial, generator: &generator,
            cancellation: cancellation, observer: observer, epochFinished: { records.append($0) },
            beforeEpoch: { epoch in
                // Targets are due when `refreshEvery` epochs have passed since they were computed.
                let phaseEpoch = epoch - 1
                if let current = state.proximity, phaseEpoch - current.computedAtEpoch < max(settings.refreshEvery, 1),
                   current.targets.members != nil || !settings.target.reconstructsNeighbourhoods,
                   current.targets.graph != nil || !settings.target.followsGraph { return }
                let targets = try ProximityTargets.compute(embeddings: embed(state.autoencoder, samples: samples),
                                                           neighbourhood: rule, quantile: settings.quantile,
                                                           keepingMembers: settings.target.reconstructsNeighbourhoods,
                                                           keepingGraph: settings.target.followsGraph)
                state.proximity = (targets, phaseEpoch)
            },
            afterEpoch: {
                $0.neighbourCounts = state.proximity?.targets.neighbourCounts
                try track(&$0, state: &state, samples: samples, tracking: tracking,
                          neighbourhood: (rule, settings.quantile))
            }) { rows, generator in
            guard let targets = state.proximity?.targets else { return [] }
            let batch = samples.gathering(rows: rows)
            let graph = settings.target.followsGraph ? targets.graph : nil
            let negatives = graph?.negatives(for: rows, using: &generator) ?? []
            let latentTerm: LatentTerm?
            if let graph {
                latentTerm = { graph.loss(latent: $0, batchRows: rows, negatives: negatives, beta: beta) }
            } else if settings.target.pullsEmbeddings {
                latentTerm = { targets.loss(latent: $0, batchRows: rows, beta: beta) }
            } else {
                latentTerm = nil
            }
            return try namedLosses(acai: settings.acai.criticEnabled, latent: latentTerm == nil ? nil : graph == nil ? "proximity" : "graph") {
                try AutoencoderStep.train(
                    autoencoder: &state.autoencoder, critic: &state.critic, batch: batch,
                    settings: settings.acai, autoencoderOptimizer: &optimizers.autoencoder,
                    criticOptimizer: &optimizers.critic, generator: &generator,
                    latentTerm: latentTerm,
                    reconstructionTarget: settings.target.reconstructsNeighbourhoods
                        ? targets.neighbourhoodImages(batch: batch, batchRows: rows, samples: samples) : nil)
            }
        }
    }

    /// Takes the tracking reference of `phase` (its embeddings now) unless tracking is off or
    /// the reference already belongs to this phase.
    static func startTracking(_ state: inout TrainingState, phase: TrainingPhase, samples: Tensor, tracking: TrackingSettings?) {
        guard tracking != nil, state.trackingReference?.phase != phase
                || state.trackingReference?.startEmbeddings.batchSize != samples.batchSize else { return }
        state.trackingReference = TrackingReference(phase: phase, startEmbeddings: embed(state.autoencoder, samples: samples),
                                                    lastAssignments: state.trackingReference?.lastAssignments)
    }

    /// Measures the state into `record` when tracking is on and the epoch is due.
    static func track(_ record: inout EpochRecord, state: inout TrainingState, samples: Tensor, tracking: TrackingSettings?,
                      neighbourhood: (rule: NeighbourhoodRule, quantile: Float)? = nil) throws {
        guard let tracking, record.epoch % max(tracking.every, 1) == 0, var reference = state.trackingReference else { return }
        record.tracked = try Tracker.measure(state, phase: record.phase, epoch: record.epoch, samples: samples,
                                             settings: tracking, reference: &reference, neighbourhood: neighbourhood)
        state.trackingReference = reference
    }

    /// Raw embeddings E(X) of every sample ([N, L]), computed in chunks without touching the
    /// model's caches.
    public static func embed(_ autoencoder: Autoencoder, samples: Tensor, chunk: Int = 1024) -> Tensor {
        var encoder = autoencoder.encoder
        return inChunks(samples, of: chunk) { encoder.forward($0) }
    }

    /// Reconstructions D(E(x)) of `samples`, computed in chunks (a conv model's activations
    /// for all of a large data set at once would not fit in memory).
    public static func reconstruct(_ autoencoder: Autoencoder, samples: Tensor, chunk: Int = 1024) -> Tensor {
        var copy = autoencoder
        return inChunks(samples, of: chunk) { copy.forward($0) }
    }

    /// `body` applied to consecutive row chunks of `samples`, the results concatenated.
    private static func inChunks(_ samples: Tensor, of chunk: Int, _ body: (Tensor) -> Tensor) -> Tensor {
        var parts: [Tensor] = []
        var start = 0
        while start < samples.batchSize {
            let end = min(samples.batchSize, start + chunk)
            parts.append(body(samples.rows(start..<end)))
            start = end
        }
        return parts.isEmpty ? Tensor(shape: [0, 0]) : Tensor.concatenating(parts)
    }

    /// The losses of one step under the names users see; a diverged step's losses travel
    /// with the `NonFiniteStep` that stops the epoch loop.
    /// The step's losses by name: recon, the latent term as `latent` when there is one, ACAI's two.
    private static func namedLosses(acai: Bool, latent: String? = nil, _ step: () throws -> StepLosses) throws -> [NamedLoss] {
        func named(_ losses: StepLosses) -> [NamedLoss] {
            var named = [NamedLoss("recon", losses.reconstruction)]
            if let latent { named.append(NamedLoss(latent, losses.latent)) }
            if acai {
                named.append(NamedLoss("acai", losses.regularisation))
                named.append(NamedLoss("critic", losses.critic))
            }
            return named
        }
        do {
            return named(try step())
        } catch let diverged as DivergedStep {
            throw NonFiniteStep(losses: named(diverged.losses))
        }
    }
}
