// Layer: method (R-DC). May use NumericCore; never the session, sockets or pictures.

import Foundation
import Synchronization
import NumericCore

/// A flag another thread sets to stop long work at its next check (between batches).
public final class CancellationToken: Sendable {
    private let flag = Atomic<Bool>(false)

    /// A token not yet cancelled.
    public init() {}

    /// Asks the work to stop at its next check; safe from any thread or a signal watcher.
    public func cancel() { flag.store(true, ordering: .relaxed) }

    /// Clears the request (at the start of the next command).
    public func reset() { flag.store(false, ordering: .relaxed) }

    /// Whether a stop was asked for.
    public var isCancelled: Bool { flag.load(ordering: .relaxed) }
}

/// The training phases: R-DC's two, and the paper's comparison arm.
public enum TrainingPhase: String, Codable, Sendable, CaseIterable {
    /// Phase 1: instance-level self-supervision (reconstruction + ACAI).
    case pretrain
    /// Phase 2: proximity-level self-supervision (reconstruction + pull to neighbour centroids).
    case refine
    /// Phase 3, the ablation's other arm: pseudo-supervision by DEC's self-training (with
    /// IDEC's reconstruction term when its weight is above 0).
    case selftrain
}

/// A named scalar loss (order matters: it is the order users see).
public struct NamedLoss: Equatable, Sendable {
    /// Short name, e.g. "recon", "acai", "critic", "proximity".
    public var name: String
    /// The value.
    public var value: Float

    /// A named loss.
    public init(_ name: String, _ value: Float) {
        self.name = name
        self.value = value
    }

    /// "recon=12.31 acai=0.04123": each loss to four significant figures, as every front end
    /// shows them.
    public static func text(_ losses: [NamedLoss]) -> String {
        losses.map { "\($0.name)=\(String(format: "%.4g", Double($0.value)))" }.joined(separator: " ")
    }
}

/// The mean losses of one finished epoch.
public struct EpochRecord: Equatable, Sendable {
    /// Which phase.
    public var phase: TrainingPhase
    /// Epoch number within the phase, counting every earlier call (1-based).
    public var epoch: Int
    /// Mean of each loss over the epoch's batches.
    public var losses: [NamedLoss]
    /// Wall time of the epoch.
    public var seconds: Double
    /// For an epoch abandoned before its end (interrupted, then another phase ran): the
    /// batches that were applied. Nil for a complete epoch.
    public var partialBatches: Int?
    /// What tracking measured after this epoch, when it was tracked.
    public var tracked: TrackedMeasures?
    /// Phase 2: the M of the targets this epoch trained towards.
    public var neighbourCounts: NeighbourCountSummary?

    /// An epoch record.
    public init(phase: TrainingPhase, epoch: Int, losses: [NamedLoss], seconds: Double, partialBatches: Int? = nil,
                tracked: TrackedMeasures? = nil, neighbourCounts: NeighbourCountSummary? = nil) {
        self.phase = phase
        self.epoch = epoch
        self.losses = losses
        self.seconds = seconds
        self.partialBatches = partialBatches
        self.tracked = tracked
        self.neighbourCounts = neighbourCounts
    }
}

/// Who hears about training as it happens: one `TrainingProgress` after every batch, at every
/// epoch's end and when the run ends.
public struct TrainingObserver {
    /// Called with each record, on the training thread.
    public var report: (TrainingProgress) -> Void

    /// An observer from one callback (by default, nobody listens).
    public init(_ report: @escaping (TrainingProgress) -> Void = { _ in }) {
        self.report = report
    }
}

/// How a training call ended.
public enum TrainingOutcome: Equatable, Sendable {
    /// Every asked-for epoch ran.
    case finished
    /// Stopped by the cancellation token: `batches` of epoch `epoch` (of the phase, counting
    /// earlier calls) were applied; the model holds their effect and training can continue.
    case cancelled(epoch: Int, batches: Int)
    /// Stopped because batch `batch` (1-based) of epoch `epoch` (of the phase) gave a
    /// non-finite loss or gradient: that batch was not applied, the ones before it were.
    case diverged(epoch: Int, batch: Int, losses: [NamedLoss])
    /// Stopped early by the phase's own rule (self-training: too few assignments changed
    /// between two target updates) after `batches` of epoch `epoch` (of the phase).
    case converged(epoch: Int, batches: Int, reason: String)
}

/// An epoch that stopped before its end (interrupt or divergence): which samples it visits in
/// which order and how far it got, so the next call of the same phase finishes it.
public struct PartialEpoch: Equatable, Sendable {
    /// The phase it belongs to.
    public var phase: TrainingPhase
    /// Its epoch number within the phase (1-based).
    public var epoch: Int
    /// The epoch's shuffle of the sample indices.
    public var order: [Int]
    /// How many samples of `order` were trained on.
    public var samplesDone: Int
    /// How many batches were applied.
    public var batchesDone: Int
    /// Sums of each loss over the applied batches.
    public var lossSums: [NamedLoss]
    /// Wall time spent on it so far.
    public var seconds: Double

    /// A partial epoch record.
    public init(phase: TrainingPhase, epoch: Int, order: [Int], samplesDone: Int, batchesDone: Int,
                lossSums: [NamedLoss], seconds: Double) {
        self.phase = phase
        self.epoch = epoch
        self.order = order
        self.samplesDone = samplesDone
        self.batchesDone = batchesDone
        self.lossSums = lossSums
        self.seconds = seconds
    }

    /// Its record as an abandoned epoch: mean losses over the applied batches.
    public var abandonedRecord: EpochRecord {
        EpochRecord(phase: phase, epoch: epoch, losses: meanLosses, seconds: seconds, partialBatches: batchesDone)
    }

