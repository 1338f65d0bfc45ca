// Layer: method (R-DC), embedding. May use NumericCore (and CPrefetch's one inline function) only;
// never the session, sockets or pictures.
// UMAP's layout: stochastic gradient descent on the fuzzy cross-entropy with negative sampling
// (umap-learn's `optimize_layout_euclidean`), made deterministic for a seed at a fixed thread count.

import CPrefetch
import Foundation
import NumericCore

/// The settings of UMAP's layout optimisation.
public struct UMAPLayoutSettings: Equatable, Sendable {
    /// Passes over the graph.
    public var epochs: Int
    /// Initial step size, decayed linearly to 0 over the epochs.
    public var learningRate: Float
    /// Negative samples per positive sample.
    public var negativeSampleRate: Int
    /// Weight of the repulsive term (umap-learn's `repulsion_strength`, γ).
    public var repulsion: Float
    /// The output-space curve.
    public var curve: UMAPCurve

    /// umap-learn's defaults for a given curve and epoch count.
    public init(epochs: Int, curve: UMAPCurve, learningRate: Float = 1, negativeSampleRate: Int = 5, repulsion: Float = 1) {
        self.epochs = epochs
        self.curve = curve
        self.learningRate = learningRate
        self.negativeSampleRate = negativeSampleRate
        self.repulsion = repulsion
    }
}

/// The coefficients of UMAP's SGD moves: a point at squared distance s from another moves by
/// coefficient × (its coordinates − the other's), clipped to ±4 per coordinate, times the step.
/// They are minus the gradients of the fuzzy cross-entropy's terms, −log φ for an edge and
/// −γ·log(1 − φ) for a negative sample, with φ = 1 / (1 + a·s^b) (umap-learn's, including its
/// 0.001 guard in the repulsion).
public struct UMAPGradient: Sendable {
    let a: Float, b: Float, twoGammaB: Float, twoAB: Float

    /// The coefficients for a curve and a repulsion weight γ.
    public init(curve: UMAPCurve, repulsion: Float) {
        a = Float(curve.a)
        b = Float(curve.b)
        twoGammaB = 2 * repulsion * b
        twoAB = 2 * a * b
    }

    /// −2ab·s^(b−1) / (1 + a·s^b), for s > 0 (s^b from one logarithm and one exponential).
    @inline(__always)
    public func attraction(squaredDistance s: Float) -> Float {
        let power = expf(b * logf(s))
        return -twoAB * (power / s) / (a * power + 1)
    }

    /// 2γb / ((0.001 + s)(1 + a·s^b)), for s > 0.
    @inline(__always)
    public func repulsion(squaredDistance s: Float) -> Float {
        twoGammaB / ((0.001 + s) * (a * expf(b * logf(s)) + 1))
    }
}

/// The SGD of UMAP's layout.
///
/// Each edge (i, j) of weight w is sampled every w_max / w epochs, pulling i and j towards each
/// other, followed by `negativeSampleRate` pushes of i away from uniformly drawn points. Threads
/// own contiguous ranges of points (balanced by edges) and write only their own points during an
/// epoch: they read their own points live and other threads' points from a copy taken at the
/// start of the epoch, keep the moves of other threads' points in a buffer of their own that is
/// added after the epoch in thread order, and draw negatives from their own random stream. So the
/// result depends only on the seed and the thread count; on one thread it is umap-learn's
/// sequential algorithm.
public enum UMAPLayout {
    /// Edge sampling schedule: the graph's entries with weight ≥ w_max / epochs and the epochs
    /// between samples of each (w_max / w). Entries below are dropped, as umap-learn does.
    public struct Schedule: Sendable {
        /// Start of each vertex's entries, `vertexCount + 1`.
        public let rowStarts: [Int]
        /// Tail of each entry.
        public let tails: [Int32]
        /// Epochs between two samples of each entry.
        public let epochsPerSample: [Float]
    }

    /// The sampling schedule of `graph` for `epochs` epochs.
    public static func schedule(_ graph: FuzzyGraph, epochs: Int) -> Schedule {
        let largest = graph.weights.max() ?? 0
        let threshold = largest / Float(max(epochs, 1))
        var rowStarts = [Int](repeating: 0, count: graph.vertexCount + 1)
        var tails: [Int32] = [], perSample: [Float] = []
        tails.reserveCapacity(graph.entryCount)
        perSample.reserveCapacity(graph.entryCount)
        for row in 0..<graph.vertexCount {
            for position in graph.rowStarts[row]..<graph.rowStarts[row + 1] where graph.weights[position] >= threshold {
                tails.append(graph.columns[position])
                perSample.append(largest / graph.weights[position])
            }
            rowStarts[row + 1] = tails.count
        }
        return Schedule(rowStarts: rowStarts, tails: tails, epochsPerSample: perSample)
    }

