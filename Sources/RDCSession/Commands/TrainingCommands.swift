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
        let firstEpoch = model!.pretrainEpochs + 1
        let reporter = ProgressReporter(phase: "pretrain", emit: context.emit)
        let outcome = try Trainer.pretrain(&model!, samples: data.samples, epochs: epochs, settings: settings,
                                           cancellation: context.cancellation, observer: reporter.observer)
        modelChanged()
        let defaults = PretrainSettings()
        try finishTraining(outcome, phase: .pretrain, firstEpoch: firstEpoch, reporter: reporter, context: context,
                           suspects: [("lr", Double(settings.learningRate), Double(defaults.learningRate)),
                                      ("lambda", Double(settings.acai.lambda), Double(defaults.acai.lambda))])
    }

    mutating func refine(_ context: CommandContext) throws {
        let (data, _) = try requireModel()
        let options = RefineOptions(context.invocation)
        let settings = options.settings, neighbours = settings.neighbours
        guard neighbours < data.count else {
            throw CommandFailure("M=\(neighbours) needs more than \(neighbours) images; the data has \(data.count)")
        }
        let epochs = options.epochs ?? RefineSettings.defaultEpochs(sampleCount: data.count)
        if model!.pretrainEpochs == 0 {
            context.warn("note: Phase 2 on an untrained model; run `pretrain` first for meaningful neighbours")
        }
        let blueprint = model!.blueprint
        let beta = settings.effectiveBeta(inputSize: blueprint.inputSize, latentSize: blueprint.latentSize)
        context.say("refine: M=\(neighbours) q=\(formatFigure(Double(settings.quantile))) beta=\(formatFigure(Double(beta))) "
                    + "refresh=\(settings.refreshEvery), \(epochs) epochs")
        let firstEpoch = model!.refineEpochs + 1
        let reporter = ProgressReporter(phase: "refine", emit: context.emit)
        let outcome: TrainingOutcome
        do {
            outcome = try Trainer.refine(&model!, samples: data.samples, epochs: epochs, settings: settings,
                                         cancellation: context.cancellation, observer: reporter.observer)
        } catch {
            modelChanged()
            throw CommandFailure("refine stopped: \(CommandFailure.describe(error))", keepsChanges: true)
        }
        modelChanged()
        let defaultBeta = RefineSettings().effectiveBeta(inputSize: blueprint.inputSize, latentSize: blueprint.latentSize)
        try finishTraining(outcome, phase: .refine, firstEpoch: firstEpoch, reporter: reporter, context: context,
                           suspects: [("lr", Double(settings.learningRate), Double(RefineSettings().learningRate)),
                                      ("beta", Double(beta), Double(defaultBeta))])
    }

    /// Emits the final progress and a summary line. Throws the interruption when cancelled, and
    /// a failure naming the batch and the likely cause when training diverged (the batches
    /// before it are kept). `suspects` are (option, value, default) of the settings whose
    /// excess usually makes training diverge.
    private func finishTraining(_ outcome: TrainingOutcome, phase: TrainingPhase, firstEpoch: Int,
                                reporter: ProgressReporter, context: CommandContext,
                                suspects: [(name: String, value: Double, defaultValue: Double)]) throws {
        reporter.finish()
        let model = model!
        let total = phase == .pretrain ? model.pretrainEpochs : model.refineEpochs
        let finished = total - firstEpoch + 1
        switch outcome {
        case .finished:
            let losses = model.history.last { $0.phase == phase && $0.epoch == total }
                .map { " — last epoch " + formatLosses($0.losses) } ?? ""
            let range = finished == 1 ? "epoch \(total)" : "epochs \(firstEpoch)–\(total)"
            context.say("\(phase.rawValue): \(range) done in \(formatSeconds(reporter.elapsed))\(losses)")
        case .cancelled(let epoch, let batches):
            throw CommandInterruption(message: "interrupted at \(phase.rawValue) epoch \(firstEpoch + epoch - 1) after "
                                      + "\(batches) batches; the model keeps every finished batch (now \(model.progressDescription)); "
                                      + "`\(phase.rawValue)` again finishes that epoch first")
        case .diverged(let epoch, let batch, let losses):
            let excessive = suspects.filter { $0.value > 10 * $0.defaultValue }
                .map { "\($0.name)=\(formatFigure($0.value)) (default \(formatFigure($0.defaultValue)))" }
            let cause = excessive.isEmpty
                ? "the learning rate may be too high for this data; try a lower lr="
                : "likely " + excessive.joined(separator: " and ") + "; lower " + (excessive.count == 1 ? "it" : "them")
            throw CommandFailure("\(phase.rawValue) diverged at epoch \(firstEpoch + epoch - 1), batch \(batch): "
                                 + "\(formatLosses(losses)); that batch was not applied and the model is as it was "
                                 + "before it (\(model.progressDescription)). \(cause)", keepsChanges: true)
        }
    }
}

/// Turns the trainer's batch and epoch reports into progress events: at most one every 0.25 s,
/// one at each epoch's end, and a final one.
final class ProgressReporter {
    private let phase: String
    private let emit: (SessionOutput) -> Void
    private let start = Date()
    private var lastEmitted = Date.distantPast
    private var latest: ProgressEvent?
    private static let interval = 0.25

    init(phase: String, emit: @escaping (SessionOutput) -> Void) {
        self.phase = phase
        self.emit = emit
    }

    /// Seconds since the run started.
    var elapsed: Double { Date().timeIntervalSince(start) }

    var observer: TrainingObserver {
        TrainingObserver(
            batchFinished: { [self] report in
                let event = makeEvent(epoch: report.epoch, epochs: report.epochs, batch: report.batch,
                                      batches: report.batches, losses: report.losses)
                latest = event
                // An epoch's last batch is reported by the epoch's end, just after.
                if report.batch < report.batches, Date().timeIntervalSince(lastEmitted) >= Self.interval { send(event) }
            },
            epochFinished: { [self] record in
                guard let current = latest else { return }
                // The epoch's mean losses replace the last batch's.
                let event = makeEvent(epoch: current.epoch, epochs: current.epochs, batch: current.batches,
                                      batches: current.batches, losses: record.losses)
                latest = event
                send(event)
            })
    }

    /// Emits the final event (the latest figures, marked final).
    func finish() {
        guard var event = latest else { return }
        event.elapsedSeconds = elapsed
        event.remainingSeconds = nil
        event.isFinal = true
        emit(.progress(event))
    }

    private func send(_ event: ProgressEvent) {
        lastEmitted = Date()
        emit(.progress(event))
    }

    private func makeEvent(epoch: Int, epochs: Int, batch: Int, batches: Int, losses: [NamedLoss]) -> ProgressEvent {
        var event = ProgressEvent(phase: phase, epoch: epoch, epochs: epochs, batch: batch, batches: batches,
                                  losses: losses.map { NamedValue($0.name, Double($0.value)) }, elapsedSeconds: elapsed)
        let done = event.fractionDone
        if done > 0 { event.remainingSeconds = event.elapsedSeconds * (1 - done) / done }
        return event
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

/// "recon=12.31 acai=0.04123".
func formatLosses(_ losses: [NamedLoss]) -> String {
    losses.map { "\($0.name)=\(formatFigure(Double($0.value)))" }.joined(separator: " ")
}

/// Four significant figures, e.g. "12.31", "0.04123", "1.2e-05".
func formatFigure(_ value: Double) -> String {
    String(format: "%.4g", value)
}

/// "3.2s", "1m05s".
func formatSeconds(_ seconds: Double) -> String {
    seconds < 60 ? String(format: "%.1fs", seconds) : formatDuration(seconds)
}
