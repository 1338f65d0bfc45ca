// Layer: session (command options). May use RDCMethod's settings types; no I/O. The options of
// `model`, `pretrain`, `refine` and `selftrain`, declared once: the registry lists them, the executors decode
// an `Invocation` into these structs, and every default is read from the method's settings.

import RDCMethod
import NumericCore

/// Options several training commands share.
enum SharedOptions {
    /// Epochs a single call may ask for.
    static let epochRange = 1...100_000

    /// `batch=`: images per mini-batch.
    static func batchSize(default value: Int) -> OptionKey<Int> {
        OptionKey("batch", .integer(1...65_536), default: value, help: "Images per mini-batch.")
    }

    /// `lr=`: Adam's learning rate.
    static func learningRate(default value: Float) -> OptionKey<Float> {
        OptionKey("lr", .decimal(.above(0, upTo: 1)), default: value, help: "Adam learning rate.")
    }

    /// `critic=`: whether the ACAI critic trains alongside.
    static func critic(default value: Bool, help: String) -> OptionKey<Bool> {
        OptionKey("critic", .toggle, default: value, help: help)
    }

    /// `track=`: measure every N epochs (0 turns the session's default off for one call).
    static let track = OptionalOptionKey("track", .integer(0...SharedOptions.epochRange.upperBound),
                                         computed: "the session's `track every=`, off at start",
                                         help: "Every N epochs: cluster, score and measure twist, drift and randomness (0: off).")

    /// `M=`: nearest neighbours per point (`diagnose`'s neighbour sets).
    static let neighbours = OptionKey("M", .integer(neighbourRange), default: 10,
                                   help: "Nearest neighbours per point (itself excluded).")
    /// The M a neighbour option may name.
    static let neighbourRange = 1...1000
}

extension ModelKind: ChoiceWord {}
extension RefineTarget: ChoiceWord {}

/// How `refine M=auto` chooses M (the README's "When K is unknown" states the rules, RESULTS.md
/// their measurements).
enum NeighbourRuleChoice: String, ChoiceWord {
    /// Per point: the neighbours before the largest rank-weighted log ratio of consecutive sorted
    /// distances (the default: it matched M=10 on digits and on Fashion-MNIST).
    case jump
    /// Per point: the neighbours before the largest ratio of consecutive sorted distances.
    case ratio
    /// Per point: the neighbours before the largest gap of its sorted distances.
    case gap
    /// Per refresh: the M of 5, 10, 20, 40 whose mutual graph is most stable between subsamples.
    case stability

    /// The range a per-point rule searches when Mmin and Mmax are not given: each rule's best
    /// measured range.
    var defaultRange: ClosedRange<Int> { self == .jump ? NeighbourhoodRule.jumpRange : NeighbourhoodRule.ratioAndGapRange }
}

/// `model KIND [latent=]`.
struct ModelOptions {
    static let latent = OptionKey("latent", .integer(1...1024), default: 10, help: "Size L of the embedding.")
    static let declarations = [latent.spec]

    let kind: ModelKind
    let latentSize: Int

    init(_ invocation: Invocation) {
        kind = invocation.choice(as: ModelKind.self)
        latentSize = invocation[Self.latent]
    }
}

/// `pretrain [epochs=] [batch=] [lr=] [critic=] [lambda=] [gamma=]`.
struct PretrainOptions {
    private static let defaults = PretrainSettings()
    static let epochs = OptionKey("epochs", .integer(SharedOptions.epochRange), default: PretrainSettings.defaultEpochs,
                               help: "Passes over the data.")
    static let batch = SharedOptions.batchSize(default: defaults.batchSize)
    static let learningRate = SharedOptions.learningRate(default: defaults.learningRate)
    static let critic = SharedOptions.critic(default: defaults.acai.criticEnabled,
                                             help: "Train with the ACAI critic and its regulariser.")
    static let lambda = OptionKey("lambda", .decimal(.atLeast(0)), default: defaults.acai.lambda,
                               help: "Weight of the critic term in the autoencoder's loss.")
    static let gamma = OptionKey("gamma", .decimal(.from(0, to: 1)), default: defaults.acai.gamma,
                              help: "Mixing weight of the critic's regulariser on reconstructions.")
    static let declarations = [epochs.spec, batch.spec, learningRate.spec, critic.spec, lambda.spec, gamma.spec,
                               SharedOptions.track.spec]

