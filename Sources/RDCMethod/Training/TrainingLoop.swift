// Layer: method (R-DC). May use NumericCore; never the session, sockets or pictures.

import Foundation
import Synchronization

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

/// The two training phases of R-DC.
public enum TrainingPhase: String, Codable, Sendable, CaseIterable {
    /// Phase 1: instance-level self-supervision (reconstruction + ACAI).
    case pretrain
    /// Phase 2: proximity-level self-supervision (reconstruction + pull to neighbour centroids).
    case refine
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
}

/// Progress after one batch.
public struct BatchReport: Sendable {
    /// Which phase is training.
    public var phase: TrainingPhase
    /// Epoch number within this call (1-based) and how many this call runs.
    public var epoch: Int, epochs: Int
    /// Batch number within the epoch (1-based) and how many the epoch has.
    public var batch: Int, batches: Int
    /// This batch's losses.
    public var losses: [NamedLoss]
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

    /// An epoch record.
    public init(phase: TrainingPhase, epoch: Int, losses: [NamedLoss], seconds: Double) {
        self.phase = phase
        self.epoch = epoch
        self.losses = losses
        self.seconds = seconds
    }
}

/// Who hears about training as it happens.
public struct TrainingObserver {
    /// Called after every batch.
    public var batchFinished: (BatchReport) -> Void
    /// Called after every complete epoch.
    public var epochFinished: (EpochRecord) -> Void

    /// An observer from two callbacks (both optional).
    public init(batchFinished: @escaping (BatchReport) -> Void = { _ in },
                epochFinished: @escaping (EpochRecord) -> Void = { _ in }) {
        self.batchFinished = batchFinished
        self.epochFinished = epochFinished
    }
}

/// How a training call ended.
public enum TrainingOutcome: Equatable, Sendable {
    /// Every asked-for epoch ran.
    case finished
    /// Stopped by the cancellation token: `batches` of epoch `epoch` (1-based in this call)
    /// were applied; the model holds their effect and training can continue.
    case cancelled(epoch: Int, batches: Int)
}

/// Shuffled mini-batch epochs with progress reports and cancellation between batches.
enum EpochLoop {
    /// Runs `epochs` epochs over `sampleCount` items; `trainBatch` trains on the given item
    /// indices and returns that batch's losses. `beforeEpoch` runs at the start of each epoch.
    static func run(phase: TrainingPhase, sampleCount: Int, batchSize: Int, epochs: Int, firstEpochNumber: Int,
                    generator: inout SeededGenerator, cancellation: CancellationToken, observer: TrainingObserver,
                    beforeEpoch: (Int) -> Void = { _ in },
                    trainBatch: ([Int], inout SeededGenerator) -> [NamedLoss]) -> TrainingOutcome {
        let batches = (sampleCount + batchSize - 1) / batchSize
        for epoch in 1...max(epochs, 1) where epochs > 0 {
            if cancellation.isCancelled { return .cancelled(epoch: epoch, batches: 0) }
            beforeEpoch(epoch)
            let start = Date()
            let order = generator.permutation(sampleCount)
            var sums: [NamedLoss] = []
            for batch in 0..<batches {
                if cancellation.isCancelled { return .cancelled(epoch: epoch, batches: batch) }
                let indices = Array(order[(batch * batchSize)..<min(sampleCount, (batch + 1) * batchSize)])
                let losses = trainBatch(indices, &generator)
                if sums.isEmpty { sums = losses.map { NamedLoss($0.name, 0) } }
                for index in losses.indices { sums[index].value += losses[index].value }
                observer.batchFinished(BatchReport(phase: phase, epoch: epoch, epochs: epochs, batch: batch + 1,
                                                   batches: batches, losses: losses))
            }
            observer.epochFinished(EpochRecord(phase: phase, epoch: firstEpochNumber + epoch - 1,
                                               losses: sums.map { NamedLoss($0.name, $0.value / Float(batches)) },
                                               seconds: Date().timeIntervalSince(start)))
        }
        return .finished
    }
}
