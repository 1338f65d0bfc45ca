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
        let scan = try Self.scanRange(options, method: method, imageCount: data.count)
        // With k=auto, k is only the UMAP layout's default width: the data's labels do not choose it.
        let k = options.k?.given ?? (scan == nil ? data.classCount ?? 10 : 10)
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
        var countScan: ClusterCountScan?, kDistance: KDistanceCurve?
        switch method {
        case .kmeans:
            let result: KMeansResult
            if let scan {
                let search = ClusterCountSearch(range: scan, criterion: options.criterion, restarts: restarts, seed: seed)
                let cancellation = context.cancellation
                do {
                    countScan = try search.scan(points) { cancellation.isCancelled }
                } catch is CancellationError {
                    throw CommandInterruption(message: "interrupted during the K scan; nothing changed")
                }
                result = countScan!.clustering
            } else {
                result = try KMeans(clusterCount: k, restarts: restarts, seed: seed).fit(points)
            }
            record = ClusteringRecord(method: method.rawValue, clusterCount: result.centroids.batchSize, assignments: result.assignments,
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
            let minimum = options.minimumPoints
            let eps: Float
            switch options.eps {
            case .given(let value): eps = value
            case .automatic:
                guard minimum >= 2, minimum <= data.count else {
                    throw CommandFailure("eps=auto reads the knee of each point's distance to its minpts-th nearest point: "
                                         + "it needs minpts from 2 to \(data.count), got minpts=\(minimum)")
                }
                kDistance = try KDistanceCurve(points: points, minimumPoints: minimum)
                eps = kDistance!.eps
            }
            let result = try DBSCAN(eps: eps, minPoints: minimum).fit(points)
            record = ClusteringRecord(method: method.rawValue, clusterCount: result.clusterCount,
                                      assignments: result.assignments, space: space.rawValue, inertia: nil)
            let noiseShare = String(format: "%.1f%%", 100 * Double(result.noiseCount) / Double(max(data.count, 1)))
            details = "eps=\(formatFigure(Double(eps))) minpts=\(minimum): \(result.noiseCount) noise points (\(noiseShare))"
            if let kDistance {
                details += "; eps=auto: the knee of the sorted \(minimum)-distances, point \(kDistance.kneeIndex + 1) of \(data.count) (`show kdistance`)"
            }
            if result.clusterCount == 0 { details += "; no cluster found, try a larger eps or a smaller minpts" }
        }
        previousClustering = clustering
        clustering = ClusteringSnapshot(record: record, points: points, madeAfter: trainingPosition)
        lastScores = []
        if let countScan { lastCountScan = countScan }
        if let kDistance { lastKDistance = kDistance }
        if let countScan { context.emit(.table(Self.scanTable(countScan))) }
        context.say("\(method.rawValue): \(record.clusterCount) clusters of \(data.count) \(record.space) embeddings (\(trainingPosition));\(layoutNote) \(details)")
        context.say("cluster sizes: " + Self.clusterSizes(record.assignments).map { "\($0.cluster == -1 ? "noise" : "c\($0.cluster)")=\($0.size)" }
            .joined(separator: " "))
    }

    /// The K range of a `k=auto` scan (nil when k is not auto), checked against the method and the data.
    static func scanRange(_ options: ClusterOptions, method: ClusterMethod, imageCount: Int) throws -> ClosedRange<Int>? {
        guard case .automatic? = options.k else { return nil }
        guard method == .kmeans else {
            throw CommandFailure("k=auto scans K with k-means; method=\(method.rawValue) needs a number (e.g. k=10), or use method=kmeans")
        }
        guard let range = options.scannedK else {
            throw CommandFailure("k=auto needs kmin ≤ kmax; got kmin=\(options.smallestK) kmax=\(options.largestK)")
        }
        if options.criterion == .silhouette, range.lowerBound < 2 {
            throw CommandFailure("criterion=silhouette needs kmin ≥ 2 (one cluster has no silhouette); got kmin=\(range.lowerBound)")
        }
        let scored = min(imageCount, ClusterCountSearch(range: range, criterion: options.criterion).sampleSize)
        guard range.upperBound < scored else {
            throw CommandFailure("kmax=\(range.upperBound) needs more than \(range.upperBound) images to score; the scan scores \(scored)")
        }
        return range
    }

    /// The K scan as a table: K, score (and s(K) for the gap), inertia, the chosen K marked.
    static func scanTable(_ scan: ClusterCountScan) -> Table {
        let isGap = scan.criterion == .gap
        let rows = scan.scores.map { score -> [String] in
            [String(score.clusterCount), String(format: "%.4f", score.score)]
                + (isGap ? [String(format: "%.4f", score.spread ?? 0)] : [])
                + [formatFigure(score.inertia), score.clusterCount == scan.chosen ? "← chosen" : ""]
        }
        let how = isGap
            ? "gap statistic, \(scan.referenceSets) uniform reference sets, \(scan.sampleSize) points"
                + (scan.ruleMet ? "; the smallest K with Gap(K) ≥ Gap(K+1) − s(K+1)" : "; no K met Gap(K) ≥ Gap(K+1) − s(K+1): the largest gap")
            : "mean silhouette on \(scan.sampleSize) points; the highest"
        return Table(title: "K scan (\(how)): K=\(scan.chosen)",
                     header: ["K", isGap ? "gap" : "silhouette"] + (isGap ? ["s(K)"] : []) + ["inertia", "choice"], rows: rows)
    }

    /// The points a clustering in `space` works on: the raw embedding or its rows L2-normalised;
    /// for `umap`, the raw rows a layout is made of (`umapLayout` makes the layout).
    static func points(of embedding: Tensor, in space: EmbeddingSpace) -> Tensor {
        switch space {
        case .raw, .umap: return embedding
        case .normalized: return ProximityTargets.normalisedRows(embedding)
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
        let lanczos = layout.spectralStart.map { " (Lanczos, \($0.steps) steps\($0.converged ? "" : ", not converged: residual " + String(format: "%.1e", $0.residual)))" } ?? ""
        return "\(layout.initialisation.rawValue) start\(lanczos), \(layout.epochs) epochs, \(String(format: "%.1f", seconds)) s"
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
        let scores = try Self.scores(assignments, points: snapshot.points, inertia: snapshot.record.inertia, labels: data.labels, seed: seed)
        lastScores = scores
        var header = ["metric", "value"]
        var rows = scores.map { [$0.0, String(format: "%.4f", $0.1)] }
        var note = data.labels == nil ? " (no labels; silhouette on ≤ 2000 points)" : ""
        // DBSCAN's noise: scored above as a cluster of its own, and here on the other points alone.
        let kept = assignments.indices.filter { assignments[$0] >= 0 }
        if kept.count < assignments.count {
            let clusteredScores = kept.isEmpty ? nil
                : try? Self.scores(kept.map { assignments[$0] }, points: snapshot.points.gathering(rows: kept), inertia: nil,
                                   labels: data.labels.map { labels in kept.map { labels[$0] } }, seed: seed)
            header = ["metric", "all points (noise as one cluster)", "clustered points only"]
            rows = rows.map { row in row + [clusteredScores?.first { $0.0 == row[0] }.map { String(format: "%.4f", $0.1) } ?? "—"] }
            note += "; \(assignments.count - kept.count) of \(assignments.count) points are noise"
        }
        context.emit(.table(Table(title: title + note, header: header, rows: rows)))
    }

    /// ACC, NMI, ARI, F1-macro and F1-micro against `labels`; without labels, inertia and the
    /// silhouette on a seeded sample of ≤ 2000 points.
    static func scores(_ assignments: [Int], points: Tensor, inertia: Double?, labels: [Int]?, seed: UInt64) throws -> [(String, Double)] {
        if let labels {
            let result = try ClusteringMetrics.evaluate(labels: labels, clusters: assignments)
            return [("ACC", result.accuracy), ("NMI", result.normalizedMutualInformation),
                    ("ARI", result.adjustedRandIndex), ("F1-macro", result.f1Macro), ("F1-micro", result.f1Micro)]
        }
        let inertia = try inertia ?? ClusteringMetrics.inertia(points: points, assignments: assignments)
        let silhouette = try ClusteringMetrics.silhouette(points: points, assignments: assignments, sampleSize: 2000, seed: seed)
        return [("inertia", inertia), ("silhouette", silhouette)]
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
                                                          neighbourhood: (.fixed(neighbours), RefineSettings().quantile)) {
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
