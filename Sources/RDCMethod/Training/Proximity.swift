// Layer: method (R-DC). May use NumericCore; never the session, sockets or pictures.

import NumericCore

/// Phase 2's targets (method.md "Phase 2", steps 1–5): for each active anchor, the
/// normalised centroid of itself and its mutual nearest neighbours on the unit sphere.
public struct ProximityTargets: Equatable, Sendable {
    /// For each sample, its row in `targets`, or −1 when it is not an active anchor.
    public var targetRow: [Int32]
    /// Unit-length targets t_i of the active anchors, [activeCount, L].
    public var targets: Tensor
    /// Mean number of mutual neighbours kept per point.
    public var meanKeptNeighbours: Double
    /// For each active anchor (row of `targets`), its kept mutual neighbours: kept only when
    /// anchors reconstruct their neighbourhood's mean image (`target=input` or `both`).
    public var members: [[Int32]]?

    /// Targets from their parts (checkpoints restore them this way).
    public init(targetRow: [Int32], targets: Tensor, meanKeptNeighbours: Double, members: [[Int32]]? = nil) {
        self.targetRow = targetRow
        self.targets = targets
        self.meanKeptNeighbours = meanKeptNeighbours
        self.members = members
    }

    /// Number of active anchors.
    public var activeCount: Int { targets.batchSize }

    /// Computes the targets from raw embeddings Z = E(X) ([N, L]).
    /// - Parameters:
    ///   - neighbours: M, neighbours per point (itself excluded).
    ///   - quantile: q; anchors whose mean neighbour distance is above the q-quantile are dropped.
    ///   - keepingMembers: whether to keep each anchor's kept neighbours (for `neighbourhoodImages`).
    public static func compute(embeddings: Tensor, neighbours: Int, quantile: Float,
                               keepingMembers: Bool = false) throws -> ProximityTargets {
        let unit = normalisedRows(embeddings)
        let width = unit.itemSize
        let neighbourhood = try MutualNeighbourhood(unitEmbeddings: unit, neighbours: neighbours, quantile: quantile)
        var targetRow = [Int32](repeating: -1, count: neighbourhood.kept.count)
        var targets: [Float] = []
        for i in neighbourhood.anchors {
            targetRow[i] = Int32(targets.count / width)
            var centroid = Array(unit.storage[(i * width)..<((i + 1) * width)])
            for j in neighbourhood.kept[i] {
                for d in 0..<width { centroid[d] += unit.storage[Int(j) * width + d] }
            }
            let norm = max(centroid.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
            targets.append(contentsOf: centroid.map { $0 / norm })
        }
        return ProximityTargets(targetRow: targetRow,
                                targets: Tensor(shape: [targets.count / width, width], storage: targets),
                                meanKeptNeighbours: neighbourhood.meanKept,
                                members: keepingMembers ? neighbourhood.anchors.map { neighbourhood.kept[$0] } : nil)
    }

    /// The reconstruction targets of a batch: for an active anchor the mean image of itself and
    /// its kept neighbours (rows of `samples`), for every other sample the sample itself.
    public func neighbourhoodImages(batch: Tensor, batchRows: [Int], samples: Tensor) -> Tensor {
        guard let members else { return batch }
        var images = batch
        let width = batch.itemSize
        images.storage.withUnsafeMutableBufferPointer { out in
            samples.storage.withUnsafeBufferPointer { all in
                for (position, row) in batchRows.enumerated() where targetRow[row] >= 0 {
                    let neighbours = members[Int(targetRow[row])]
                    guard !neighbours.isEmpty else { continue }
                    let scale = 1 / Float(neighbours.count + 1)
                    let offset = position * width
                    for j in neighbours {
                        let source = Int(j) * width
                        for d in 0..<width { out[offset + d] += all[source + d] }
                    }
                    for d in 0..<width { out[offset + d] *= scale }
                }
            }
        }
        return images
    }

    /// β·mean over the batch's active anchors of ‖z_i/‖z_i‖ − t_i‖², with its gradient in z.
    /// `batchRows` are the dataset rows of the batch, in the order of `latent`'s rows.
    public func loss(latent: Tensor, batchRows: [Int], beta: Float) -> LossAndGradient {
        let width = latent.itemSize
        var gradient = Tensor(shape: latent.shape)
        let active = batchRows.filter { targetRow[$0] >= 0 }.count
        guard active > 0 else { return LossAndGradient(value: 0, gradient: gradient) }
        let scale = beta / Float(active)
        var total: Float = 0
        var unit = [Float](repeating: 0, count: width), pull = [Float](repeating: 0, count: width)
        for (position, row) in batchRows.enumerated() where targetRow[row] >= 0 {
            let offset = position * width, targetOffset = Int(targetRow[row]) * width
            var squaredNorm: Float = 0
            for d in 0..<width { squaredNorm += latent.storage[offset + d] * latent.storage[offset + d] }
            let norm = max(squaredNorm.squareRoot(), 1e-12)
            var projection: Float = 0
            for d in 0..<width {
                unit[d] = latent.storage[offset + d] / norm
                let difference = unit[d] - targets.storage[targetOffset + d]
                total += difference * difference
                pull[d] = 2 * scale * difference
                projection += unit[d] * pull[d]
            }
            // d(z/‖z‖)/dz = (I − u uᵀ)/‖z‖.
            for d in 0..<width { gradient.storage[offset + d] = (pull[d] - unit[d] * projection) / norm }
        }
        return LossAndGradient(value: scale * total, gradient: gradient)
    }

    /// Rows scaled to unit length (zero rows stay zero).
    public static func normalisedRows(_ points: Tensor) -> Tensor {
        var result = points.reshaped([points.batchSize, points.itemSize])
        let width = result.itemSize, rows = result.batchSize
        result.storage.withUnsafeMutableBufferPointer { values in
            for row in 0..<rows {
                var sum: Float = 0
                for d in 0..<width { sum += values[row * width + d] * values[row * width + d] }
                let inverse = sum > 0 ? 1 / sum.squareRoot() : 0
                for d in 0..<width { values[row * width + d] *= inverse }
            }
        }
        return result
    }

    /// The q-quantile of sorted values with linear interpolation (numpy's default).
    static func quantileValue(_ sorted: [Float], _ q: Float) -> Float {
        let position = Float(sorted.count - 1) * min(max(q, 0), 1)
        let lower = Int(position.rounded(.down)), upper = min(lower + 1, sorted.count - 1)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - Float(lower))
    }
}

