// Layer: session (commands). May use RDCMethod and RDCRender; never sockets or terminals.
// `show KIND`: turns the session's arrays into the render module's figures.

import Foundation
import RDCMethod
import RDCRender
import NumericCore

extension SessionState {
    mutating func show(_ context: CommandContext) throws {
        let image: RenderedImage
        switch context.invocation.choice(as: ShowKind.self) {
        case .samples: image = try showSamples(context.invocation)
        case .reconstructions: image = try showReconstructions(context.invocation)
        case .interpolations: image = try showInterpolations(context.invocation)
        case .clusters: image = try showClusters(context.invocation)
        case .embedding: image = try showEmbedding(context)
        case .losses: image = try showLosses()
        case .metrics: image = try showMetrics()
        case .confusion: image = try showConfusion()
        case .kscan: image = try showClusterCountScan()
        case .kdistance: image = try showKDistance()
        }
        context.emit(.image(image))
    }

    // MARK: Figures

    private func showSamples(_ invocation: Invocation) throws -> RenderedImage {
        let data = try requireData()
        let rows = randomRows(min(invocation[ShowOptions.sampleCount], data.count), of: data.count)
        let captions = data.labels.map { labels in rows.map { Self.className(labels[$0], in: data) } }
        return try Figures.samplesGrid(images: try Self.images(data.samples.gathering(rows: rows), layout: data.layout),
                                       columns: invocation[ShowOptions.sampleColumns], title: "\(data.name): \(rows.count) samples",
                                       captions: captions)
    }

    private func showReconstructions(_ invocation: Invocation) throws -> RenderedImage {
        let (data, model) = try requireModel()
        let originals = data.samples.gathering(rows: randomRows(min(invocation[ShowOptions.reconstructionCount], data.count), of: data.count))
        let outputs = Trainer.reconstruct(model.autoencoder, samples: originals)
        return try Figures.reconstructions(
            originals: try Self.images(originals, layout: data.layout), reconstructions: try Self.images(outputs, layout: data.layout),
            title: "reconstructions after \(trainingPosition)")
    }

    /// Each row: decodes of (1 − α)·z_a + α·z_b above the pixel cross-fade (1 − α)·x_a + α·x_b,
    /// with the critic's score of each decode (ACAI trains it to read α off a mix, so scores near
    /// 0 mean the decode looks like a real image).
    private func showInterpolations(_ invocation: Invocation) throws -> RenderedImage {
        let (data, model) = try requireModel()
        guard data.count >= 2 else { throw CommandFailure("interpolations need at least 2 images; the data has \(data.count)") }
        let pairs = min(invocation[ShowOptions.interpolationPairs], data.count / 2)
        let steps = invocation[ShowOptions.interpolationSteps]
        let chosen = randomRows(2 * pairs, of: data.count)
        let alphas = (0..<steps).map { Float($0) / Float(steps - 1) }
        var encoder = model.autoencoder.encoder, decoder = model.autoencoder.decoder, critic = model.critic
        var rows: [InterpolationRow] = []
        for pair in 0..<pairs {
            let ends = data.samples.gathering(rows: [chosen[2 * pair], chosen[2 * pair + 1]])
            // `interpolate` mixes row i with row n − 1 − i: steps copies of a, then steps of b.
            let spread = (0..<(2 * steps)).map { $0 < steps ? 0 : 1 }
            let weights = alphas.map { 1 - $0 } + alphas
            let latent = AutoencoderStep.interpolate(encoder.forward(ends).gathering(rows: spread), alphas: weights)
                .rows(0..<steps)
            let pixels = AutoencoderStep.interpolate(ends.reshaped([2, data.layout.valueCount]).gathering(rows: spread),
                                                     alphas: weights).rows(0..<steps)
            let decoded = decoder.forward(latent)
            rows.append(InterpolationRow(latent: try Self.images(decoded, layout: data.layout),
                                         pixel: try Self.images(pixels, layout: data.layout),
                                         alphas: alphas, criticScores: critic.scores(decoded)))
        }
        return try Figures.interpolations(rows: rows, title: "interpolations after \(trainingPosition): latent vs pixel, critic scores")
    }

