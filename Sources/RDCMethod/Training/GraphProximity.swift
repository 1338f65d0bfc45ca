// Layer: method (R-DC). May use NumericCore and the method's embedding code; never the session,
// sockets or pictures. Phase 2's graph target (`refine target=graph`): parametric UMAP's
// cross-entropy (Sainburg, McInnes, Gentner 2021) on the kNN graph of the embeddings, its edges
// passed through R-DC's mutual and anchor filters. No cluster assignment is ever a target.

import Foundation
import NumericCore

/// The filtered fuzzy graph of one refresh, and the positions its edges pull towards.
///
/// At each refresh: the fuzzy simplicial set of UMAP on the unit-length embeddings' nearest
/// neighbours (the neighbourhood rule's depth), then only the edges i → j where j is one of i's
/// kept mutual neighbours and i is an active anchor (method.md's two filters). Training pulls an
/// anchor's unit embedding uᵢ towards the refresh positions pⱼ of its edges with UMAP's attraction
/// −wᵢⱼ·log q(‖uᵢ − pⱼ‖) and pushes it from `negativesPerEdge` random positions per edge with
/// UMAP's repulsion −log(1 − q(‖uᵢ − pₖ‖)), where q(d) = 1 / (1 + a·d^(2b)) (a, b from min_dist).
public struct ProximityGraph: Equatable, Sendable {
    /// For each sample, where its edges start in `neighbours` and `weights` (n + 1 values).
    public var edgeStarts: [Int]
    /// The edges' far ends.
    public var neighbours: [Int32]
    /// The edges' fuzzy weights, in (0, 1].
    public var weights: [Float]
    /// Unit-length embeddings at the refresh, [N, L]: where edges and negative samples pull and push.
    public var positions: Tensor
    /// The output-space curve q(d).
    public var curve: UMAPCurve
    /// Negative samples drawn per edge.
    public var negativesPerEdge: Int

    /// UMAP's min_dist for the curve (0: points of one neighbourhood may coincide).
    public static let minimumDistance = 0.0
    /// umap-learn's default negative sample rate.
    public static let defaultNegativesPerEdge = 5
    /// Squared distances are floored here before the repulsion's 1/d² (umap-learn's 0.001).
    static let repulsionFloor: Float = 1e-3

    /// A graph from its parts (checkpoints restore it this way).
    public init(edgeStarts: [Int], neighbours: [Int32], weights: [Float], positions: Tensor,
                curve: UMAPCurve = .fit(minimumDistance: ProximityGraph.minimumDistance),
                negativesPerEdge: Int = ProximityGraph.defaultNegativesPerEdge) {
        self.edgeStarts = edgeStarts
        self.neighbours = neighbours
        self.weights = weights
        self.positions = positions
        self.curve = curve
        self.negativesPerEdge = negativesPerEdge
    }

    /// The filtered graph of `neighbourhood` on the unit-length embeddings `unit`.
    init(unit: Tensor, neighbourhood: MutualNeighbourhood) {
        let fuzzy = FuzzySimplicialSet.graph(neighbourhood.lists)
        var starts = [0], neighbours: [Int32] = [], weights: [Float] = []
        var isAnchor = [Bool](repeating: false, count: unit.batchSize)
        for anchor in neighbourhood.anchors { isAnchor[anchor] = true }
        for i in 0..<unit.batchSize {
            if isAnchor[i] {
                for j in neighbourhood.kept[i] {
                    let weight = fuzzy.weight(i, Int(j))
                    guard weight > 0 else { continue }
                    neighbours.append(j)
                    weights.append(weight)
                }
            }
            starts.append(neighbours.count)
        }
        self.init(edgeStarts: starts, neighbours: neighbours, weights: weights, positions: unit)
    }

    /// Number of edges.
    public var edgeCount: Int { neighbours.count }

    /// The negative samples of a batch: `negativesPerEdge` uniform random samples for each edge of
    /// each batch row, in the order of the rows and their edges.
    public func negatives(for batchRows: [Int], using generator: inout SeededGenerator) -> [Int32] {
        let count = positions.batchSize
        var drawn: [Int32] = []
        for row in batchRows {
            for _ in 0..<((edgeStarts[row + 1] - edgeStarts[row]) * negativesPerEdge) {
                drawn.append(Int32(generator.next() % UInt64(count)))
            }
        }
        return drawn
    }

    /// β · mean over the batch's anchors (rows with an edge) of the mean over their edges of the
    /// attraction plus that edge's repulsions, with its gradient in z. `negatives` come from
    /// `negatives(for:using:)` with the same rows.
    public func loss(latent: Tensor, batchRows: [Int], negatives: [Int32], beta: Float) -> LossAndGradient {
        let width = latent.itemSize
        var gradient = Tensor(shape: latent.shape)
        let active = batchRows.filter { edgeStarts[$0 + 1] > edgeStarts[$0] }.count
        guard active > 0 else { return LossAndGradient(value: 0, gradient: gradient) }
        let a = Float(curve.a), b = Float(curve.b)
        var total: Float = 0
        var unit = [Float](repeating: 0, count: width), pull = [Float](repeating: 0, count: width)
        var nextNegative = 0
        positions.storage.withUnsafeBufferPointer { p in
            for (position, row) in batchRows.enumerated() {
                let first = edgeStarts[row], end = edgeStarts[row + 1]
                guard end > first else { continue }
                let offset = position * width
                var squaredNorm: Float = 0
                for d in 0..<width { squaredNorm += latent.storage[offset + d] * latent.storage[offset + d] }
                let norm = max(squaredNorm.squareRoot(), 1e-12)
                for d in 0..<width { unit[d] = latent.storage[offset + d] / norm; pull[d] = 0 }
                let scale = beta / Float(active) / Float(end - first)
                /// Adds scale · dℓ/d(d²) · 2(u − p) for the point at `target` to `pull`; returns d².
                func accumulate(_ target: Int, _ slope: (Float) -> Float) -> Float {
                    var squared: Float = 0
                    for d in 0..<width { let t = unit[d] - p[target * width + d]; squared += t * t }
                    let factor = 2 * scale * slope(squared)
                    for d in 0..<width { pull[d] += factor * (unit[d] - p[target * width + d]) }
                    return squared
                }
                for edge in first..<end {
                    let weight = weights[edge]
                    // Attraction −w·log q = w·log(1 + a·s^b), s = d².
                    let squared = accumulate(Int(neighbours[edge])) { s in
                        s > 0 ? weight * a * b * pow(s, b - 1) / (1 + a * pow(s, b)) : 0
                    }
                    total += scale * weight * log(1 + a * pow(squared, b))
                    for _ in 0..<negativesPerEdge {
                        let sample = Int(negatives[nextNegative])
                        nextNegative += 1
                        guard sample != row else { continue }
                        // Repulsion −log(1 − q) = log(1 + a·s^b) − log(a·s^b), s floored at 0.001.
                        let squared = accumulate(sample) { s in
                            let floored = max(s, Self.repulsionFloor)
                            return s < Self.repulsionFloor ? 0 : -b / (floored * (1 + a * pow(floored, b)))
                        }
                        let floored = max(squared, Self.repulsionFloor)
                        total += scale * (log(1 + a * pow(floored, b)) - log(a * pow(floored, b)))
                    }
                }
                // d(z/‖z‖)/dz = (I − u uᵀ)/‖z‖.
                var projection: Float = 0
                for d in 0..<width { projection += unit[d] * pull[d] }
                for d in 0..<width { gradient.storage[offset + d] = (pull[d] - unit[d] * projection) / norm }
            }
        }
        return LossAndGradient(value: total, gradient: gradient)
    }
}
