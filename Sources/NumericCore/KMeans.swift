// Layer: numeric core. May use CBLAS (through `gemm`) only; knows nothing of R-DC, sessions or files.

import Foundation

/// The outcome of k-means: the best run of all restarts.
public struct KMeansResult: Equatable, Sendable {
    /// Cluster index in `0..<k` of each row.
    public let assignments: [Int]
    /// Cluster centres, `[k, d]`.
    public let centroids: Tensor
    /// Sum over rows of the squared Euclidean distance to the assigned centre (computed in Double).
    public let inertia: Double
    /// Lloyd iterations (assignment steps) of the returned run; the run converged when this is
    /// below the cap (an assignment step changed nothing).
    public let iterations: Int
}

/// k-means: greedy k-means++ seeding, Lloyd iterations until no assignment changes (or
/// `maximumIterations`), best of `restarts` runs by inertia. Distances to the centres are one
/// GEMM per step. The same seed gives the same result.
public struct KMeans: Sendable {
    /// Number of clusters k.
    public var clusterCount: Int
    /// Independent seeded runs; the one with the lowest inertia is kept (first on ties).
    public var restarts: Int
    /// Upper bound on Lloyd iterations per run.
    public var maximumIterations: Int
    /// Seed of the only random source (seeding of every restart).
    public var seed: UInt64

    /// A k-means configuration; defaults follow method.md (20 restarts, 300 iterations).
    public init(clusterCount: Int, restarts: Int = 20, maximumIterations: Int = 300, seed: UInt64 = 0) {
        self.clusterCount = clusterCount
        self.restarts = restarts
        self.maximumIterations = maximumIterations
        self.seed = seed
    }

    /// Clusters the rows of `points` (`[n, ...]`, each row flattened).
    ///
    /// - Throws: `NumericArgumentError` if k < 1, k > n, restarts or iterations < 1, or a value
    ///   is not finite.
    public func fit(_ points: Tensor) throws -> KMeansResult {
        let n = points.batchSize, k = clusterCount
        guard k >= 1 else { throw NumericArgumentError("k-means needs k ≥ 1 clusters; got k = \(k)") }
        guard k <= n else {
            throw NumericArgumentError("k-means cannot make k = \(k) clusters from only \(n) points")
        }
        guard restarts >= 1 else { throw NumericArgumentError("k-means needs restarts ≥ 1; got \(restarts)") }
        guard maximumIterations >= 1 else {
            throw NumericArgumentError("k-means needs maximumIterations ≥ 1; got \(maximumIterations)")
        }
        guard points.storage.allSatisfy({ $0.isFinite }) else {
            throw NumericArgumentError("k-means input contains NaN or infinite values")
        }
        let matrix = points.reshaped([n, points.itemSize])
        let norms = rowSquaredNorms(matrix)
        var generator = SeededGenerator(seed: seed)
        var best: KMeansResult?
        for _ in 0..<restarts {
            let run = lloyd(matrix, norms: norms, initial: seedCentres(matrix, norms: norms, using: &generator))
            if best == nil || run.inertia < best!.inertia { best = run }
        }
        return best!
    }

    /// The nearest centre of each row of `points` (ties: lower centre index) and its squared
    /// distance (GEMM estimate, clamped at 0).
    public static func assign(_ points: Tensor, to centroids: Tensor) -> (assignments: [Int], squaredDistances: [Float]) {
        precondition(points.itemSize == centroids.itemSize, "points and centroids differ in width")
        var assignments = [Int](repeating: 0, count: points.batchSize)
        var distances = [Float](repeating: 0, count: points.batchSize)
        nearestCentres(points.reshaped([points.batchSize, points.itemSize]), norms: rowSquaredNorms(points),
                       centres: centroids, assignments: &assignments, distances: &distances)
        return (assignments, distances)
    }

    // MARK: - One run