/// Phase 2's two filters (method.md, steps 2–3) on unit-length embeddings: each point's mutual
/// M nearest neighbours, and the anchors whose mean distance to them is at most the q-quantile.
public struct MutualNeighbourhood: Sendable {
    /// For each point, the neighbours that also count it among their M nearest.
    public let kept: [[Int32]]
    /// The active anchors, ascending.
    public let anchors: [Int]

    /// The filters on `unitEmbeddings` ([N, L], rows of length 1).
    public init(unitEmbeddings unit: Tensor, neighbours: Int, quantile: Float) throws {
        let n = unit.batchSize
        let lists = try NearestNeighbours.search(unit, neighbours: neighbours)
        // Filter 1: keep j in i's list only where i is in j's list too.
        var kept = [[Int32]](repeating: [], count: n)
        var radius = [Float](repeating: .infinity, count: n)
        for i in 0..<n {
            var sum: Float = 0
            for (j, distance) in zip(lists.neighbours(of: i), lists.neighbourDistances(of: i))
            where lists.neighbours(of: Int(j)).contains(Int32(i)) {
                kept[i].append(j)
                sum += distance
            }
            if !kept[i].isEmpty { radius[i] = sum / Float(kept[i].count) }
        }
        // Filter 2: anchors at or below the q-quantile of the radii of points that kept a neighbour.
        let finite = radius.filter { $0.isFinite }.sorted()
        let threshold = finite.isEmpty ? -Float.infinity : ProximityTargets.quantileValue(finite, quantile)
        self.kept = kept
        anchors = (0..<n).filter { radius[$0] <= threshold }
    }

    /// Mean number of mutual neighbours kept per point.
    public var meanKept: Double {
        kept.isEmpty ? 0 : Double(kept.reduce(0) { $0 + $1.count }) / Double(kept.count)
    }

    /// The share of the anchors' kept neighbours whose label differs from the anchor's: how
    /// often Phase 2's targets pull a point towards another class (nil when no anchor kept one).
    public func impurity(labels: [Int]) -> Double? {
        var pairs = 0, impure = 0
        for i in anchors {
            for j in kept[i] {
                pairs += 1
                if labels[Int(j)] != labels[i] { impure += 1 }
            }
        }
        return pairs == 0 ? nil : Double(impure) / Double(pairs)
    }
}
