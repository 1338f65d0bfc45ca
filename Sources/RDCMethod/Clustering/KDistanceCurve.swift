// Layer: method (R-DC), clustering. May use NumericCore only; never the session, sockets or
// pictures. DBSCAN's eps read off the data: the knee of the sorted k-distances.

import NumericCore

/// The sorted distances from every point to its `minimumPoints`-th nearest point (itself
/// counted first, so a point whose distance is at most eps is a DBSCAN core point), and the
/// knee of that curve.
///
/// Knee rule: scale the ascending curve to the unit square (position i/(n−1), distance
/// (dᵢ − d₀)/(dₙ₋₁ − d₀)) and take the point farthest below the chord from its first to its last
/// point — the point of largest (position − scaled distance), where the curve turns from the
/// slow rise of points inside clusters to the steep rise of the sparse ones (the "Kneedle"
/// criterion of Satopää et al. 2011 without smoothing). eps is the distance there.
public struct KDistanceCurve: Equatable, Sendable {
    /// DBSCAN's minpts the distances belong to.
    public let minimumPoints: Int
    /// Each point's distance to its `minimumPoints`-th nearest point, ascending.
    public let sortedDistances: [Float]
    /// Position of the knee in `sortedDistances`.
    public let kneeIndex: Int

    /// eps at the knee (the smallest positive distance when the knee lies among duplicates).
    public var eps: Float {
        let knee = sortedDistances[kneeIndex]
        return knee > 0 ? knee : sortedDistances.first { $0 > 0 } ?? Float.leastNormalMagnitude
    }

    /// The curve of the rows of `points` (`[n, ...]`).
    ///
    /// - Throws: `NumericArgumentError` unless 2 ≤ minimumPoints ≤ n and values are finite.
    public init(points: Tensor, minimumPoints: Int) throws {
        let n = points.batchSize
        guard minimumPoints >= 2, minimumPoints <= n else {
            throw NumericArgumentError("the k-distance curve needs 2 ≤ minpts ≤ \(n) (the number of points), got \(minimumPoints)")
        }
        guard points.storage.allSatisfy(\.isFinite) else { throw NumericArgumentError("k-distance input contains NaN or infinite values") }
        let lists = try NearestNeighbours.search(points.reshaped([n, points.itemSize]), neighbours: minimumPoints - 1)
        let distances = (0..<n).map { lists.neighbourDistances(of: $0).last! }.sorted()
        self.init(minimumPoints: minimumPoints, sortedDistances: distances)
    }

    /// The knee of already sorted distances.
    public init(minimumPoints: Int, sortedDistances: [Float]) {
        self.minimumPoints = minimumPoints
        self.sortedDistances = sortedDistances
        let n = sortedDistances.count
        let low = Double(sortedDistances.first ?? 0), span = Double(sortedDistances.last ?? 0) - low
        var knee = max(n - 1, 0), farthest = -Double.infinity
        if n > 1, span > 0 {
            for (i, distance) in sortedDistances.enumerated() {
                let below = Double(i) / Double(n - 1) - (Double(distance) - low) / span
                if below > farthest { farthest = below; knee = i }
            }
        }
        kneeIndex = knee
    }
}
