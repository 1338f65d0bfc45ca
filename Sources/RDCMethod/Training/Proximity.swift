// Layer: method (R-DC). May use NumericCore; never the session, sockets or pictures.

import Foundation
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
    /// The M the neighbourhood rule used (per point for a per-point rule); nil when restored
    /// from a checkpoint older than format 5.
    public var neighbourCounts: NeighbourCountSummary?
    /// For each active anchor (row of `targets`), its kept mutual neighbours: kept only when
    /// anchors reconstruct their neighbourhood's mean image (`target=input` or `both`).
    public var members: [[Int32]]?
    /// The filtered fuzzy graph and its positions: kept only for `target=graph`.
    public var graph: ProximityGraph?

    /// Targets from their parts (checkpoints restore them this way).
    public init(targetRow: [Int32], targets: Tensor, meanKeptNeighbours: Double, neighbourCounts: NeighbourCountSummary? = nil,
                members: [[Int32]]? = nil, graph: ProximityGraph? = nil) {
        self.graph = graph
        self.targetRow = targetRow
        self.targets = targets
        self.meanKeptNeighbours = meanKeptNeighbours
        self.neighbourCounts = neighbourCounts
        self.members = members
    }

    /// Number of active anchors.
    public var activeCount: Int { targets.batchSize }

    /// Computes the targets from raw embeddings Z = E(X) ([N, L]).
    /// - Parameters:
    ///   - neighbourhood: how many neighbours each point has (M, itself excluded).
    ///   - quantile: q; anchors whose mean neighbour distance is above the q-quantile are dropped.
    ///   - keepingMembers: whether to keep each anchor's kept neighbours (for `neighbourhoodImages`).
    ///   - keepingGraph: whether to keep the filtered fuzzy graph (for `target=graph`).
    public static func compute(embeddings: Tensor, neighbourhood rule: NeighbourhoodRule, quantile: Float,
                               keepingMembers: Bool = false, keepingGraph: Bool = false) throws -> ProximityTargets {
        let unit = normalisedRows(embeddings)
        let width = unit.itemSize
        let neighbourhood = try MutualNeighbourhood(unitEmbeddings: unit, rule: rule, quantile: quantile)
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
                                meanKeptNeighbours: neighbourhood.meanKept, neighbourCounts: neighbourhood.neighbourCounts,
                                members: keepingMembers ? neighbourhood.anchors.map { neighbourhood.kept[$0] } : nil,
                                graph: keepingGraph ? ProximityGraph(unit: unit, neighbourhood: neighbourhood) : nil)
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

/// How many nearest neighbours each point of Phase 2 has: a fixed M (method.md), or M chosen
/// by the data at every refresh, without labels (the README's "When K is unknown" states both
/// rules; RESULTS.md holds their measurements).
public enum NeighbourhoodRule: Equatable, Sendable {
    /// The same M for every point.
    case fixed(Int)
    /// Per point, a local scale: of its `range.upperBound` nearest neighbours, keep those before
    /// the largest gap between consecutive sorted distances, cutting after the m-th neighbour
    /// for some m in `range` (as UMAP and t-SNE give each point its own bandwidth).
    case largestGap(ClosedRange<Int>)
    /// Per point, as `largestGap` but the largest ratio of consecutive sorted distances: a jump
    /// measured against the point's own scale.
    case largestRatio(ClosedRange<Int>)
    /// Per point, the largest rank-weighted jump m·log(d₍ₘ₊₁₎ / d₍ₘ₎) of consecutive sorted
    /// distances d₍₁₎ ≤ d₍₂₎ ≤ …: on points of uniform local density these are independent and
    /// identically distributed (Exp(1) times 1/D for local dimension D), so no rank is favoured
    /// unless the distances really jump there (`refine M=auto`'s default, by measurement).
    case largestJump(ClosedRange<Int>)
    /// Per refresh, one M for all points: the candidate whose mutual-kNN graph changes least
    /// between two seeded random subsamples of ¾ of the points (mean Jaccard overlap of each
    /// shared point's mutual lists restricted to the shared points); ties go to the smaller M.
    case stability(candidates: [Int], seed: UInt64)

    /// The candidates of `stability` when nobody says (the set).
    public static let stabilityCandidates = [5, 10, 20, 40]
    /// The range `largestJump` searches when nobody says: its best measured range (RESULTS.md).
    public static let jumpRange = 3...20
    /// The range `largestRatio` and `largestGap` search when nobody says.
    public static let ratioAndGapRange = 5...40

