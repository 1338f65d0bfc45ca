// Layer: session (outputs). Pure Swift, no I/O: one progress report of a long command, which
// front ends show as a bar, an updating display, or periodic lines.

import Foundation

/// A named figure, e.g. a loss ("ae", 12.31).
public struct NamedValue: Sendable, Equatable {
    /// The figure's short name.
    public var name: String
    /// Its value.
    public var value: Double

    /// Makes a named figure.
    public init(_ name: String, _ value: Double) {
        self.name = name
        self.value = value
    }
}

/// Where a long command stands: phase, epoch, batch, current losses, time.
public struct ProgressEvent: Sendable, Equatable {
    /// The phase's name, e.g. "pretrain".
    public var phase: String
    /// The current epoch, 1-based.
    public var epoch: Int
    /// Epochs in this run.
    public var epochs: Int
    /// The current batch within the epoch, 1-based.
    public var batch: Int
    /// Batches per epoch.
    public var batches: Int
    /// Running losses, in the order they should be shown.
    public var losses: [NamedValue]
    /// Seconds since the run started.
    public var elapsedSeconds: Double
    /// Estimated seconds left, when known.
    public var remainingSeconds: Double?
    /// Whether this is the run's last event (its final figures).
    public var isFinal: Bool

    /// Makes a progress event.
    public init(phase: String, epoch: Int, epochs: Int, batch: Int, batches: Int, losses: [NamedValue],
                elapsedSeconds: Double, remainingSeconds: Double? = nil, isFinal: Bool = false) {
        self.phase = phase
        self.epoch = epoch
        self.epochs = epochs
        self.batch = batch
        self.batches = batches
        self.losses = losses
        self.elapsedSeconds = elapsedSeconds
        self.remainingSeconds = remainingSeconds
        self.isFinal = isFinal
    }

    /// Fraction of the run done, from 0 to 1.
    public var fractionDone: Double {
        guard epochs > 0, batches > 0 else { return isFinal ? 1 : 0 }
        let done = Double(epoch - 1) + Double(batch) / Double(batches)
        return min(1, max(0, done / Double(epochs)))
    }

    /// One line, e.g. "pretrain epoch 3/10 batch 120/274 ae=12.31 critic=0.041  1m12s left";
    /// a final event ends with "done in 3m05s".
    public var plainText: String {
        var words = ["\(phase) epoch \(epoch)/\(epochs) batch \(batch)/\(batches)"]
        words += losses.map { "\($0.name)=\(String(format: "%.4g", $0.value))" }
        var line = words.joined(separator: " ")
        if isFinal {
            line += "  done in \(formatDuration(elapsedSeconds))"
        } else if let remainingSeconds {
            line += "  \(formatDuration(remainingSeconds)) left"
        }
        return line
    }
}

/// "45s", "1m12s", "2h03m".
func formatDuration(_ seconds: Double) -> String {
    let total = Int(max(0, seconds).rounded())
    if total < 60 { return "\(total)s" }
    if total < 3600 { return "\(total / 60)m" + String(format: "%02ds", total % 60) }
    return "\(total / 3600)h" + String(format: "%02dm", (total % 3600) / 60)
}
