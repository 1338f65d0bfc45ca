// Layer: session (commands). May use RDCMethod; never sockets or terminals. `cluster`,
// `evaluate` and `diagnose`: read clusters off the embeddings, score them, and measure twist,
// drift and randomness against the references the session keeps.

import Foundation
import RDCMethod
import NumericCore

extension SessionState {
    mutating func cluster(_ context: CommandContext) throws {
        let (data, _) = try requireModel()
        let options = ClusterOptions(context.invocation)
        let method = options.method, space = options.space, restarts = options.restarts
        let k = options.k ?? data.classCount ?? 10
        if method != .dbscan, k > data.count {
            throw CommandFailure("k=\(k) clusters need at least \(k) images; the data has \(data.count)")
        }
        let embedding = try self.embedding()
        // Self-training's centres live among the raw embeddings.
        let readSpace: EmbeddingSpace = method == .assignments ? .raw : space
        var points = Self.points(of: embedding, in: readSpace)
        var layoutNote = ""
        if readSpace == .umap {
            let settings = UMAPSettings(dimensions: options.dimensions ?? k, neighbours: options.neighbours,
                                        minimumDistance: options.minimumDistance, seed: seed)
            let layout = try umapLayout(of: points, settings: settings, context)
            points = layout.embedding
            layoutNote = " UMAP dims=\(settings.dimensions) neighbours=\(settings.neighbours) min_dist=\(formatFigure(settings.minimumDistance)) "
                + "(\(Self.describe(layout)));"
        }
        let record: ClusteringRecord
        var details: String
        switch method {
        case .kmeans:
            let result = try KMeans(clusterCount: k, restarts: restarts, seed: seed).fit(points)
            record = ClusteringRecord(method: method.rawValue, clusterCount: k, assignments: result.assignments,
                                      space: space.rawValue, inertia: result.inertia)
            details = "best of \(restarts) runs, inertia \(formatFigure(result.inertia))"
        case .gmm:
            let result = try GaussianMixture(componentCount: k, covariance: options.covariance, restarts: restarts,
                                             seed: seed).fit(points)
            record = ClusteringRecord(method: method.rawValue, clusterCount: k, assignments: result.assignments,
                                      space: space.rawValue, inertia: nil)
            details = "\(options.covariance.rawValue) covariances, best of \(restarts) runs, log-likelihood \(formatFigure(result.logLikelihood))"
                + (result.converged ? "" : " (not converged in \(result.iterations) iterations)")
        case .assignments:
            guard let selfTraining = model?.selfTraining, selfTraining.assignments.count == data.count else {
                throw CommandFailure("method=assignments reads the clusters off self-training's centres: run `selftrain` first")
            }
            record = ClusteringRecord(method: method.rawValue, clusterCount: selfTraining.layer.clusterCount,
                                      assignments: selfTraining.clusters(of: points), space: EmbeddingSpace.raw.rawValue, inertia: nil)
            details = "argmax of the soft assignments to self-training's \(selfTraining.layer.clusterCount) centres"
        case .dbscan:
            let eps = options.eps, minimum = options.minimumPoints
            let result = try DBSCAN(eps: eps, minPoints: minimum).fit(points)
            record = ClusteringRecord(method: method.rawValue, clusterCount: result.clusterCount,
                                      assignments: result.assignments, space: space.rawValue, inertia: nil)
            details = "eps=\(formatFigure(Double(eps))) minpts=\(minimum): \(result.noiseCount) noise points"
            if result.clusterCount == 0 { details += "; no cluster found, try a larger eps or a smaller minpts" }
        }
        previousClustering = clustering
        clustering = ClusteringSnapshot(record: record, points: points, madeAfter: trainingPosition)
        lastScores = []
        context.say("\(method.rawValue): \(record.clusterCount) clusters of \(data.count) \(record.space) embeddings (\(trainingPosition));\(layoutNote) \(details)")
        context.say("cluster sizes: " + Self.clusterSizes(record.assignments).map { "\($0.cluster == -1 ? "noise" : "c\($0.cluster)")=\($0.size)" }
            .joined(separator: " "))
    }

    /// The points a clustering in `space` works on: the raw embedding or its rows L2-normalised;
    /// for `umap`, the normalised rows a layout starts from (`umapLayout` makes the layout).
    static func points(of embedding: Tensor, in space: EmbeddingSpace) -> Tensor {
        switch space {
        case .raw: return embedding
        case .normalized, .umap: return ProximityTargets.normalisedRows(embedding)
        }
    }

    /// The UMAP layout of `points` on the session's threads; an interrupt stops it between
    /// epochs and fails the command (nothing changes).
    func umapLayout(of points: Tensor, settings: UMAPSettings, _ context: CommandContext) throws -> UMAPResult {
        let cancellation = context.cancellation
        let layout = try UMAP.embed(points, settings: settings, shouldStop: { cancellation.isCancelled })
        if cancellation.isCancelled { throw CommandInterruption(message: "interrupted during the UMAP layout; nothing changed") }
        return layout
    }