    /// The most neighbours a point can get: the kNN search's depth.
    public var largestCount: Int {
        switch self {
        case .fixed(let count): return count
        case .largestGap(let range), .largestRatio(let range), .largestJump(let range): return range.upperBound
        case .stability(let candidates, _): return candidates.max() ?? 0
        }
    }

    /// The fewest neighbours a point can get.
    public var smallestCount: Int {
        switch self {
        case .fixed(let count): return count
        case .largestGap(let range), .largestRatio(let range), .largestJump(let range): return range.lowerBound
        case .stability(let candidates, _): return candidates.min() ?? 0
        }
    }

    /// The rule in the language's words: `M=10`, `M=auto (largest ratio, 5…40)`.
    public var description: String {
        switch self {
        case .fixed(let count): return "M=\(count)"
        case .largestGap(let range): return "M=auto (largest gap, \(range.lowerBound)…\(range.upperBound))"
        case .largestRatio(let range): return "M=auto (largest ratio, \(range.lowerBound)…\(range.upperBound))"
        case .largestJump(let range): return "M=auto (largest jump, \(range.lowerBound)…\(range.upperBound))"
        case .stability(let candidates, _): return "M=auto (stability of \(candidates.map(String.init).joined(separator: ", ")))"
        }
    }
}

/// The M a neighbourhood rule gave: one value for a global rule, mean and spread for a
/// per-point one.
public struct NeighbourCountSummary: Equatable, Sendable {
    /// Mean M over the points.
    public var mean: Double
    /// Standard deviation of M over the points (0 for a global M).
    public var standardDeviation: Double
    /// Smallest and largest M.
    public var smallest: Int, largest: Int

    /// A summary from its parts.
    public init(mean: Double, standardDeviation: Double, smallest: Int, largest: Int) {
        self.mean = mean
        self.standardDeviation = standardDeviation
        self.smallest = smallest
        self.largest = largest
    }

    /// The summary of per-point counts.
    public init(counts: [Int]) {
        let mean = counts.isEmpty ? 0 : Double(counts.reduce(0, +)) / Double(counts.count)
        let variance = counts.isEmpty ? 0 : counts.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(counts.count)
        self.init(mean: mean, standardDeviation: variance.squareRoot(), smallest: counts.min() ?? 0, largest: counts.max() ?? 0)
    }

    /// `M=10`, or `M=12.3±4.1 (5–40)` when points differ.
    public var text: String {
        if smallest == largest { return "M=\(smallest)" }
        return "M=" + String(format: "%.1f±%.1f", mean, standardDeviation) + " (\(smallest)–\(largest))"
    }
}

/// Phase 2's two filters (method.md, steps 2–3) on unit-length embeddings: each point's mutual
/// nearest neighbours (M of them, or as many as the rule gives the point), and the anchors whose
/// mean distance to them is at most the q-quantile.
public struct MutualNeighbourhood: Sendable {
    /// For each point, the neighbours that also count it among theirs.
    public let kept: [[Int32]]
    /// The active anchors, ascending.
    public let anchors: [Int]
    /// The M each point's list had before the mutual filter.
    public let neighbourCounts: NeighbourCountSummary
    /// Every point's nearest neighbours to the rule's depth, nearest first.
    public let lists: NeighbourLists

    /// The filters on `unitEmbeddings` ([N, L], rows of length 1).
    public init(unitEmbeddings unit: Tensor, rule: NeighbourhoodRule, quantile: Float) throws {
        let n = unit.batchSize
        guard rule.smallestCount >= 1, rule.largestCount < n else {
            throw NumericArgumentError("\(rule.description) needs between 1 and \(n - 1) neighbours for \(n) points")
        }
        let lists = try NearestNeighbours.search(unit, neighbours: rule.largestCount)
        let counts: [Int]
        switch rule {
        case .fixed(let count):
            counts = [Int](repeating: count, count: n)
        case .largestGap(let range):
            counts = (0..<n).map { Self.countBeforeLargestGap(lists.neighbourDistances(of: $0), within: range) }
        case .largestRatio(let range):
            counts = (0..<n).map { Self.countBeforeLargestGap(lists.neighbourDistances(of: $0), within: range, measure: .ratio) }
        case .largestJump(let range):
            counts = (0..<n).map { Self.countBeforeLargestGap(lists.neighbourDistances(of: $0), within: range, measure: .rankWeightedLogRatio) }
        case .stability(let candidates, let seed):
            let chosen = try Self.mostStableCount(unit, candidates: candidates, seed: seed)
            counts = [Int](repeating: chosen, count: n)
        }
        let (kept, radius) = Self.mutualLists(lists, counts: counts)
        // Filter 2: anchors at or below the q-quantile of the radii of points that kept a neighbour.
        let finite = radius.filter { $0.isFinite }.sorted()
        let threshold = finite.isEmpty ? -Float.infinity : ProximityTargets.quantileValue(finite, quantile)
        self.kept = kept
        anchors = (0..<n).filter { radius[$0] <= threshold }
        neighbourCounts = NeighbourCountSummary(counts: counts)
        self.lists = lists
    }

