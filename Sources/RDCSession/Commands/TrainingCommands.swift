// Layer: session (commands). May use RDCMethod; never sockets or terminals. `model`, `pretrain`
// and `refine`: build the networks and run the method's trainers with throttled progress and
// cancellation between batches.

import Foundation
import RDCMethod

extension SessionState {
    mutating func buildModel(_ context: CommandContext) throws {
        let data = try requireData()
        let options = ModelOptions(context.invocation)
        let kind = options.kind, latent = options.latentSize
        let blueprint = try ModelBlueprint(kind: kind, inputShape: data.layout.itemShape, latentSize: latent)
        let built = TrainingState(blueprint: blueprint, seed: seed)
        var autoencoder = built.autoencoder, critic = built.critic.network
        var parameters = 0
        autoencoder.visitParameters { parameters += $0.value.count }
        var criticParameters = 0
        critic.visitParameters { criticParameters += $0.value.count }
        let replaced = model != nil
        model = built
        forgetClusterings()
        modelChanged()
        context.say("built a \(kind.rawValue) model for \(Self.shapeText(blueprint.inputShape)) inputs, latent size \(latent): "
                    + "\(formatCount(parameters)) autoencoder and \(formatCount(criticParameters)) critic parameters (seed \(seed))"
                    + (replaced ? "; the previous model and clustering are gone" : ""))
    }

    mutating func pretrain(_ context: CommandContext) throws {
        let (data, _) = try requireModel()
        let options = PretrainOptions(context.invocation)
        let epochs = options.epochs, settings = options.settings
        let tracking = trackingSettings(options.track, data: data)
        let (outcome, final) = try runTraining(.pretrain, context) { state, observer in
            try Trainer.pretrain(&state, samples: data.samples, epochs: epochs, settings: settings,
                                 cancellation: context.cancellation, observer: observer, tracking: tracking)
        }
        let defaults = PretrainSettings()
        try finishTraining(outcome, phase: .pretrain, final: final, context: context,
                           suspects: [("lr", Double(settings.learningRate), Double(defaults.learningRate)),
                                      ("lambda", Double(settings.acai.lambda), Double(defaults.acai.lambda))])
    }

    mutating func refine(_ context: CommandContext) throws {
        let (data, _) = try requireModel()
        let options = try RefineOptions(context.invocation, seed: seed)
        let settings = options.settings, rule = settings.neighbourhood
        guard rule.largestCount < data.count else {
            throw CommandFailure("\(rule.description) needs more than \(rule.largestCount) images; the data has \(data.count)")
        }
        let epochs = options.epochs ?? RefineSettings.defaultEpochs(sampleCount: data.count)
        if model!.pretrainEpochs == 0 {
            context.warn("note: Phase 2 on an untrained model; run `pretrain` first for meaningful neighbours")
        }
        let blueprint = model!.blueprint
        let beta = settings.effectiveBeta(inputSize: blueprint.inputSize, latentSize: blueprint.latentSize)
        context.say("refine: \(rule.description) q=\(formatFigure(Double(settings.quantile)))"
                    + (settings.target.pullsEmbeddings || settings.target.followsGraph ? " beta=\(formatFigure(Double(beta)))" : "")
                    + " refresh=\(settings.refreshEvery) target=\(settings.target.rawValue), \(epochs) epochs")
        let tracking = trackingSettings(options.track, data: data)
        let (outcome, final) = try runTraining(.refine, context) { state, observer in
            try Trainer.refine(&state, samples: data.samples, epochs: epochs, settings: settings,
                               cancellation: context.cancellation, observer: observer, tracking: tracking)
        }
        let defaultBeta = RefineSettings(target: settings.target).effectiveBeta(inputSize: blueprint.inputSize, latentSize: blueprint.latentSize)
        try finishTraining(outcome, phase: .refine, final: final, context: context,
                           suspects: [("lr", Double(settings.learningRate), Double(RefineSettings().learningRate)),
                                      ("beta", Double(beta), Double(defaultBeta))])
        if let targets = model?.proximity?.targets { context.say("neighbourhoods: " + Self.describe(targets)) }
    }

    mutating func selftrain(_ context: CommandContext) throws {
        let (data, _) = try requireModel()
        let options = SelftrainOptions(context.invocation)
        let k = options.k ?? data.classCount ?? 10
        guard k <= data.count else {
            throw CommandFailure("k=\(k) clusters need at least \(k) images; the data has \(data.count)")
        }
        let settings = options.settings(clusterCount: k)
        let epochs = options.epochs ?? SelfTrainSettings.defaultEpochs(sampleCount: data.count)
        if model!.pretrainEpochs == 0 {
            context.warn("note: self-training an untrained model; run `pretrain` first for meaningful centres")
        }
        let continuing = model!.selfTraining.map { $0.layer.clusterCount == k && $0.assignments.count == data.count } ?? false
        context.say("selftrain (\(settings.reconstructionWeight > 0 ? "IDEC" : "DEC")): k=\(k) "
                    + "gamma=\(formatFigure(Double(settings.reconstructionWeight))) update=\(settings.updateInterval) "
                    + "tol=\(formatFigure(Double(settings.tolerance))), \(epochs) epochs"
                    + (continuing ? "" : "; centres from k-means on the current embeddings"))
        let tracking = trackingSettings(options.track, data: data)
        let (outcome, final) = try runTraining(.selftrain, context) { state, observer in
            try Trainer.selftrain(&state, samples: data.samples, epochs: epochs, settings: settings,
                                  cancellation: context.cancellation, observer: observer, tracking: tracking)
        }
        try finishTraining(outcome, phase: .selftrain, final: final, context: context,
                           suspects: [("lr", Double(settings.learningRate), Double(SelfTrainSettings(clusterCount: k).learningRate))])
    }

