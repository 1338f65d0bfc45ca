// Layer: session (command options). May use RDCMethod's settings types; no I/O. The options of
// `model`, `pretrain` and `refine`, declared once: the registry lists them, the executors decode
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

    /// `M=`: nearest neighbours per point.
    static let neighbours = OptionKey("M", .integer(1...1000), default: RefineSettings().neighbours,
                                   help: "Nearest neighbours per point (itself excluded).")
}

extension ModelKind: ChoiceWord {}

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
    static let declarations = [epochs.spec, batch.spec, learningRate.spec, critic.spec, lambda.spec, gamma.spec]

    let epochs: Int
    let settings: PretrainSettings

    init(_ invocation: Invocation) {
        epochs = invocation[Self.epochs]
        settings = PretrainSettings(
            batchSize: invocation[Self.batch], learningRate: invocation[Self.learningRate],
            acai: ACAISettings(criticEnabled: invocation[Self.critic], lambda: invocation[Self.lambda],
                               gamma: invocation[Self.gamma]))
    }
}

/// `refine [epochs=] [M=] [beta=] [q=] [refresh=] [lr=] [batch=] [critic=]`.
struct RefineOptions {
    private static let defaults = RefineSettings()
    static let epochs = OptionalOptionKey("epochs", .integer(SharedOptions.epochRange), computed: RefineSettings.defaultEpochsRule,
                                       help: "Passes over the data.")
    static let beta = OptionalOptionKey("beta", ValueCodec<Float>.decimal(.atLeast(0)), computed: "10·d/L (d input values, L latent size)",
                                     help: "Weight of the proximity term.")
    static let quantile = OptionKey("q", .decimal(.above(0, upTo: 1)), default: defaults.quantile,
                                 help: "Quantile of neighbour distances below which a point is an anchor.")
    static let refresh = OptionKey("refresh", .integer(SharedOptions.epochRange), default: defaults.refreshEvery,
                                help: "Epochs between recomputations of neighbours and targets.")
    static let learningRate = SharedOptions.learningRate(default: defaults.learningRate)
    static let batch = SharedOptions.batchSize(default: defaults.batchSize)
    static let critic = SharedOptions.critic(default: defaults.acai.criticEnabled,
                                             help: "Keep the ACAI critic term (about twice the time).")
    static let declarations = [epochs.spec, SharedOptions.neighbours.spec, beta.spec, quantile.spec, refresh.spec,
                               learningRate.spec, batch.spec, critic.spec]

    /// Epochs asked for, or nil for the method's rule.
    let epochs: Int?
    let settings: RefineSettings

    init(_ invocation: Invocation) {
        epochs = invocation[Self.epochs]
        settings = RefineSettings(
            batchSize: invocation[Self.batch], learningRate: invocation[Self.learningRate],
            neighbours: invocation[SharedOptions.neighbours], beta: invocation[Self.beta],
            quantile: invocation[Self.quantile], refreshEvery: invocation[Self.refresh],
            acai: ACAISettings(criticEnabled: invocation[Self.critic]))
    }
}