    /// Greedy k-means++: each new centre is the best (lowest resulting potential) of
    /// 2 + ⌊ln k⌋ candidates drawn with probability proportional to squared distance.
    private func seedCentres(_ points: Tensor, norms: [Float], using generator: inout SeededGenerator) -> Tensor {
        let n = points.batchSize, d = points.itemSize, k = clusterCount
        let trials = 2 + Int(log(Double(k)))
        var centres = Tensor(shape: [k, d])
        func copyRow(_ row: Int, toCentre centre: Int) {
            for j in 0..<d { centres.storage[centre * d + j] = points.storage[row * d + j] }
        }
        copyRow(Int(generator.next() % UInt64(n)), toCentre: 0)
        var closest = Self.squaredDistances(points, norms: norms, to: centres.rows(0..<1))
        var candidateDistances = [Float]()
        for centre in 1..<k {
            let potential = closest.reduce(0.0) { $0 + Double($1) }
            var candidates = [Int]()
            for _ in 0..<trials {
                candidates.append(potential > 0
                    ? Self.sample(proportionalTo: closest, total: potential, using: &generator)
                    : Int(generator.next() % UInt64(n)))
            }
            candidateDistances = Self.squaredDistances(points, norms: norms, to: points.gathering(rows: candidates))
            var bestTrial = 0, bestPotential = Double.infinity
            for trial in 0..<trials {
                var sum = 0.0
                for row in 0..<n { sum += Double(min(closest[row], candidateDistances[row * trials + trial])) }
                if sum < bestPotential { bestPotential = sum; bestTrial = trial }
            }
            copyRow(candidates[bestTrial], toCentre: centre)
            for row in 0..<n { closest[row] = min(closest[row], candidateDistances[row * trials + bestTrial]) }
        }
        return centres
    }

    private static func sample(proportionalTo weights: [Float], total: Double, using generator: inout SeededGenerator) -> Int {
        let target = Double(generator.next() >> 11) * 0x1.0p-53 * total
        var cumulative = 0.0
        var lastPositive = 0
        for (index, weight) in weights.enumerated() where weight > 0 {
            cumulative += Double(weight)
            lastPositive = index
            if cumulative > target { return index }
        }
        return lastPositive
    }

    private func lloyd(_ points: Tensor, norms: [Float], initial: Tensor) -> KMeansResult {
        let n = points.batchSize, k = clusterCount
        var centres = initial
        var assignments = [Int](repeating: -1, count: n)
        var next = [Int](repeating: 0, count: n)
        var distances = [Float](repeating: 0, count: n)
        var iterations = 0
        while iterations < maximumIterations {
            iterations += 1
            Self.nearestCentres(points, norms: norms, centres: centres, assignments: &next, distances: &distances)
            Self.reseedEmptyClusters(k: k, assignments: &next, distances: &distances)
            if next == assignments { break }
            swap(&assignments, &next)
            centres = Self.means(points, assignments: assignments, k: k, previous: centres)
        }
        // The centres are the means of the returned assignments; after the iteration cap a
        // further assignment step could still move a few points.
        return KMeansResult(assignments: assignments, centroids: centres,
                            inertia: Self.inertia(points, assignments: assignments, centres: centres),
                            iterations: iterations)
    }

    /// An empty cluster takes the point farthest from its own centre (among clusters with more
    /// than one point); the next mean update makes that point its centre.
    private static func reseedEmptyClusters(k: Int, assignments: inout [Int], distances: inout [Float]) {
        var counts = [Int](repeating: 0, count: k)
        for cluster in assignments { counts[cluster] += 1 }
        for cluster in 0..<k where counts[cluster] == 0 {
            var farthest = -1
            for row in 0..<assignments.count where counts[assignments[row]] > 1 {
                if farthest < 0 || distances[row] > distances[farthest] { farthest = row }
            }
            guard farthest >= 0 else { return }
            counts[assignments[farthest]] -= 1
            counts[cluster] = 1
            assignments[farthest] = cluster
            distances[farthest] = 0
        }
    }