    let epochs: Int
    let settings: PretrainSettings
    /// Tracking interval asked for, or nil for the session's default.
    let track: Int?

    init(_ invocation: Invocation) {
        epochs = invocation[Self.epochs]
        track = invocation[SharedOptions.track]
        settings = PretrainSettings(
            batchSize: invocation[Self.batch], learningRate: invocation[Self.learningRate],
            acai: ACAISettings(criticEnabled: invocation[Self.critic], lambda: invocation[Self.lambda],
                               gamma: invocation[Self.gamma]))
    }
}

/// `refine [epochs=] [M=] [beta=] [q=] [refresh=] [lr=] [batch=] [critic=] [target=] [track=]`.
struct RefineOptions {
    private static let defaults = RefineSettings()
    static let epochs = OptionalOptionKey("epochs", .integer(SharedOptions.epochRange), computed: RefineSettings.defaultEpochsRule,
                                       help: "Passes over the data.")
    static let beta = OptionalOptionKey("beta", ValueCodec<Float>.decimal(.atLeast(0)), computed: "10·d/L (d input values, L latent size); d/(10·L) for target=graph",
                                     help: "Weight of the proximity term.")
    static let quantile = OptionKey("q", .decimal(.above(0, upTo: 1)), default: defaults.quantile,
                                 help: "Quantile of neighbour distances below which a point is an anchor.")
    static let refresh = OptionKey("refresh", .integer(SharedOptions.epochRange), default: defaults.refreshEvery,
                                help: "Epochs between recomputations of neighbours and targets.")
    static let learningRate = SharedOptions.learningRate(default: defaults.learningRate)
    static let batch = SharedOptions.batchSize(default: defaults.batchSize)
    static let critic = SharedOptions.critic(default: defaults.acai.criticEnabled,
                                             help: "Keep the ACAI critic term (about twice the time).")
    static let target = OptionKey("target", .choice, default: defaults.target,
                                  help: "latent: pull embeddings to neighbour centroids; input: reconstruct the neighbourhood's mean image; both; graph: parametric UMAP on the filtered kNN graph.")
    static let neighbours = OptionKey("M", .automaticOr(.integer(SharedOptions.neighbourRange)), default: .given(10),
                                      help: "Nearest neighbours per point (itself excluded); auto: chosen by the data at every refresh (`Mrule`).")
    static let neighbourRule = OptionKey("Mrule", .choice, default: NeighbourRuleChoice.jump,
                                         help: "How M=auto chooses: jump, ratio or gap (per point, before the largest rank-weighted log ratio, ratio or difference of consecutive sorted distances in Mmin…Mmax), or stability (per refresh, of 5, 10, 20, 40).")
    static let smallestNeighbours = OptionalOptionKey("Mmin", .integer(SharedOptions.neighbourRange), computed: "3 for jump, 5 for ratio and gap",
                                                      help: "Fewest neighbours M=auto's per-point rules give a point.")
    static let largestNeighbours = OptionalOptionKey("Mmax", .integer(SharedOptions.neighbourRange), computed: "20 for jump, 40 for ratio and gap",
                                                     help: "Most neighbours M=auto's per-point rules give a point.")
    static let declarations = [epochs.spec, neighbours.spec, neighbourRule.spec, smallestNeighbours.spec, largestNeighbours.spec, beta.spec, quantile.spec, refresh.spec,
                               learningRate.spec, batch.spec, critic.spec, target.spec, SharedOptions.track.spec]

    /// Epochs asked for, or nil for the method's rule.
    let epochs: Int?
    let settings: RefineSettings
    /// Tracking interval asked for, or nil for the session's default.
    let track: Int?

