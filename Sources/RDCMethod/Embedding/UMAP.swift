// Layer: method (R-DC), embedding. May use NumericCore only; never the session, sockets or pictures.
// UMAP (McInnes, Healy, Melville 2018) without Python: exact kNN → fuzzy simplicial set →
// spectral (or PCA) start → SGD layout. The parts are in the other files of this folder.

import Foundation
import NumericCore

/// How UMAP's layout starts.
public enum UMAPInitialisation: String, Sendable, CaseIterable {
    /// Laplacian eigenmaps of the fuzzy graph (Lanczos); PCA when the graph is not connected.
    case spectral
    /// The input's principal components.
    case pca
    /// Uniform in [−10, 10]².
    case random
}

/// The settings of one UMAP run; defaults are umap-learn's.
public struct UMAPSettings: Equatable, Sendable {
    /// Output dimensions.
    public var dimensions: Int
    /// Neighbours per point, the point itself included (umap-learn's `n_neighbors`).
    public var neighbours: Int
    /// Smallest distance between points in the output (umap-learn's `min_dist`).
    public var minimumDistance: Double
    /// Scale of the output curve (umap-learn's `spread`).
    public var spread: Double
    /// SGD epochs, or nil for umap-learn's rule (500 up to 10,000 points, else 200).
    public var epochs: Int?
    /// Initial SGD step size.
    public var learningRate: Float
    /// Negative samples per positive sample.
    public var negativeSampleRate: Int
    /// Weight of the repulsive term.
    public var repulsion: Float
    /// How the layout starts.
    public var initialisation: UMAPInitialisation
    /// Seed of every random choice (start-vector, noise, negative samples).
    public var seed: UInt64

    /// A configuration; the defaults are umap-learn's (2 dimensions, 15 neighbours, min_dist 0.1).
    public init(dimensions: Int = 2, neighbours: Int = 15, minimumDistance: Double = 0.1, spread: Double = 1,
                epochs: Int? = nil, learningRate: Float = 1, negativeSampleRate: Int = 5, repulsion: Float = 1,
                initialisation: UMAPInitialisation = .spectral, seed: UInt64 = 0) {
        self.dimensions = dimensions
        self.neighbours = neighbours
        self.minimumDistance = minimumDistance
        self.spread = spread
        self.epochs = epochs
        self.learningRate = learningRate
        self.negativeSampleRate = negativeSampleRate
        self.repulsion = repulsion
        self.initialisation = initialisation
        self.seed = seed
    }

    /// The epochs a run on `pointCount` points uses.
    public func resolvedEpochs(pointCount: Int) -> Int {
        epochs ?? (pointCount <= 10_000 ? 500 : 200)
    }
}

extension UMAPSettings {
    /// Neighbours per point of the read-off layout (N2D's 20).
    public static let readOffNeighbours = 20
    /// min_dist of the read-off layout: 0, so a cluster's points may pack together.
    public static let readOffMinimumDistance = 0.0

    /// N2D's read-off layout (McConville et al. 2020), `cluster space=umap`'s defaults: as many
    /// dimensions as clusters, 20 neighbours, min_dist 0.
    public static func clusterReadOff(clusterCount: Int, seed: UInt64) -> UMAPSettings {
        UMAPSettings(dimensions: clusterCount, neighbours: readOffNeighbours, minimumDistance: readOffMinimumDistance, seed: seed)
    }
}

/// A UMAP embedding and how it was made.
public struct UMAPResult: Sendable {
    /// The layout, `[n, dimensions]`.
    public let embedding: Tensor
    /// The start actually used (spectral falls back to PCA on a disconnected graph).
    public let initialisation: UMAPInitialisation
    /// The fitted output curve.
    public let curve: UMAPCurve
    /// SGD epochs run.
    public let epochs: Int
    /// The spectral start's Lanczos steps, residual and convergence, nil for another start.
    public let spectralStart: (steps: Int, residual: Double, converged: Bool)?
    /// Entries of the fuzzy graph (each undirected edge twice) and its connected components.
    public let graphEntries: Int, graphComponents: Int
    /// Seconds spent in the kNN search, the fuzzy set, the start and the SGD.
    public let seconds: (neighbours: Double, graph: Double, initialisation: Double, layout: Double)
}