    private static func means(_ points: Tensor, assignments: [Int], k: Int, previous: Tensor) -> Tensor {
        let d = points.itemSize
        var sums = [Double](repeating: 0, count: k * d)
        var counts = [Int](repeating: 0, count: k)
        points.storage.withUnsafeBufferPointer { values in
            sums.withUnsafeMutableBufferPointer { total in
                for (row, cluster) in assignments.enumerated() {
                    counts[cluster] += 1
                    let source = values.baseAddress! + row * d, target = total.baseAddress! + cluster * d
                    for j in 0..<d { target[j] += Double(source[j]) }
                }
            }
        }
        var centres = previous
        for cluster in 0..<k where counts[cluster] > 0 {
            let scale = 1.0 / Double(counts[cluster])
            for j in 0..<d { centres.storage[cluster * d + j] = Float(sums[cluster * d + j] * scale) }
        }
        return centres
    }

    static func inertia(_ points: Tensor, assignments: [Int], centres: Tensor) -> Double {
        let d = points.itemSize
        return points.storage.withUnsafeBufferPointer { values in
            centres.storage.withUnsafeBufferPointer { c in
                var total = 0.0
                for (row, cluster) in assignments.enumerated() {
                    total += exactSquaredDistance(values.baseAddress! + row * d, c.baseAddress! + cluster * d, count: d)
                }
                return total
            }
        }
    }

    /// Squared distances `[n, m]` from every point to each of the m `centres` (one GEMM).
    private static func squaredDistances(_ points: Tensor, norms: [Float], to centres: Tensor) -> [Float] {
        let n = points.batchSize, d = points.itemSize, m = centres.batchSize
        var out = [Float](repeating: 0, count: n * m)
        let centreNorms = rowSquaredNorms(centres)
        out.withUnsafeMutableBufferPointer { o in
            points.storage.withUnsafeBufferPointer { p in
                centres.storage.withUnsafeBufferPointer { c in
                    parallelGemm(transposeB: true, m: n, n: m, k: d, alpha: -2, a: p.baseAddress!, b: c.baseAddress!, c: o.baseAddress!)
                }
            }
            for row in 0..<n {
                for column in 0..<m {
                    o[row * m + column] = max(0, o[row * m + column] + norms[row] + centreNorms[column])
                }
            }
        }
        return out
    }

    /// Nearest centre of every point, 4,096 points per GEMM into one small reused buffer
    /// pre-filled with the centres' squared norms (so the GEMM yields ‖c‖² − 2p·c directly).
    private static func nearestCentres(
        _ points: Tensor, norms: [Float], centres: Tensor, assignments: inout [Int], distances: inout [Float]
    ) {
        let n = points.batchSize, d = points.itemSize, k = centres.batchSize
        let blockRows = min(n, 4096)
        let centreNorms = rowSquaredNorms(centres)
        var buffer = [Float](repeating: 0, count: blockRows * k)
        buffer.withUnsafeMutableBufferPointer { table in
            points.storage.withUnsafeBufferPointer { p in
                centres.storage.withUnsafeBufferPointer { c in
                    for first in stride(from: 0, to: n, by: blockRows) {
                        let rows = min(blockRows, n - first)
                        for row in 0..<rows { for cluster in 0..<k { table[row * k + cluster] = centreNorms[cluster] } }
                        parallelGemm(transposeB: true, m: rows, n: k, k: d, alpha: -2, a: p.baseAddress! + first * d,
                             b: c.baseAddress!, beta: 1, c: table.baseAddress!)
                        for row in 0..<rows {
                            var bestCluster = 0
                            var bestDistance = table[row * k]
                            for cluster in 1..<max(k, 1) where table[row * k + cluster] < bestDistance {
                                bestDistance = table[row * k + cluster]
                                bestCluster = cluster
                            }
                            assignments[first + row] = bestCluster
                            distances[first + row] = max(0, bestDistance + norms[first + row])
                        }
                    }
                }
            }
        }
    }
}