    /// - Throws: `CommandFailure` when Mmin > Mmax.
    init(_ invocation: Invocation, seed: UInt64) throws {
        epochs = invocation[Self.epochs]
        track = invocation[SharedOptions.track]
        func searched(by perPoint: NeighbourRuleChoice) throws -> ClosedRange<Int> {
            let smallest = invocation[Self.smallestNeighbours] ?? perPoint.defaultRange.lowerBound
            let largest = invocation[Self.largestNeighbours] ?? perPoint.defaultRange.upperBound
            guard smallest <= largest else { throw CommandFailure("M=auto needs Mmin ≤ Mmax; got Mmin=\(smallest) Mmax=\(largest)") }
            return smallest...largest
        }
        let rule: NeighbourhoodRule
        switch (invocation[Self.neighbours], invocation[Self.neighbourRule]) {
        case (.given(let count), _): rule = .fixed(count)
        case (.automatic, .stability): rule = .stability(candidates: NeighbourhoodRule.stabilityCandidates, seed: seed)
        case (.automatic, .jump): rule = .largestJump(try searched(by: .jump))
        case (.automatic, .ratio): rule = .largestRatio(try searched(by: .ratio))
        case (.automatic, .gap): rule = .largestGap(try searched(by: .gap))
        }
        settings = RefineSettings(
            batchSize: invocation[Self.batch], learningRate: invocation[Self.learningRate],
            neighbourhood: rule, beta: invocation[Self.beta],
            quantile: invocation[Self.quantile], refreshEvery: invocation[Self.refresh],
            acai: ACAISettings(criticEnabled: invocation[Self.critic]), target: invocation[Self.target])
    }
}

/// `selftrain [epochs=] [k=] [gamma=] [update=] [tol=] [lr=] [batch=]`.
struct SelftrainOptions {
    private static let defaults = SelfTrainSettings(clusterCount: 10)
    static let epochs = OptionalOptionKey("epochs", .integer(SharedOptions.epochRange), computed: RefineSettings.defaultEpochsRule,
                                       help: "Passes over the data (at most: it stops early when assignments settle).")
    static let k = OptionalOptionKey("k", .integer(1...10_000), computed: "the number of label classes, else 10",
                                  help: "Number of clusters (centres).")
    static let gamma = OptionKey("gamma", .decimal(.atLeast(0)), default: defaults.reconstructionWeight,
                              help: "Weight of the reconstruction term: 0 is DEC, 0.1 IDEC.")
    static let update = OptionKey("update", .integer(1...1_000_000), default: defaults.updateInterval,
                               help: "Batches between recomputations of the target distribution P.")
    static let tolerance = OptionKey("tol", .decimal(.from(0, to: 1)), default: defaults.tolerance,
                                  help: "Stop when fewer than this share of assignments change between two updates.")
    static let learningRate = SharedOptions.learningRate(default: defaults.learningRate)
    static let batch = SharedOptions.batchSize(default: defaults.batchSize)
    static let declarations = [epochs.spec, k.spec, gamma.spec, update.spec, tolerance.spec, learningRate.spec, batch.spec,
                               SharedOptions.track.spec]

    /// Epochs asked for, or nil for the method's rule.
    let epochs: Int?
    /// Clusters asked for, or nil for the session's rule.
    let k: Int?
    /// Tracking interval asked for, or nil for the session's default.
    let track: Int?
    private let invocation: Invocation

    init(_ invocation: Invocation) {
        epochs = invocation[Self.epochs]
        track = invocation[SharedOptions.track]
        k = invocation[Self.k]
        self.invocation = invocation
    }

    /// The settings for `clusterCount` clusters.
    func settings(clusterCount: Int) -> SelfTrainSettings {
        SelfTrainSettings(clusterCount: clusterCount, batchSize: invocation[Self.batch], learningRate: invocation[Self.learningRate],
                          reconstructionWeight: invocation[Self.gamma], updateInterval: invocation[Self.update],
                          tolerance: invocation[Self.tolerance])
    }
}

/// `track [every=] [restarts=]`: the session's tracking default.
struct TrackOptions {
    static let every = OptionKey("every", .integer(0...SharedOptions.epochRange.upperBound), default: 1,
                                 help: "Measure every N epochs of each training call that does not say `track=` (0: off).")
    static let restarts = OptionKey("restarts", .integer(1...100), default: TrackingSettings(every: 1, clusterCount: 1, labels: nil).restarts,
                                    help: "k-means restarts of each measurement.")
    static let declarations = [every.spec, restarts.spec]

    let every: Int
    let restarts: Int

    init(_ invocation: Invocation) {
        every = invocation[Self.every]
        restarts = invocation[Self.restarts]
    }
}
