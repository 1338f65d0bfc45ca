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
/// `maximumIterations`), best of `restarts` runs by inertia. Seeding distances are GEMMs; the
/// Lloyd runs measure exact distances, skipping those Hamerly's bounds make unnecessary, and
/// run side by side on the workers. The same seed gives the same result.
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
        // The seedings draw from one stream, restart after restart; the Lloyd runs that follow
        // are independent, so they share the workers (each on its own thread, serial GEMMs)
        // and the result does not depend on which finishes first.
        var generator = SeededGenerator(seed: seed)
        let starts = (0..<restarts).map { _ in seedCentres(matrix, norms: norms, using: &generator) }
        let workers = min(ComputeThreads.count, restarts)
        var runs = [KMeansResult?](repeating: nil, count: restarts)
        runs.withUnsafeMutableBufferPointer { slots in
            runWorkers(workers) { worker in
                for restart in stride(from: worker, to: restarts, by: workers) {
                    slots[restart] = Self.lloyd(matrix, initial: starts[restart], maximumIterations: maximumIterations)
                }
            }
        }
        // The lowest inertia; the earliest restart on ties.
        var best = runs[0]!
        for run in runs.dropFirst() where run!.inertia < best.inertia { best = run! }
        return best
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

    /// One Lloyd run from `initial` on the calling thread: an assignment step, then (unless no
    /// point changed cluster) the mean update, until nothing changes or `maximumIterations`
    /// assignment steps. Hamerly's bounds (2010) make it fast without changing what it
    /// computes: each point keeps an upper bound on the distance to its centre and a lower bound
    /// on the distance to every other, both moved by how far the centres move; a point whose
    /// bounds prove its centre is still the nearest is not measured again. Distances are exact
    /// (Double) and the centres are Float means, as they are stored.
    static func lloyd(_ points: Tensor, initial: Tensor, maximumIterations: Int) -> KMeansResult {
        let n = points.batchSize, d = points.itemSize, k = initial.batchSize
        // Plain buffers: the loops below touch them millions of times, without bounds or
        // exclusivity checks.
        let centres = Workspace<Double>(initial.storage.map(Double.init))
        let assignments = Workspace<Int>(repeating: 0, count: n)
        let upper = Workspace<Double>(repeating: 0, count: n), lower = Workspace<Double>(repeating: 0, count: n)
        let sums = Workspace<Double>(repeating: 0, count: k * d), counts = Workspace<Int>(repeating: 0, count: k)
        let halfGap = Workspace<Double>(repeating: 0, count: k), moved = Workspace<Double>(repeating: 0, count: k)
        let transposed = Workspace<Double>((0..<(k * d)).map { Double(initial.storage[($0 % k) * d + $0 / k]) })
        let scratch = Workspace<Double>(repeating: 0, count: k)
        defer {
            [centres, transposed, upper, lower, sums, halfGap, moved, scratch].forEach { $0.release() }
            assignments.release()
            counts.release()
        }
        var iterations = 0
        points.storage.withUnsafeBufferPointer { values in
            let x = values.baseAddress!
            func squaredDistance(_ i: Int, _ centre: Int) -> Double {
                var sum = 0.0
                for j in 0..<d {
                    let difference = Double(x[i * d + j]) - centres[centre * d + j]
                    sum += difference * difference
                }
                return sum
            }
            /// Measures every centre from point `i`: its nearest (lowest index on ties) becomes
            /// its cluster, with exact bounds. Returns whether the cluster changed.
            func assignExactly(_ i: Int, current: Int?) -> Bool {
                // All k distances at once, dimension by dimension over the transposed centres
                // (a loop over k contiguous values, which vectorises).
                for centre in 0..<k { scratch[centre] = 0 }
                for j in 0..<d {
                    let value = Double(x[i * d + j]), row = j * k
                    for centre in 0..<k {
                        let difference = value - transposed[row + centre]
                        scratch[centre] += difference * difference
                    }
                }
                var best = 0, nearest = Double.infinity, second = Double.infinity
                for centre in 0..<k {
                    let value = scratch[centre]
                    if value < nearest { (second, nearest, best) = (nearest, value, centre) } else if value < second { second = value }
                }
                (upper[i], lower[i]) = (nearest.squareRoot(), second.squareRoot())
                guard best != current else { return false }
                move(i, to: best, from: current)
                return true
            }
            func move(_ i: Int, to new: Int, from old: Int?) {
                if let old {
                    counts[old] -= 1
                    for j in 0..<d { sums[old * d + j] -= Double(x[i * d + j]) }
                }
                counts[new] += 1
                for j in 0..<d { sums[new * d + j] += Double(x[i * d + j]) }
                assignments[i] = new
            }
            /// An empty cluster takes the point farthest from its own centre (among clusters
            /// with more than one point); the next mean update makes that point its centre.
            func reseedEmptyClusters() -> Bool {
                var reseeded = false
                for cluster in 0..<k where counts[cluster] == 0 {
                    var farthest = -1, farthestDistance = -1.0
                    for row in 0..<n where counts[assignments[row]] > 1 {
                        let value = squaredDistance(row, assignments[row])
                        if value > farthestDistance { (farthest, farthestDistance) = (row, value) }
                    }
                    guard farthest >= 0 else { break }
                    move(farthest, to: cluster, from: assignments[farthest])
                    (upper[farthest], lower[farthest]) = (.infinity, 0)
                    reseeded = true
                }
                return reseeded
            }

            while iterations < maximumIterations {
                iterations += 1
                var changed = false
                if iterations == 1 {
                    for i in 0..<n { _ = assignExactly(i, current: nil) }
                    changed = true
                } else {
                    for i in 0..<n {
                        let own = assignments[i], bound = max(halfGap[own], lower[i])
                        if upper[i] <= bound { continue }
                        upper[i] = squaredDistance(i, own).squareRoot()
                        if upper[i] <= bound { continue }
                        if assignExactly(i, current: own) { changed = true }
                    }
                }
                if reseedEmptyClusters() { changed = true }
                if !changed { break }

                for centre in 0..<k where counts[centre] > 0 {
                    let scale = 1.0 / Double(counts[centre])
                    var shift = 0.0
                    for j in 0..<d {
                        let mean = Double(Float(sums[centre * d + j] * scale))
                        shift += (mean - centres[centre * d + j]) * (mean - centres[centre * d + j])
                        centres[centre * d + j] = mean
                        transposed[j * k + centre] = mean
                    }
                    moved[centre] = shift.squareRoot()
                }
                var farthest = 0
                for centre in 0..<k where moved[centre] > moved[farthest] { farthest = centre }
                var secondFarthest = 0.0
                for centre in 0..<k where centre != farthest { secondFarthest = max(secondFarthest, moved[centre]) }
                for i in 0..<n {
                    upper[i] += moved[assignments[i]]
                    lower[i] -= assignments[i] == farthest ? secondFarthest : moved[farthest]
                }
                for centre in 0..<k {
                    var closest = Double.infinity
                    for other in 0..<k where other != centre {
                        var sum = 0.0
                        for j in 0..<d {
                            let difference = centres[centre * d + j] - centres[other * d + j]
                            sum += difference * difference
                        }
                        closest = min(closest, sum)
                    }
                    halfGap[centre] = closest.squareRoot() / 2
                }
                for centre in 0..<k { moved[centre] = 0 }
            }
        }
        let finalCentres = Tensor(shape: initial.shape, storage: (0..<(k * d)).map { Float(centres[$0]) })
        let finalAssignments = Array(assignments.values)
        return KMeansResult(assignments: finalAssignments, centroids: finalCentres,
                            inertia: inertia(points, assignments: finalAssignments, centres: finalCentres),
                            iterations: iterations)
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

/// A fixed-size buffer of plain values for hot loops (no bounds or exclusivity checks);
/// `release` frees it.
private struct Workspace<Value> {
    let values: UnsafeMutableBufferPointer<Value>

    init(repeating value: Value, count: Int) {
        values = .allocate(capacity: count)
        values.initialize(repeating: value)
    }

    init(_ contents: [Value]) {
        values = .allocate(capacity: contents.count)
        _ = values.initialize(from: contents)
    }

    func release() { values.deallocate() }

    subscript(index: Int) -> Value {
        get { values.baseAddress.unsafelyUnwrapped[index] }
        nonmutating set { values.baseAddress.unsafelyUnwrapped[index] = newValue }
    }
}