    /// Runs one trainer call on the model with throttled progress; whatever it returns or
    /// throws, the model has changed (finished batches are kept), and an error becomes a failure
    /// naming the phase that keeps those changes.
    private mutating func runTraining(_ phase: TrainingPhase, _ context: CommandContext,
                                      _ train: (inout TrainingState, TrainingObserver) throws -> TrainingOutcome)
        throws -> (outcome: TrainingOutcome, final: TrainingProgress?) {
        let reporter = ProgressReporter(emit: context.emit)
        defer { modelChanged() }
        do {
            return (try train(&model!, reporter.observer), reporter.final)
        } catch {
            throw CommandFailure("\(phase.rawValue) stopped: \(CommandFailure.describe(error))", keepsChanges: true)
        }
    }

    /// "M=12.3±4.1 (5–40), 6.2 mutual neighbours kept per point, 900 anchors".
    static func describe(_ targets: ProximityTargets) -> String {
        (targets.neighbourCounts.map { "\($0.text), " } ?? "")
            + String(format: "%.1f", targets.meanKeptNeighbours) + " mutual neighbours kept per point, \(targets.activeCount) anchors"
    }

    /// Tracking for a training call that asked for `asked` (nil: the session's default), with
    /// K from the labels (else 10); nil when off.
    private func trackingSettings(_ asked: Int?, data: Dataset) -> TrackingSettings? {
        let every = asked ?? trackEvery
        guard every > 0 else { return nil }
        return TrackingSettings(every: every, clusterCount: min(data.classCount ?? 10, data.count), labels: data.labels,
                                restarts: trackRestarts, neighbours: min(TrackingSettings.defaultNeighbours, data.count - 1))
    }

    /// Says the summary line of a run whose last progress record was `final`. Throws the
    /// interruption when cancelled, and a failure naming the batch and the likely cause when
    /// training diverged (the batches before it are kept). `suspects` are (option, value,
    /// default) of the settings whose excess usually makes training diverge.
    private func finishTraining(_ outcome: TrainingOutcome, phase: TrainingPhase, final: TrainingProgress?,
                                context: CommandContext,
                                suspects: [(name: String, value: Double, defaultValue: Double)]) throws {
        let model = model!
        switch outcome {
        case .finished:
            guard let final else { return }
            let epochs = final.epochs
            let losses = model.history.last { $0.phase == phase && $0.epoch == epochs.upperBound }
                .map { " — last epoch " + NamedLoss.text($0.losses) } ?? ""
            let range = epochs.count == 1 ? "epoch \(epochs.lowerBound)" : "epochs \(epochs.lowerBound)–\(epochs.upperBound)"
            context.say("\(phase.rawValue): \(range) done in \(formatSeconds(final.elapsedSeconds))\(losses)")
        case .converged(let epoch, let batches, let reason):
            let elapsed = final.map { " after \(formatSeconds($0.elapsedSeconds))" } ?? ""
            context.say("\(phase.rawValue): stopped early at epoch \(epoch) after \(formatBatches(batches))\(elapsed): \(reason) "
                        + "(now \(model.progressDescription))")
        case .cancelled(let epoch, let batches):
            throw CommandInterruption(message: "interrupted at \(phase.rawValue) epoch \(epoch) after "
                                      + "\(batches) batches; the model keeps every finished batch (now \(model.progressDescription)); "
                                      + "`\(phase.rawValue)` again finishes that epoch first")
        case .diverged(let epoch, let batch, let losses):
            let excessive = suspects.filter { $0.value > 10 * $0.defaultValue }
                .map { "\($0.name)=\(formatFigure($0.value)) (default \(formatFigure($0.defaultValue)))" }
            let cause = excessive.isEmpty
                ? "the learning rate may be too high for this data; try a lower lr="
                : "likely " + excessive.joined(separator: " and ") + "; lower " + (excessive.count == 1 ? "it" : "them")
            throw CommandFailure("\(phase.rawValue) diverged at epoch \(epoch), batch \(batch): "
                                 + "\(NamedLoss.text(losses)); that batch was not applied and the model is as it was "
                                 + "before it (\(model.progressDescription)). \(cause)", keepsChanges: true)
        }
    }
}

/// Passes the trainer's progress records on as outputs: batches at most one every 0.25 s, every
/// epoch's end, and the run's final record (which it also keeps for the summary line).
final class ProgressReporter {
    private let emit: (SessionOutput) -> Void
    private var lastEmitted = Date.distantPast
    private static let interval = 0.25

    /// The run's final record, once training has returned (nil when no batch ran).
    private(set) var final: TrainingProgress?

    init(emit: @escaping (SessionOutput) -> Void) {
        self.emit = emit
    }

    var observer: TrainingObserver {
        TrainingObserver { [self] progress in
            switch progress.moment {
            case .batch:
                // An epoch's last batch is followed at once by the epoch's end.
                guard progress.batch < progress.batches, Date().timeIntervalSince(lastEmitted) >= Self.interval else { return }
            case .epochEnd:
                break
            case .final:
                final = progress
            }
            lastEmitted = Date()
            emit(.progress(progress))
        }
    }
}

/// "1,234,567".
func formatCount(_ count: Int) -> String {
    let digits = String(count)
    var grouped = ""
    for (index, digit) in digits.enumerated() {
        if index > 0 && (digits.count - index) % 3 == 0 { grouped.append(",") }
        grouped.append(digit)
    }
    return grouped
}

/// "1 batch", "37 batches".
func formatBatches(_ count: Int) -> String {
    count == 1 ? "1 batch" : "\(formatCount(count)) batches"
}

/// Four significant figures, e.g. "12.31", "0.04123", "1.2e-05".
func formatFigure(_ value: Double) -> String {
    String(format: "%.4g", value)
}