    /// The contiguous ranges of vertices the `threads` workers own, each with about the same
    /// number of entries.
    public static func partition(_ rowStarts: [Int], threads: Int) -> [Range<Int>] {
        let n = rowStarts.count - 1, total = rowStarts[n]
        let workers = max(1, min(threads, n))
        var ranges: [Range<Int>] = []
        var start = 0
        for worker in 0..<workers {
            var end = start
            if worker == workers - 1 {
                end = n
            } else {
                let goal = total * (worker + 1) / workers
                while end < n - (workers - 1 - worker) && rowStarts[end] < goal { end += 1 }
                end = max(end, start + 1)
            }
            ranges.append(start..<end)
            start = end
        }
        return ranges
    }

    /// Optimises `embedding` (`[n, dimensions]`, row-major, the start layout) in place.
    ///
    /// - Parameters:
    ///   - threads: workers (the result depends on it; default `ComputeThreads.count`).
    ///   - shouldStop: checked between epochs; when it returns true the layout so far is kept.
    public static func optimise(
        _ embedding: inout [Float], dimensions: Int, graph: FuzzyGraph, settings: UMAPLayoutSettings,
        seed: UInt64, threads: Int = ComputeThreads.count, shouldStop: () -> Bool = { false }
    ) {
        let n = graph.vertexCount
        precondition(embedding.count == n * dimensions, "the start layout must hold n × dimensions values")
        guard n > 1, settings.epochs > 0 else { return }
        let plan = schedule(graph, epochs: settings.epochs)
        let ranges = partition(plan.rowStarts, threads: threads)
        let entries = plan.tails.count, rate = Float(max(settings.negativeSampleRate, 1))
        // The schedule's running state, one value per entry, and the epoch's frozen copy.
        let nextSample = UnsafeMutablePointer<Float>.allocate(capacity: max(entries, 1))
        let perNegative = UnsafeMutablePointer<Float>.allocate(capacity: max(entries, 1))
        let nextNegative = UnsafeMutablePointer<Float>.allocate(capacity: max(entries, 1))
        let frozen = UnsafeMutablePointer<Float>.allocate(capacity: n * dimensions)
        // Each worker's pending moves of points other workers own, added after the epoch in worker order.
        let pending = ranges.count > 1 ? UnsafeMutablePointer<Float>.allocate(capacity: ranges.count * n * dimensions) : nil
        pending?.initialize(repeating: 0, count: ranges.count * n * dimensions)
        let generators = UnsafeMutablePointer<SampleStream>.allocate(capacity: ranges.count)
        // Each worker's next `lookahead` negative samples, drawn early so their rows can be prefetched.
        let upcoming = UnsafeMutablePointer<Int>.allocate(capacity: ranges.count * lookahead)
        defer {
            nextSample.deallocate(); perNegative.deallocate(); nextNegative.deallocate(); frozen.deallocate(); pending?.deallocate()
            generators.deinitialize(count: ranges.count); generators.deallocate(); upcoming.deallocate()
        }
        for entry in 0..<entries {
            nextSample[entry] = plan.epochsPerSample[entry]
            perNegative[entry] = plan.epochsPerSample[entry] / rate
            nextNegative[entry] = perNegative[entry]
        }
        for worker in ranges.indices {
            var seeder = SeededGenerator(seed: seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(worker + 1))
            (generators + worker).initialize(to: SampleStream(seeder.next(), seeder.next()))
        }
        let gradient = UMAPGradient(curve: settings.curve, repulsion: settings.repulsion)
        plan.rowStarts.withUnsafeBufferPointer { starts in
            plan.tails.withUnsafeBufferPointer { tails in
                plan.epochsPerSample.withUnsafeBufferPointer { perSample in
                    embedding.withUnsafeMutableBufferPointer { liveBuffer in
                        let live = liveBuffer.baseAddress!
                        for epoch in 0..<settings.epochs {
                            if shouldStop() { break }
                            let alpha = settings.learningRate * (1 - Float(epoch) / Float(settings.epochs))
                            let now = Float(epoch)
                            frozen.update(from: live, count: n * dimensions)
                            defer {
                                if let pending {
                                    for worker in ranges.indices {
                                        let moves = pending + worker * n * dimensions
                                        for index in 0..<(n * dimensions) { live[index] += moves[index] }
                                        moves.update(repeating: 0, count: n * dimensions)
                                    }
                                }
                            }
                            runWorkers(ranges.count) { worker in
                                let owned = ranges[worker]
                                let low = owned.lowerBound, high = owned.upperBound
                                var generator = generators[worker]
                                defer { generators[worker] = generator }
                                @inline(__always) func point(_ vertex: Int) -> UnsafePointer<Float> {
                                    vertex >= low && vertex < high ? UnsafePointer(live + vertex * dimensions)
                                        : UnsafePointer(frozen + vertex * dimensions)
                                }
                                // A ring of the stream's next indices: each is prefetched when drawn and
                                // used `lookahead` samples later, so its cache miss overlaps the work between.
                                let ring = upcoming + worker * lookahead
                                var slot = 0
                                @inline(__always) func prefetchRow(_ vertex: Int) {
                                    let row = point(vertex)
                                    rdc_prefetch_for_read(row)
                                    rdc_prefetch_for_read(row + (dimensions - 1))  // a row may straddle two lines
                                }
                                for index in 0..<lookahead {
                                    ring[index] = generator.index(below: n)
                                    prefetchRow(ring[index])
                                }
                                for head in owned {
                                    let current = live + head * dimensions
                                    for entry in starts[head]..<starts[head + 1] where nextSample[entry] <= now {
                                        let other = point(Int(tails[entry]))
                                        var squared: Float = 0
                                        for d in 0..<dimensions {
                                            let difference = current[d] - other[d]
                                            squared += difference * difference
                                        }
                                        if squared > 0 {
                                            let coefficient = gradient.attraction(squaredDistance: squared)
                                            let tail = Int(tails[entry])
                                            // The tail moves too: now if this worker owns it, else after the epoch.
                                            let moved = tail >= low && tail < high ? live + tail * dimensions
                                                : pending! + (worker * n + tail) * dimensions
                                            for d in 0..<dimensions {
                                                let step = clip(coefficient * (current[d] - other[d])) * alpha
                                                current[d] += step
                                                moved[d] -= step
                                            }
                                        }
                                        nextSample[entry] += perSample[entry]
                                        let negatives = Int((now - nextNegative[entry]) / perNegative[entry])
                                        guard negatives > 0 else { continue }
                                        for _ in 0..<negatives {
                                            let sample = ring[slot]
                                            ring[slot] = generator.index(below: n)
                                            prefetchRow(ring[slot])
                                            slot = slot + 1 == lookahead ? 0 : slot + 1
                                            if sample == head { continue }
                                            let far = point(sample)
                                            var distance: Float = 0
                                            for d in 0..<dimensions {
                                                let difference = current[d] - far[d]
                                                distance += difference * difference
                                            }
                                            guard distance > 0 else { continue }
                                            let coefficient = gradient.repulsion(squaredDistance: distance)
                                            for d in 0..<dimensions {
                                                current[d] += clip(coefficient * (current[d] - far[d])) * alpha
                                            }
                                        }
                                        nextNegative[entry] += Float(negatives) * perNegative[entry]
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    @inline(__always)
    private static func clip(_ value: Float) -> Float { min(4, max(-4, value)) }

    /// How many negative samples ahead of their use their rows are prefetched.
    private static let lookahead = 8
}

/// The negative-sample stream of one worker: xorshift128+ (seeded from `SeededGenerator`),
/// inlined into the SGD loop, with Lemire's multiply-shift instead of a division for the index.
private struct SampleStream {
    private var s0: UInt64, s1: UInt64

    init(_ first: UInt64, _ second: UInt64) {
        s0 = first | 1
        s1 = second
    }

    /// A uniform index in 0..<count (count < 2³²).
    @inline(__always)
    mutating func index(below count: Int) -> Int {
        var x = s0
        let y = s1
        s0 = y
        x ^= x << 23
        s1 = x ^ y ^ (x >> 17) ^ (y >> 26)
        let bits = (s1 &+ y) >> 32
        return Int((bits &* UInt64(count)) >> 32)
    }
}
