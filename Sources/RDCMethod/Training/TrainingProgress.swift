// Layer: method (R-DC). Pure Swift, no I/O: the one progress record a training run sends, from
// the epoch loop to every front end (the session throttles it; terminals and notebooks draw it).

import Foundation

/// Where a training run stands. Epoch numbers count the whole phase (earlier calls included),
/// so a bar, a summary line and `history` all say the same numbers.
public struct TrainingProgress: Sendable, Equatable {
    /// What just happened.
    public enum Moment: Sendable, Equatable {
        /// A batch was applied; `losses` are that batch's.
        case batch
        /// An epoch ended; `losses` are the epoch's means.
        case epochEnd
        /// The run ended (finished, interrupted or diverged); `losses` are the latest figures.
        case final
    }

    /// Which phase is training.
    public var phase: TrainingPhase
    /// The phase-level epochs this run covers, e.g. 4...6 for a second call of 3 epochs.
    public var epochs: ClosedRange<Int>
    /// The current phase-level epoch (within `epochs`).
    public var epoch: Int
    /// Batches applied in the current epoch, and how many it has.
    public var batch: Int, batches: Int
    /// Losses under the names users see, in the order they are shown.
    public var losses: [NamedLoss]
    /// Seconds since the run started.
    public var elapsedSeconds: Double
    /// What this record reports.
    public var moment: Moment
    /// The latest tracked measures of this run (see `TrackingSettings`), once there are some.
    public var tracked: TrackedMeasures?

    /// A progress record.
    public init(phase: TrainingPhase, epochs: ClosedRange<Int>, epoch: Int, batch: Int, batches: Int,
                losses: [NamedLoss], elapsedSeconds: Double, moment: Moment, tracked: TrackedMeasures? = nil) {
        self.tracked = tracked
        self.phase = phase
        self.epochs = epochs
        self.epoch = epoch
        self.batch = batch
        self.batches = batches
        self.losses = losses
        self.elapsedSeconds = elapsedSeconds
        self.moment = moment
    }

    /// Whether this is the run's last record.
    public var isFinal: Bool { moment == .final }

    /// Fraction of the run done, from 0 to 1 (1 at the end of a run that finished).
    public var fractionDone: Double {
        guard batches > 0 else { return isFinal ? 1 : 0 }
        let done = Double(epoch - epochs.lowerBound) + Double(batch) / Double(batches)
        return min(1, max(0, done / Double(epochs.count)))
    }

    /// Estimated seconds left, from the pace so far; nil before any batch and at the end.
    public var remainingSeconds: Double? {
        let done = fractionDone
        guard !isFinal, done > 0, done < 1 else { return nil }
        return elapsedSeconds * (1 - done) / done
    }
}
