// Layer: method (R-DC), metrics. May use NumericCore; never the session, sockets or pictures.
// Per-epoch tracking (method.md "The three feature problems, measured"): every N epochs a
// training call embeds all samples, clusters them with a few k-means restarts, and records the
// scores and the three feature problems — Twist, Drift and Randomness.

import Foundation
import NumericCore

/// What to track, and how often.
public struct TrackingSettings: Sendable {
    /// Measure after every this many epochs of the phase (epoch numbers divisible by it).
    public var every: Int
    /// K of the tracking clusterings.
    public var clusterCount: Int
    /// k-means restarts per measurement (few: tracking should cost little).
    public var restarts = 3
    /// True labels, when the data has them (ACC, NMI, ARI and the labelled Randomness).
    public var labels: [Int]?
    /// M of the Twist's neighbour sets when nobody says.
    public static let defaultNeighbours = 10
    /// M of the Twist's neighbour sets.
    public var neighbours = TrackingSettings.defaultNeighbours
    /// Points the silhouette is computed on.
    public var silhouetteSample = 2000

    /// Tracking every `every` epochs with `clusterCount` clusters.
    public init(every: Int, clusterCount: Int, labels: [Int]?, restarts: Int = 3, neighbours: Int = 10) {
        self.every = every
        self.clusterCount = clusterCount
        self.labels = labels
        self.restarts = restarts
        self.neighbours = neighbours
    }
}

/// The figures of one tracked epoch.
public struct TrackedMeasures: Equatable, Sendable {
    /// Clustering scores against the labels (nil without labels).
    public var accuracy: Double?, normalizedMutualInformation: Double?, adjustedRandIndex: Double?
    /// k-means inertia on the normalised embeddings.
    public var inertia: Double
    /// Mean silhouette on a seeded sample (nil when it is undefined: one cluster).
    public var silhouette: Double?
    /// Feature Twist: mean Jaccard overlap of the M-NN sets now vs the phase's start.
    public var twist: Double?
    /// Feature Drift: 1 − ARI between this and the previous tracked clustering.
    public var drift: Double?
    /// Feature Randomness: the share of training targets that point the wrong way (see
    /// `Tracker.randomness`); nil in Phase 1, which has no such targets.
    public var randomness: Double?
    /// Seconds the measurement took.
    public var seconds: Double

    /// Measures from their parts.
    public init(accuracy: Double? = nil, normalizedMutualInformation: Double? = nil, adjustedRandIndex: Double? = nil,
                inertia: Double, silhouette: Double?, twist: Double?, drift: Double?, randomness: Double?, seconds: Double) {
        self.accuracy = accuracy
        self.normalizedMutualInformation = normalizedMutualInformation
        self.adjustedRandIndex = adjustedRandIndex
        self.inertia = inertia
        self.silhouette = silhouette
        self.twist = twist
        self.drift = drift
        self.randomness = randomness
        self.seconds = seconds
    }

    /// The names of `entries`, in the order tables, files and plots show them.
    public static let names = ["ACC", "NMI", "ARI", "inertia", "silhouette", "twist", "drift", "randomness"]

    /// (name, value) of every measure that has a value, in the order of `names`.
    public var entries: [(name: String, value: Double)] {
        let values: [Double?] = [accuracy, normalizedMutualInformation, adjustedRandIndex, inertia, silhouette, twist, drift, randomness]
        return zip(Self.names, values).compactMap { name, value in value.map { (name, $0) } }
    }

    /// Measures from (name, value) entries (checkpoints); nil when a name is unknown, a value is
    /// not finite or the inertia is missing.
    public init?(entries: [(name: String, value: Double)], seconds: Double) {
        var values: [String: Double] = [:]
        for (name, value) in entries {
            guard Self.names.contains(name), value.isFinite, values[name] == nil else { return nil }
            values[name] = value
        }
        guard let inertia = values["inertia"] else { return nil }
        self.init(accuracy: values["ACC"], normalizedMutualInformation: values["NMI"], adjustedRandIndex: values["ARI"],
                  inertia: inertia, silhouette: values["silhouette"], twist: values["twist"], drift: values["drift"],
                  randomness: values["randomness"], seconds: seconds)
    }
}

/// What tracking compares against: the embedding at the start of the tracked phase (Twist) and
/// the latest tracked clustering (Drift).
public struct TrackingReference: Equatable, Sendable {
    /// The phase whose start `startEmbeddings` were taken at.
    public var phase: TrainingPhase
    /// Raw embeddings at the start of the phase's first tracked call.
    public var startEmbeddings: Tensor
    /// The latest tracked clustering, of any phase.
    public var lastAssignments: [Int]?