    /// Mean of each loss over the applied batches.
    public var meanLosses: [NamedLoss] {
        lossSums.map { NamedLoss($0.name, $0.value / Float(max(batchesDone, 1))) }
    }

    /// Batches the whole epoch has when the rest runs in batches of `batchSize`.
    public func batchCount(batchSize: Int) -> Int {
        batchesDone + (order.count - samplesDone + batchSize - 1) / batchSize
    }
}

/// Thrown by a batch step that finds, before changing anything, that the phase has converged.
struct ConvergedBeforeStep: Error {
    /// Why, in words (e.g. "0.04% of assignments changed, below tol=0.1%").
    let reason: String
}

/// Thrown by a batch step whose loss or gradients are not finite; nothing of it was applied.
struct NonFiniteStep: Error {
    /// The batch's losses as computed (some of them NaN or ±∞, or all finite when a
    /// gradient overflowed).
    let losses: [NamedLoss]
}

/// Shuffled mini-batch epochs with progress reports and cancellation between batches.
enum EpochLoop {
    /// Runs `epochs` epochs over `sampleCount` items, numbered from `firstEpochNumber` within the
    /// phase; `trainBatch` trains on the given item indices and returns that batch's losses (or
    /// throws `NonFiniteStep`, which stops the run with `.diverged`, or `ConvergedBeforeStep`,
    /// which stops it with `.converged`). `beforeEpoch` runs at the
    /// start of each epoch with its phase-level number, `afterEpoch` at its end on its record
    /// (tracking adds its measures there); their errors propagate. A `partial` epoch
    /// (of this phase, over these samples, numbered `firstEpochNumber`: see
    /// `TrainingState.settlePartialEpoch`) is finished first, as the first of the `epochs`; when
    /// the run stops mid-epoch, `partial` is left describing that epoch. Every finished epoch's
    /// record goes to `epochFinished`; the observer hears each batch, each epoch's end and, when
    /// any batch ran, the end of the run.
    static func run(phase: TrainingPhase, sampleCount: Int, batchSize: Int, epochs: Int, firstEpochNumber: Int,
                    partial: inout PartialEpoch?, generator: inout SeededGenerator,
                    cancellation: CancellationToken, observer: TrainingObserver,
                    epochFinished: (EpochRecord) -> Void,
                    beforeEpoch: (Int) throws -> Void = { _ in },
                    afterEpoch: (inout EpochRecord) throws -> Void = { _ in },
                    trainBatch: ([Int], inout SeededGenerator) throws -> [NamedLoss]) throws -> TrainingOutcome {
        guard epochs > 0 else { return .finished }
        let started = Date()
        var latest: TrainingProgress?
        var tracked: TrackedMeasures?
        func report(_ moment: TrainingProgress.Moment, epoch: Int, batch: Int, batches: Int, losses: [NamedLoss]) {
            let progress = TrainingProgress(
                phase: phase, epochs: firstEpochNumber...(firstEpochNumber + epochs - 1), epoch: epoch,
                batch: batch, batches: batches, losses: losses, elapsedSeconds: Date().timeIntervalSince(started), moment: moment,
                tracked: tracked)
            latest = progress
            observer.report(progress)
        }
        defer {
            if var last = latest {
                last.moment = .final
                last.elapsedSeconds = Date().timeIntervalSince(started)
                observer.report(last)
            }
        }
        for epoch in firstEpochNumber..<(firstEpochNumber + epochs) {
            if cancellation.isCancelled { return .cancelled(epoch: epoch, batches: partial?.batchesDone ?? 0) }
            try beforeEpoch(epoch)
            var current = partial ?? PartialEpoch(
                phase: phase, epoch: epoch, order: generator.permutation(sampleCount),
                samplesDone: 0, batchesDone: 0, lossSums: [], seconds: 0)
            let batches = current.batchCount(batchSize: batchSize)
            let resumedAt = Date()
            func stop() {
                current.seconds += Date().timeIntervalSince(resumedAt)
                partial = current
            }
            while current.samplesDone < sampleCount {
                if cancellation.isCancelled {
                    stop()
                    return .cancelled(epoch: epoch, batches: current.batchesDone)
                }
                let end = min(sampleCount, current.samplesDone + batchSize)
                let indices = Array(current.order[current.samplesDone..<end])
                let losses: [NamedLoss]
                do {
                    losses = try trainBatch(indices, &generator)
                } catch let failure as NonFiniteStep {
                    stop()
                    return .diverged(epoch: epoch, batch: current.batchesDone + 1, losses: failure.losses)
                } catch let converged as ConvergedBeforeStep {
                    // An epoch that converged before its first batch leaves nothing to finish.
                    if current.batchesDone > 0 { stop() } else { partial = nil }
                    return .converged(epoch: epoch, batches: current.batchesDone, reason: converged.reason)
                }
                if current.lossSums.isEmpty { current.lossSums = losses.map { NamedLoss($0.name, 0) } }
                for index in losses.indices { current.lossSums[index].value += losses[index].value }
                current.samplesDone = end
                current.batchesDone += 1
                report(.batch, epoch: epoch, batch: current.batchesDone, batches: batches, losses: losses)
            }
            current.seconds += Date().timeIntervalSince(resumedAt)
            partial = nil
            var record = EpochRecord(phase: phase, epoch: current.epoch, losses: current.meanLosses, seconds: current.seconds)
            try afterEpoch(&record)
            tracked = record.tracked ?? tracked
            epochFinished(record)
            report(.epochEnd, epoch: epoch, batch: batches, batches: batches, losses: record.losses)
        }
        return .finished
    }
}