    /// Filter 1: j stays in i's first `counts[i]` neighbours only where i is in j's first
    /// `counts[j]`; with each point's mean distance to those it kept (∞ when none).
    static func mutualLists(_ lists: NeighbourLists, counts: [Int]) -> (kept: [[Int32]], radius: [Float]) {
        let n = lists.rowCount
        var kept = [[Int32]](repeating: [], count: n)
        var radius = [Float](repeating: .infinity, count: n)
        for i in 0..<n {
            var sum: Float = 0
            for (j, distance) in zip(lists.neighbours(of: i).prefix(counts[i]), lists.neighbourDistances(of: i).prefix(counts[i]))
            where lists.neighbours(of: Int(j)).prefix(counts[Int(j)]).contains(Int32(i)) {
                kept[i].append(j)
                sum += distance
            }
            if !kept[i].isEmpty { radius[i] = sum / Float(kept[i].count) }
        }
        return (kept, radius)
    }

    /// How the jump between the m-th and (m+1)-th sorted distance is measured.
    enum JumpMeasure {
        case difference, ratio, rankWeightedLogRatio
    }

    /// The m in `range` after which the ascending `distances` jump most (the first such m).
    static func countBeforeLargestGap(_ distances: ArraySlice<Float>, within range: ClosedRange<Int>,
                                      measure: JumpMeasure = .difference) -> Int {
        let first = distances.startIndex
        var best = range.lowerBound, widest = -Float.infinity
        for m in range where m < distances.count {
            let near = distances[first + m - 1], far = distances[first + m]
            let gap: Float
            switch measure {
            case .difference: gap = far - near
            case .ratio: gap = far / max(near, 1e-12)
            case .rankWeightedLogRatio: gap = Float(m) * log(far / max(near, 1e-12))
            }
            if gap > widest { widest = gap; best = m }
        }
        return best
    }

    /// The candidate M whose mutual-kNN graph agrees best between two seeded subsamples of ¾ of
    /// the points (see `NeighbourhoodRule.stability`).
    static func mostStableCount(_ unit: Tensor, candidates: [Int], seed: UInt64) throws -> Int {
        let n = unit.batchSize, size = (3 * n + 3) / 4
        var generator = SeededGenerator(seed: seed)
        let samples = (0..<2).map { _ in Array(generator.permutation(n).prefix(size)).sorted() }
        let deepest = min(candidates.max() ?? 1, size - 1)
        let searches = try samples.map { try NearestNeighbours.search(unit.gathering(rows: $0), neighbours: deepest) }
        // Position in each subsample of every point, −1 when it is not in it.
        let positions = samples.map { sample in
            var position = [Int](repeating: -1, count: n)
            for (index, point) in sample.enumerated() { position[point] = index }
            return position
        }
        let shared = (0..<n).filter { positions[0][$0] >= 0 && positions[1][$0] >= 0 }
        var best = candidates[0], bestOverlap = -Double.infinity
        for m in candidates.sorted() where m <= deepest {
            let graphs = searches.map { mutualLists($0, counts: [Int](repeating: m, count: $0.rowCount)).kept }
            var total = 0.0, counted = 0
            for point in shared {
                let lists = (0...1).map { side in
                    Set(graphs[side][positions[side][point]].map { samples[side][Int($0)] }.filter { positions[1 - side][$0] >= 0 })
                }
                let union = lists[0].union(lists[1]).count
                guard union > 0 else { continue }
                total += Double(lists[0].intersection(lists[1]).count) / Double(union)
                counted += 1
            }
            let overlap = counted == 0 ? 0 : total / Double(counted)
            if overlap > bestOverlap { bestOverlap = overlap; best = m }
        }
        return best
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