/// UMAP on the rows of a tensor.
public enum UMAP {
    /// Embeds the rows of `points` (`[n, ...]`, rows flattened) in `settings.dimensions`
    /// dimensions. With more neighbours than points, all points are neighbours.
    ///
    /// - Parameter shouldStop: checked between SGD epochs; the layout so far is returned.
    /// - Throws: `NumericArgumentError` for fewer than 3 points, non-finite values or settings
    ///   out of range.
    public static func embed(_ points: Tensor, settings: UMAPSettings, threads: Int = ComputeThreads.count,
                             shouldStop: () -> Bool = { false }) throws -> UMAPResult {
        let n = points.batchSize, width = points.itemSize, dimensions = settings.dimensions
        guard n >= 3 else { throw NumericArgumentError("UMAP needs at least 3 points, got \(n)") }
        guard dimensions >= 1, settings.neighbours >= 2 else {
            throw NumericArgumentError("UMAP needs ≥ 1 output dimension and ≥ 2 neighbours (the point itself included)")
        }
        guard settings.minimumDistance >= 0, settings.spread > 0, settings.minimumDistance <= settings.spread else {
            throw NumericArgumentError("UMAP needs 0 ≤ min_dist ≤ spread and spread > 0; got min_dist \(settings.minimumDistance), spread \(settings.spread)")
        }
        guard points.isFinite else { throw NumericArgumentError("UMAP input contains NaN or infinite values") }
        var clock = Stopwatch()
        let matrix = points.reshaped([n, width])
        let lists = try NearestNeighbours.search(matrix, neighbours: min(settings.neighbours, n) - 1, workers: threads)
        let neighbourSeconds = clock.lap()
        let graph = FuzzySimplicialSet.graph(lists)
        let components = graph.components().count
        let graphSeconds = clock.lap()
        var generator = SeededGenerator(seed: settings.seed)
        let (initial, used, eigenmap) = try initialLayout(matrix, graph: graph, settings: settings, threads: threads, generator: &generator)
        let initialisationSeconds = clock.lap()
        var start = initial
        let curve = UMAPCurve.fit(minimumDistance: settings.minimumDistance, spread: settings.spread)
        let epochs = settings.resolvedEpochs(pointCount: n)
        let layout = UMAPLayoutSettings(epochs: epochs, curve: curve, learningRate: settings.learningRate,
                                        negativeSampleRate: settings.negativeSampleRate, repulsion: settings.repulsion)
        UMAPLayout.optimise(&start, dimensions: dimensions, graph: graph, settings: layout,
                            seed: generator.next(), threads: threads, shouldStop: shouldStop)
        let layoutSeconds = clock.lap()
        return UMAPResult(embedding: Tensor(shape: [n, dimensions], storage: start), initialisation: used, curve: curve, epochs: epochs,
                          spectralStart: eigenmap.map { ($0.steps, $0.largestResidual, $0.converged) }, graphEntries: graph.entryCount, graphComponents: components,
                          seconds: (neighbourSeconds, graphSeconds, initialisationSeconds, layoutSeconds))
    }

    /// The start layout, scaled as umap-learn does: spectral and PCA coordinates stretched to a
    /// largest magnitude of 10 plus N(0, 10⁻⁴) noise; then every column min–max scaled to [0, 10].
    static func initialLayout(_ points: Tensor, graph: FuzzyGraph, settings: UMAPSettings, threads: Int,
                              generator: inout SeededGenerator)
        throws -> ([Float], UMAPInitialisation, LaplacianEigenmap?) {
        let n = points.batchSize, dimensions = settings.dimensions
        var layout: [Float]? = nil
        var used = settings.initialisation
        var eigenmap: LaplacianEigenmap?
        if used == .spectral {
            eigenmap = SpectralInitialisation.laplacianEigenmap(graph, dimensions: dimensions, seed: generator.next(), threads: threads)
            layout = eigenmap?.vectors
            if layout == nil { used = .pca }
        }
        if used == .pca {
            if dimensions <= points.itemSize, let projection = try? PCA.fit(points, dimensions: dimensions).projection {
                layout = projection.storage
            } else {
                used = .random
            }
        }
        var values: [Float]
        if let layout {
            let largest = layout.reduce(Float(0)) { max($0, abs($1)) }
            let expansion: Float = largest > 0 ? 10 / largest : 1
            values = layout.map { $0 * expansion + 1e-4 * generator.nextNormal() }
        } else {
            values = (0..<(n * dimensions)).map { _ in generator.nextUniform(-10, 10) }
        }
        for column in 0..<dimensions {
            var low = Float.infinity, high = -Float.infinity
            for row in 0..<n { low = min(low, values[row * dimensions + column]); high = max(high, values[row * dimensions + column]) }
            let scale: Float = high > low ? 10 / (high - low) : 0
            for row in 0..<n { values[row * dimensions + column] = (values[row * dimensions + column] - low) * scale }
        }
        return (values, used, eigenmap)
    }
}

/// Wall-clock laps for the timing fields of `UMAPResult`.
private struct Stopwatch {
    private var last = DispatchTime.now().uptimeNanoseconds

    init() {}

    /// Seconds since the previous lap (or the start).
    mutating func lap() -> Double {
        let now = DispatchTime.now().uptimeNanoseconds
        defer { last = now }
        return Double(now - last) / 1e9
    }
}
