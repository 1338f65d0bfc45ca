// Layer: session (outputs). Pure Swift, no I/O: how a training run's progress reads as one line
// of text, for every front end (a notebook's display, a terminal's lines and bar).

import Foundation
import RDCMethod

extension TrainingProgress {
    /// "pretrain epoch 5/6 batch 120/274 recon=12.31 critic=0.041  1m12s left", with
    /// " | tracked ACC=0.553 …" once the run has tracked an epoch; a final record
    /// ends with "done in 3m05s". The epoch numbers are the phase's, as in the summary line
    /// ("pretrain: epochs 4–6 done") and in `history`.
    public var plainText: String {
        var line = "\(counterText) \(NamedLoss.text(losses))"
        if let tracked { line += " | tracked " + tracked.shortText }
        if isFinal {
            line += "  done in \(formatSeconds(elapsedSeconds))"
        } else if let remainingSeconds {
            line += "  \(formatDuration(remainingSeconds)) left"
        }
        return line
    }

    /// "pretrain epoch 5/6 batch 120/274": the phase, its epoch out of the run's last, the batch.
    public var counterText: String {
        "\(phase.rawValue) epoch \(epoch)/\(epochs.upperBound) batch \(batch)/\(batches)"
    }
}

extension TrackedMeasures {
    /// "ACC=0.553 NMI=0.521 twist=0.912 drift=0.031": the measures a progress line shows
    /// (inertia and ARI are left to `history` to keep the line short).
    public var shortText: String {
        entries.filter { $0.name != "inertia" && $0.name != "ARI" }
            .map { "\($0.name)=\(String(format: "%.3g", $0.value))" }.joined(separator: " ")
    }
}

/// "45s", "1m12s", "2h03m".
public func formatDuration(_ seconds: Double) -> String {
    let total = Int(max(0, seconds).rounded())
    if total < 60 { return "\(total)s" }
    if total < 3600 { return "\(total / 60)m" + String(format: "%02ds", total % 60) }
    return "\(total / 3600)h" + String(format: "%02dm", (total % 3600) / 60)
}

/// "3.2s", "1m05s": a run's wall time, as summaries and final progress lines say it.
public func formatSeconds(_ seconds: Double) -> String {
    seconds < 60 ? String(format: "%.1fs", seconds) : formatDuration(seconds)
}