    /// "spectral start, 200 epochs, 12.3 s".
    static func describe(_ layout: UMAPResult) -> String {
        let seconds = layout.seconds.neighbours + layout.seconds.graph + layout.seconds.initialisation + layout.seconds.layout
        return "\(layout.initialisation.rawValue) start, \(layout.epochs) epochs, \(String(format: "%.1f", seconds)) s"
    }

    /// Each cluster value with its size, in increasing value (noise, -1, first).
    static func clusterSizes(_ assignments: [Int]) -> [(cluster: Int, size: Int)] {
        var sizes: [Int: Int] = [:]
        for cluster in assignments { sizes[cluster, default: 0] += 1 }
        return sizes.keys.sorted().map { ($0, sizes[$0]!) }
    }

    mutating func evaluate(_ context: CommandContext) throws {
        let data = try requireData()
        let snapshot = try requireClustering()
        let assignments = snapshot.record.assignments
        let title = "\(snapshot.record.method), k=\(snapshot.record.clusterCount), \(snapshot.record.space) space, after \(snapshot.madeAfter)"
        var scores: [(String, Double)]
        if let labels = data.labels {
            let result = try ClusteringMetrics.evaluate(labels: labels, clusters: assignments)
            scores = [("ACC", result.accuracy), ("NMI", result.normalizedMutualInformation),
                      ("ARI", result.adjustedRandIndex), ("F1-macro", result.f1Macro), ("F1-micro", result.f1Micro)]
        } else {
            let inertia = try snapshot.record.inertia ?? ClusteringMetrics.inertia(points: snapshot.points, assignments: assignments)
            let silhouette = try ClusteringMetrics.silhouette(points: snapshot.points, assignments: assignments,
                                                              sampleSize: 2000, seed: seed)
            scores = [("inertia", inertia), ("silhouette", silhouette)]
        }
        lastScores = scores
        context.emit(.table(Table(title: data.labels == nil ? "\(title) (no labels; silhouette on ≤ 2000 points)" : title,
                                  header: ["metric", "value"], rows: scores.map { [$0.0, String(format: "%.4f", $0.1)] })))
    }

    mutating func diagnose(_ context: CommandContext) throws {
        let (data, model) = try requireModel()
        let neighbours = context.invocation[SharedOptions.neighbours]
        guard neighbours < data.count else {
            throw CommandFailure("M=\(neighbours) needs more than \(neighbours) images; the data has \(data.count)")
        }
        var rows: [[String]] = []
        var notes: [String] = []
        if let reference = model.phase1Embeddings {
            let twist = try Diagnostics.twist(reference, try embedding(), neighbours: neighbours)
            rows.append(["twist (M-NN overlap, end of Phase 1 → now)", String(format: "%.4f", twist),
                         "1 = local geometry kept"])
        } else {
            notes.append("twist: no Phase 1 reference yet; it is kept when `refine` starts (run `refine`, then `diagnose`)")
        }
        if let current = clustering, let previous = previousClustering {
            let drift = try Diagnostics.drift(previous.record.assignments, current.record.assignments)
            rows.append(["drift (1 − ARI, previous → latest clustering)", String(format: "%.4f", drift),
                         "0 = same partition (\(previous.madeAfter) → \(current.madeAfter))"])
        } else {
            notes.append("drift: needs two clusterings; run `cluster`, train more, then `cluster` again")
        }
        let phase = model.partialEpoch?.phase ?? model.history.last?.phase ?? .pretrain
        let unit = ProximityTargets.normalisedRows(try embedding())
        if phase == .pretrain {
            notes.append("randomness: Phase 1 has no training targets; run `refine` or `selftrain`, then `diagnose`")
        } else if let randomness = try Tracker.randomness(model, phase: phase, unitEmbeddings: unit, labels: data.labels,
                                                          neighbourhood: (neighbours, RefineSettings().quantile)) {
            let reading = phase == .refine ? "kept mutual neighbours with another label"
                : data.labels == nil ? "assignments changed at the last target update" : "pseudo-labels that miss the true label"
            rows.append(["randomness (\(phase.rawValue) targets pointing the wrong way)", String(format: "%.4f", randomness),
                         "share of \(reading)"])
        } else {
            notes.append(phase == .refine ? "randomness of Phase 2 needs labels"
                         : "randomness: no target update yet without labels; train more `selftrain`")
        }
        if !rows.isEmpty {
            context.emit(.table(Table(title: "diagnostics (M=\(neighbours))", header: ["measure", "value", "reading"], rows: rows)))
        }
        for note in notes { context.say(note) }
    }
}