    /// A reference from its parts.
    public init(phase: TrainingPhase, startEmbeddings: Tensor, lastAssignments: [Int]?) {
        self.phase = phase
        self.startEmbeddings = startEmbeddings
        self.lastAssignments = lastAssignments
    }
}

/// Measures a training state for tracking.
public enum Tracker {
    /// Embeds every sample, clusters the normalised embeddings with k-means (seeded from the
    /// epoch, so tracking never changes the training's own random numbers) and measures them.
    /// `neighbourhood` is Phase 2's (M, q), for its Randomness. Updates `reference`'s last
    /// clustering.
    public static func measure(_ state: TrainingState, phase: TrainingPhase, epoch: Int, samples: Tensor,
                               settings: TrackingSettings, reference: inout TrackingReference,
                               neighbourhood: (rule: NeighbourhoodRule, quantile: Float)? = nil) throws -> TrackedMeasures {
        let started = Date()
        let embeddings = Trainer.embed(state.autoencoder, samples: samples)
        let unit = ProximityTargets.normalisedRows(embeddings)
        let seed = UInt64(epoch) &* 0x9E37_79B9_7F4A_7C15
        let clustering = try KMeans(clusterCount: settings.clusterCount, restarts: settings.restarts, seed: seed).fit(unit)
        var measures = TrackedMeasures(inertia: clustering.inertia, silhouette: nil, twist: nil, drift: nil, randomness: nil, seconds: 0)
        if let labels = settings.labels {
            let scores = try ClusteringMetrics.evaluate(labels: labels, clusters: clustering.assignments)
            measures.accuracy = scores.accuracy
            measures.normalizedMutualInformation = scores.normalizedMutualInformation
            measures.adjustedRandIndex = scores.adjustedRandIndex
        }
        measures.silhouette = try? ClusteringMetrics.silhouette(points: unit, assignments: clustering.assignments,
                                                                sampleSize: settings.silhouetteSample, seed: seed)
        let m = min(settings.neighbours, samples.batchSize - 1)
        if m >= 1, reference.startEmbeddings.batchSize == samples.batchSize {
            measures.twist = try Diagnostics.twist(reference.startEmbeddings, embeddings, neighbours: m)
        }
        if let previous = reference.lastAssignments, previous.count == clustering.assignments.count {
            measures.drift = try Diagnostics.drift(previous, clustering.assignments)
        }
        measures.randomness = try randomness(state, phase: phase, unitEmbeddings: unit, labels: settings.labels,
                                             neighbourhood: neighbourhood)
        reference.lastAssignments = clustering.assignments
        measures.seconds = Date().timeIntervalSince(started)
        return measures
    }

    /// Feature Randomness of the phase's training targets. Self-training with labels: the share
    /// of pseudo-labels (argmax of P) that disagree with the true label they map to (Hungarian
    /// map of pseudo-labels to labels); without labels: the share of assignments that changed at
    /// the last target update. Phase 2 with labels: the share of the anchors' kept mutual
    /// neighbours (recomputed on the current embedding with Phase 2's M and q) that carry another
    /// label. Nil otherwise.
    public static func randomness(_ state: TrainingState, phase: TrainingPhase, unitEmbeddings: Tensor, labels: [Int]?,
                                  neighbourhood: (rule: NeighbourhoodRule, quantile: Float)?) throws -> Double? {
        switch phase {
        case .pretrain:
            return nil
        case .refine:
            guard let labels, let neighbourhood, neighbourhood.rule.largestCount < unitEmbeddings.batchSize else { return nil }
            return try MutualNeighbourhood(unitEmbeddings: unitEmbeddings, rule: neighbourhood.rule,
                                           quantile: neighbourhood.quantile).impurity(labels: labels)
        case .selftrain:
            guard let selfTraining = state.selfTraining else { return nil }
            guard let labels else { return selfTraining.changedFraction }
            return try pseudoLabelError(pseudoLabels: selfTraining.pseudoLabels, labels: labels)
        }
    }

    /// The share of `pseudoLabels` that disagree with `labels` after the best one-to-one map of
    /// pseudo-labels to labels (a pseudo-label the map leaves out counts as wrong).
    public static func pseudoLabelError(pseudoLabels: [Int], labels: [Int]) throws -> Double {
        let mapping = try ContingencyTable(labels: labels, clusters: pseudoLabels).bestMapping()
        let wrong = zip(pseudoLabels, labels).filter { mapping[$0.0] != $0.1 }.count
        return Double(wrong) / Double(labels.count)
    }
}