    private func showClusters(_ invocation: Invocation) throws -> RenderedImage {
        let data = try requireData()
        let snapshot = try requireClustering()
        let members = invocation[ShowOptions.clusterMembers]
        var byCluster: [Int: [Int]] = [:]
        for (row, cluster) in snapshot.record.assignments.enumerated() { byCluster[cluster, default: []].append(row) }
        var generator = SeededGenerator(seed: seed)
        var rows: [ClusterRow] = []
        for cluster in byCluster.keys.sorted() {
            let rowsOfCluster = byCluster[cluster]!
            let shown = generator.permutation(rowsOfCluster.count).prefix(members).map { rowsOfCluster[$0] }
            var majority: String?, purity: Float?
            if let labels = data.labels {
                var counts: [Int: Int] = [:]
                for row in rowsOfCluster { counts[labels[row], default: 0] += 1 }
                let top = counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }!
                majority = Self.className(top.key, in: data)
                purity = Float(top.value) / Float(rowsOfCluster.count)
            }
            rows.append(ClusterRow(cluster: cluster, size: rowsOfCluster.count, majorityLabel: majority, purity: purity,
                                   members: try Self.images(data.samples.gathering(rows: shown), layout: data.layout)))
        }
        return try Figures.clusterGrid(rows: rows, title: "\(snapshot.record.method) clusters (k=\(snapshot.record.clusterCount)) after \(snapshot.madeAfter)")
    }

    /// The embeddings in 2-D by PCA (of the clustered points, or of the normalised embeddings
    /// when coloured by label; clustered points that are already 2-D as they are) or by a UMAP
    /// layout of the raw embeddings of every image (as `cluster space=umap`).
    private mutating func showEmbedding(_ context: CommandContext) throws -> RenderedImage {
        let invocation = context.invocation
        let (data, _) = try requireModel()
        let byLabel = invocation[ShowOptions.embeddingColour] == .label
        let points: Tensor, groups: [Int], names: [String], madeAfter: String, space: String
        var colouring: String
        var noiseGroup: Int?
        if byLabel {
            guard let labels = data.labels else { throw CommandFailure("the data have no labels; use `show embedding color=cluster`") }
            points = ProximityTargets.normalisedRows(try embedding())
            let values = Array(Set(labels)).sorted()
            let index = Dictionary(uniqueKeysWithValues: values.enumerated().map { ($1, $0) })
            groups = labels.map { index[$0]! }
            names = values.map { Self.className($0, in: data) }
            (colouring, madeAfter, space) = ("label", trainingPosition, EmbeddingSpace.normalized.rawValue)
        } else {
            guard let snapshot = clustering else {
                throw CommandFailure("no clustering yet; run `cluster` first, or use `show embedding color=label`")
            }
            points = snapshot.points
            let values = Array(Set(snapshot.record.assignments)).sorted()
            let index = Dictionary(uniqueKeysWithValues: values.enumerated().map { ($1, $0) })
            groups = snapshot.record.assignments.map { index[$0]! }
            names = values.map { $0 < 0 ? "noise" : "c\($0)" }
            noiseGroup = values.first == -1 ? 0 : nil
            (colouring, madeAfter, space) = ("\(snapshot.record.method) cluster", snapshot.madeAfter, snapshot.record.space)
        }
        let projection: Tensor, axes: (String, String), how: String
        var drawnAfter = madeAfter
        switch invocation[ShowOptions.embeddingProjection] {
        case .pca where points.shape[1] == 2:
            // A clustering of a 2-D space (`cluster … space=umap dims=2`) is drawn as it is, not rotated by PCA.
            projection = points
            axes = space == EmbeddingSpace.umap.rawValue ? ("UMAP 1", "UMAP 2") : ("dimension 1", "dimension 2")
            how = "the clustered 2-D \(space) embeddings"
        case .pca:
            projection = try PCA.fit(points, dimensions: 2).projection
            axes = ("PC 1", "PC 2")
            how = "PCA of \(space) embeddings"
        case .umap:
            // Every image is laid out (the neighbourhood graph needs them all); `points` only thins the drawing.
            let settings = UMAPSettings(dimensions: 2, neighbours: invocation[ShowOptions.umapNeighbours],
                                        minimumDistance: invocation[ShowOptions.umapMinimumDistance], seed: seed)
            projection = try umapLayout(of: try embedding(), settings: settings, context).embedding
            axes = ("UMAP 1", "UMAP 2")
            how = "UMAP of the embeddings, neighbours=\(settings.neighbours) min_dist=\(formatFigure(settings.minimumDistance))"
            // The layout is of the model as it is now; clusters made before later training say so.
            drawnAfter = trainingPosition
            if madeAfter != trainingPosition { colouring += " (clustered after \(madeAfter))" }
        }
        let shown = randomRows(min(invocation[ShowOptions.embeddingPoints], data.count), of: data.count)
        return try Figures.embedding(points: shown.flatMap { [projection.storage[2 * $0], projection.storage[2 * $0 + 1]] },
                                     groups: shown.map { groups[$0] }, groupNames: names,
                                     title: "embedding after \(drawnAfter) (\(how)), coloured by \(colouring)",
                                     xLabel: axes.0, yLabel: axes.1, noiseGroup: noiseGroup)
    }

    private func showLosses() throws -> RenderedImage {
        let (_, model) = try requireModel()
        let history = model.history
        guard !history.isEmpty else { throw CommandFailure("no finished epoch yet; run `pretrain` first") }
        var names: [String] = []
        for record in history { for loss in record.losses where !names.contains(loss.name) { names.append(loss.name) } }
        let series = names.map { name in
            LossSeries(name: name, values: history.map { record in record.losses.first { $0.name == name }?.value ?? .nan })
        }
        return try Figures.lossCurves(series: series, phaseBoundaries: Self.phaseBoundaries(history),
                                      title: "losses per epoch: \(model.progressDescription)", xLabel: "epoch (all phases)")
    }

    private func showMetrics() throws -> RenderedImage {
        let (_, model) = try requireModel()
        let history = model.history
        let names = TrackedMeasures.names.filter { name in history.contains { $0.tracked?.entries.contains { $0.name == name } ?? false } }
        guard !names.isEmpty else {
            throw CommandFailure("no tracked epoch yet; train with `track=N` (or set `track every=N`) first")
        }
        let series = names.map { name in
            MetricSeries(name: name, values: history.map { record in record.tracked?.entries.first { $0.name == name }?.value ?? .nan })
        }
        return try Figures.metricPanels(series: series, phaseBoundaries: Self.phaseBoundaries(history),
                                        title: "tracked measures per epoch: \(model.progressDescription)")
    }

    private func showClusterCountScan() throws -> RenderedImage {
        guard let scan = lastCountScan else { throw CommandFailure("no K scan yet; run `cluster k=auto` first") }
        let chosen = scan.scores.first { $0.clusterCount == scan.chosen }!
        let isGap = scan.criterion == .gap
        let how = isGap ? "gap statistic ± s(K), \(scan.referenceSets) reference sets" : "mean silhouette"
        return try Figures.markedCurve(
            x: scan.scores.map { Double($0.clusterCount) }, y: scan.scores.map(\.score),
            errors: isGap ? scan.scores.map { $0.spread ?? 0 } : nil, curveName: scan.criterion.rawValue,
            mark: CurveMark(x: Double(chosen.clusterCount), y: chosen.score, label: "chosen: K=\(scan.chosen)"),
            title: "K scan: \(how) on \(scan.sampleSize) points, K=\(scan.scores.first!.clusterCount)…\(scan.scores.last!.clusterCount)",
            xLabel: "K (clusters)", yLabel: isGap ? "Gap(K)" : "silhouette", integerX: true)
    }

    private func showKDistance() throws -> RenderedImage {
        guard let curve = lastKDistance else { throw CommandFailure("no k-distance curve yet; run `cluster method=dbscan eps=auto` first") }
        let distances = curve.sortedDistances, count = distances.count
        // At most about 1,000 points drawn, evenly spaced, the knee among them.
        let step = max(1, count / 1000)
        let shown = Array(Set(Array(stride(from: 0, to: count, by: step)) + [count - 1, curve.kneeIndex])).sorted()
        return try Figures.markedCurve(
            x: shown.map { Double($0 + 1) }, y: shown.map { Double(distances[$0]) }, curveName: "\(curve.minimumPoints)-distance",
            mark: CurveMark(x: Double(curve.kneeIndex + 1), y: Double(curve.eps), label: "knee: eps=" + String(format: "%.4g", curve.eps)),
            title: "distance of each point to its \(curve.minimumPoints)th nearest point (itself first), ascending; eps at the knee",
            xLabel: "points, by distance", yLabel: "distance", integerX: true)
    }

    /// A boundary between consecutive epochs of different phases, e.g. "pretrain | refine",
    /// halfway between their 1-based positions in the history.
    private static func phaseBoundaries(_ history: [EpochRecord]) -> [PhaseBoundary] {
        zip(history.indices, history.indices.dropFirst()).compactMap { before, after in
            history[before].phase == history[after].phase ? nil
                : PhaseBoundary(position: Double(before) + 1.5, label: "\(history[before].phase.rawValue) | \(history[after].phase.rawValue)")
        }
    }

    /// Labels × clusters, the columns ordered by the Hungarian map (the cluster matched to the
    /// first label first), unmatched clusters last.
    private func showConfusion() throws -> RenderedImage {
        let data = try requireData()
        guard let labels = data.labels else { throw CommandFailure("the data have no labels, so there is no confusion matrix") }
        let snapshot = try requireClustering()
        let table = try ContingencyTable(labels: labels, clusters: snapshot.record.assignments)
        let mapping = table.bestMapping()
        let matched = table.labelValues.compactMap { label in table.clusterValues.indices.first { mapping[table.clusterValues[$0]] == label } }
        let columns = matched + table.clusterValues.indices.filter { !matched.contains($0) }
        let matrix = table.labelValues.indices.map { row in columns.map { table.count(row: row, column: $0) } }
        return try Figures.confusion(matrix: matrix, rowLabels: table.labelValues.map { Self.className($0, in: data) },
                                     columnLabels: columns.map { table.clusterValues[$0] < 0 ? "noise" : "c\(table.clusterValues[$0])" },
                                     title: "labels vs \(snapshot.record.method) clusters (Hungarian order) after \(snapshot.madeAfter)")
    }

    // MARK: Helpers

    /// `count` distinct rows out of `total`, the same for the same session seed.
    private func randomRows(_ count: Int, of total: Int) -> [Int] {
        var generator = SeededGenerator(seed: seed)
        return Array(generator.permutation(total).prefix(count))
    }

    static func className(_ label: Int, in data: Dataset) -> String {
        if let names = data.classNames, names.indices.contains(label) { return names[label] }
        return String(label)
    }

    /// Rows of `tensor` as pictures: images as they are (the first channel unless grey or RGB),
    /// volumes by their middle slice. Vectors are not pictures.
    static func images(_ tensor: Tensor, layout: SampleLayout) throws -> ImageBatch {
        let count = tensor.batchSize
        switch layout {
        case let .image(channels, height, width):
            if channels == 1 || channels == 3 {
                return try ImageBatch(count: count, channels: channels, height: height, width: width, values: tensor.storage)
            }
            return try planes(tensor, count: count, stride: channels * height * width, offset: 0, height: height, width: width)
        case let .volume(depth, height, width):
            return try planes(tensor, count: count, stride: depth * height * width, offset: (depth / 2) * height * width,
                              height: height, width: width)
        case .vector(let length):
            throw CommandFailure("the samples are vectors of \(length) values, not images; load them with a shape "
                                 + "(e.g. `data csv path=FILE shape=1x8x8`) to see pictures")
        }
    }

    private static func planes(_ tensor: Tensor, count: Int, stride: Int, offset: Int, height: Int, width: Int) throws -> ImageBatch {
        let plane = height * width
        var values = [Float](repeating: 0, count: count * plane)
        for item in 0..<count {
            for index in 0..<plane { values[item * plane + index] = tensor.storage[item * stride + offset + index] }
        }
        return try ImageBatch(count: count, channels: 1, height: height, width: width, values: values)
    }
}
