// Layer: method tests. UMAP's parts against umap-learn's figures (hard-coded below, with the
// call that produced them) and against direct computations; the full-covariance mixture against
// scikit-learn. None of these need Python at test time.

import Foundation
import XCTest
import NumericCore
@testable import RDCMethod

final class UMAPTests: XCTestCase {
    /// 8 points in 2-D with no two pairwise distances within 0.009 (so no ties in any list);
    /// umap-learn 0.5.12: `fuzzy_simplicial_set(X, 4, np.random.RandomState(0), "euclidean")`
    /// (exact kNN below 4096 points).
    private let tinyPoints: [Float] = [0, 0, 1, 0, 0, 2, 3, 1.2, 4, 4, 5, 3.5, 2, 2.5, 6, 0.3]
    private let umapLearnSigma: [Float] = [2.192138671875, 1.851837158203125, 0.18621063232421875, 1.40887451171875,
                                           2.31768798828125, 2.865966796875, 0.8855133056640625, 0.771514892578125]
    private let umapLearnRho: [Float] = [1.0, 1.0, 2.0, 1.6401219367980957, 1.1180340051651, 1.1180340051651,
                                         1.6401219367980957, 3.132091999053955]
    private let umapLearnGraph: [[Float]] = [
        [0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.3663014, 0.0],
        [1.0, 0.0, 0.6500725, 0.8008514, 0.0, 0.0, 0.0, 0.0],
        [1.0, 0.6500725, 0.0, 0.0, 0.0, 0.0, 0.8934097, 0.0],
        [0.0, 0.8008514, 0.0, 0.0, 0.6629825, 0.5099763, 1.0, 1.0],
        [0.0, 0.0, 0.0, 0.6629825, 0.0, 1.0, 0.7209445, 0.2486074],
        [0.0, 0.0, 0.0, 0.5099763, 1.0, 0.0, 0.490033, 0.7513933],
        [0.3663014, 0.0, 0.8934097, 1.0, 0.7209445, 0.490033, 0.0, 0.0],
        [0.0, 0.0, 0.0, 1.0, 0.2486074, 0.7513933, 0.0, 0.0],
    ]

    func testFuzzySetMatchesUmapLearnOnATinyFixture() throws {
        let lists = try NearestNeighbours.search(Tensor(shape: [8, 2], storage: tinyPoints), neighbours: 3)
        let (rho, sigma) = FuzzySimplicialSet.smoothDistances(lists)
        for i in 0..<8 {
            XCTAssertEqual(rho[i], umapLearnRho[i], accuracy: 1e-6, "ρ of \(i)")
            XCTAssertEqual(sigma[i], umapLearnSigma[i], accuracy: 1e-4 * umapLearnSigma[i], "σ of \(i)")
        }
        let graph = FuzzySimplicialSet.graph(lists)
        for i in 0..<8 {
            for j in 0..<8 { XCTAssertEqual(graph.weight(i, j), umapLearnGraph[i][j], accuracy: 2e-5, "w(\(i), \(j))") }
        }
    }

    /// The weights written out from the definitions on brute-force distances: ρ, the bisection's
    /// target Σ exp(−(d − ρ)/σ) = log2(k), and the fuzzy union p + q − pq.
    func testFuzzySetWeightsAgainstADirectComputation() throws {
        var generator = SeededGenerator(seed: 3)
        let n = 40, d = 3, k = 6
        let values = (0..<(n * d)).map { _ in generator.nextNormal() }
        let lists = try NearestNeighbours.search(Tensor(shape: [n, d], storage: values), neighbours: k - 1)
        let graph = FuzzySimplicialSet.graph(lists)
        var directed = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for i in 0..<n {
            var distances: [(Double, Int)] = []
            for j in 0..<n where j != i {
                var squared = 0.0
                for c in 0..<d { squared += pow(Double(values[i * d + c] - values[j * d + c]), 2) }
                distances.append((squared.squareRoot(), j))
            }
            distances.sort { $0.0 < $1.0 }
            let nearest = distances.prefix(k - 1)
            let rho = nearest.first!.0
            let (rhos, sigmas) = FuzzySimplicialSet.smoothDistances(lists)
            XCTAssertEqual(Double(rhos[i]), rho, accuracy: 1e-5)
            let sigma = Double(sigmas[i])
            let total = nearest.reduce(0.0) { $0 + exp(-max(0, $1.0 - rho) / sigma) }
            XCTAssertEqual(total, log2(Double(k)), accuracy: 1e-3, "the bisection's target for point \(i)")
            for (distance, j) in nearest { directed[i][j] = exp(-max(0, distance - rho) / sigma) }
        }
        var edges = 0
        for i in 0..<n {
            for j in 0..<n {
                let p = directed[i][j], q = directed[j][i]
                let expected = p + q - p * q
                XCTAssertEqual(Double(graph.weight(i, j)), expected, accuracy: 1e-4, "w(\(i), \(j))")
                if expected > 0 { edges += 1 }
            }
        }
        XCTAssertEqual(graph.entryCount, edges)
        for row in 0..<n {
            let columns = graph.columns[graph.rowStarts[row]..<graph.rowStarts[row + 1]]
            XCTAssertEqual(Array(columns), columns.sorted(), "row \(row) is sorted")
        }
    }

    /// umap-learn 0.5.12: `umap.umap_.find_ab_params(1.0, min_dist)`.
    func testCurveFitMatchesUmapLearn() {
        let references: [(Double, Double, Double)] = [
            (0.0, 1.9328083980052901, 0.7904949736958765),
            (0.1, 1.57694346046584, 0.8950608779639974),
            (0.5, 0.5830300203968329, 1.3341669926352966),
        ]
        for (minimumDistance, a, b) in references {
            let curve = UMAPCurve.fit(minimumDistance: minimumDistance)
            XCTAssertEqual(curve.a, a, accuracy: 1e-3 * a, "a for min_dist \(minimumDistance)")
            XCTAssertEqual(curve.b, b, accuracy: 1e-3 * b, "b for min_dist \(minimumDistance)")
        }
    }

    /// The SGD's moves are minus the gradients of the fuzzy cross-entropy's terms: −log φ(d) for
    /// an edge and −γ·log(1 − φ(d)) for a negative sample, φ(d) = 1 / (1 + a·d^(2b)).
    func testLayoutGradientsMatchFiniteDifferences() {
        let curve = UMAPCurve.fit(minimumDistance: 0.1)
        let gradient = UMAPGradient(curve: curve, repulsion: 1)
        let a = curve.a, b = curve.b
        func phi(_ x: [Double], _ y: [Double]) -> Double {
            let squared = zip(x, y).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
            return 1 / (1 + a * pow(squared, b))
        }
        let other: [Double] = [0.3, -0.2, 0.5]
        for point in [[1.1, 0.4, -0.3], [2.5, 1.0, 1.5], [0.5, 0.1, 0.2]] {
            let squared = Float(zip(point, other).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) })
            let attraction = Double(gradient.attraction(squaredDistance: squared))
            let repulsion = Double(gradient.repulsion(squaredDistance: squared))
            for c in 0..<3 {
                var plus = point, minus = point
                let h = 1e-6
                plus[c] += h; minus[c] -= h
                let edge = (-log(phi(plus, other)) + log(phi(minus, other))) / (2 * h)
                let negative = (-log(1 - phi(plus, other)) + log(1 - phi(minus, other))) / (2 * h)
                let difference = point[c] - other[c]
                XCTAssertEqual(attraction * difference, -edge, accuracy: 1e-4 * max(1, abs(edge)), "attraction, coordinate \(c)")
                // The step divides by 0.001 + d² instead of d² (umap-learn's guard): relative error ≤ 0.001 / d².
                XCTAssertEqual(repulsion * difference, -negative, accuracy: 2e-3 / Double(squared) * abs(negative) + 1e-6,
                               "repulsion, coordinate \(c)")
            }
        }
    }

    func testSameSeedAndThreadsGiveTheSameLayoutAndSeparateBlobs() throws {
        let (points, labels) = blobs(perBlob: 120, dimensions: 8, seed: 5)
        let settings = UMAPSettings(dimensions: 2, neighbours: 10, epochs: 120, seed: 7)
        let first = try UMAP.embed(points, settings: settings, threads: 2)
        let second = try UMAP.embed(points, settings: settings, threads: 2)
        XCTAssertEqual(first.embedding.storage, second.embedding.storage)
        XCTAssertEqual(first.initialisation, .pca, "three separate blobs make a disconnected graph")
        var other = settings
        other.seed = 8
        XCTAssertNotEqual(try UMAP.embed(points, settings: other, threads: 2).embedding.storage, first.embedding.storage)
        XCTAssertEqual(try UMAP.embed(points, settings: settings, threads: 1).embedding.storage,
                       try UMAP.embed(points, settings: settings, threads: 1).embedding.storage)
        let clusters = try KMeans(clusterCount: 3, restarts: 5).fit(first.embedding).assignments
        XCTAssertEqual(try ClusteringMetrics.evaluate(labels: labels, clusters: clusters).accuracy, 1, accuracy: 1e-12)
    }

    func testSpectralStartMatchesTheDenseEigenvectors() throws {
        // Two touching blobs: one connected graph with clear structure.
        var generator = SeededGenerator(seed: 11)
        let n = 150, d = 4
        var values = [Float](repeating: 0, count: n * d)
        for i in 0..<n { for c in 0..<d { values[i * d + c] = generator.nextNormal() + (c == 0 && i % 2 == 0 ? 2.5 : 0) } }
        let graph = FuzzySimplicialSet.graph(try NearestNeighbours.search(Tensor(shape: [n, d], storage: values), neighbours: 9))
        XCTAssertEqual(graph.components().count, 1)
        let eigenmap = try XCTUnwrap(SpectralInitialisation.laplacianEigenmap(graph, dimensions: 2, seed: 1))
        XCTAssertTrue(eigenmap.converged, "residual \(eigenmap.largestResidual) after \(eigenmap.steps) steps")
        let lanczos = eigenmap.vectors
        // Dense oracle: the largest eigenvectors of D^(−½) W D^(−½) are the smallest of the Laplacian.
        let matrix = Self.normalisedAdjacency(graph)
        let dense = try SymmetricEigen.largest(matrix, size: n, count: 3)
        XCTAssertEqual(dense.values[0], 1, accuracy: 1e-4, "the trivial eigenvalue")
        for column in 0..<2 {
            let expected = dense.vectors[column + 1]
            var dot: Float = 0
            for i in 0..<n { dot += expected[i] * lanczos[i * 2 + column] }
            XCTAssertEqual(abs(dot), 1, accuracy: 1e-3, "eigenvector \(column + 1)")
        }
    }

    /// D^(−½) W D^(−½) of `graph`, dense and row-major: the oracle of the spectral start.
    private static func normalisedAdjacency(_ graph: FuzzyGraph) -> [Float] {
        let n = graph.vertexCount
        var degree = [Double](repeating: 0, count: n)
        for i in 0..<n { for p in graph.rowStarts[i]..<graph.rowStarts[i + 1] { degree[i] += Double(graph.weights[p]) } }
        var matrix = [Float](repeating: 0, count: n * n)
        for i in 0..<n {
            for p in graph.rowStarts[i]..<graph.rowStarts[i + 1] {
                let j = Int(graph.columns[p])
                matrix[i * n + j] = Float(Double(graph.weights[p]) / (degree[i] * degree[j]).squareRoot())
            }
        }
        return matrix
    }

    func testSpectralStartConvergesOnAClusteredGraph() throws {
        // Eight touching blobs along a line: the 7 wanted eigenvalues sit close together near 0,
        // where stopping Lanczos early leaves the vectors mixed (a residual of 0.05 fails below).
        let n = 400, dimensions = 7
        let graph = try Self.blobsAlongALine(blobs: 8, perBlob: 50, seed: 5)
        XCTAssertEqual(graph.components().count, 1)
        let eigenmap = try XCTUnwrap(SpectralInitialisation.laplacianEigenmap(graph, dimensions: dimensions, seed: 3))
        XCTAssertTrue(eigenmap.converged, "residual \(eigenmap.largestResidual) after \(eigenmap.steps) steps")
        XCTAssertLessThan(eigenmap.steps, n - 1, "stops when converged, not at the limit")
        let matrix = Self.normalisedAdjacency(graph)
        let dense = try SymmetricEigen.largest(matrix, size: n, count: dimensions + 1)
        // Each dense eigenvector lies in the span of ours (which are orthonormal up to rounding).
        for column in 1...dimensions {
            XCTAssertEqual(Self.squaredProjection(of: dense.vectors[column], onto: eigenmap.vectors, columns: dimensions), 1,
                           accuracy: 1e-3, "dense eigenvector \(column)")
        }
    }

    func testSpectralStartOnSeveralWorkersIsDeterministicAndSpansTheSameVectors() throws {
        // Blocks of 50 vertices force the split passes on a small graph; 3 workers for 400 vertices.
        let n = 400, dimensions = 3
        let graph = try Self.blobsAlongALine(blobs: 4, perBlob: 100, seed: 9)
        func eigenmap(threads: Int) throws -> LaplacianEigenmap {
            try XCTUnwrap(SpectralInitialisation.laplacianEigenmap(graph, dimensions: dimensions, tolerance: 1e-5, maximumSteps: nil,
                                                                   seed: 3, threads: threads, verticesPerWorker: 50))
        }
        let split = try eigenmap(threads: 3), again = try eigenmap(threads: 3), single = try eigenmap(threads: 1)
        XCTAssertEqual(split.vectors, again.vectors, "same thread count, same bits")
        XCTAssertTrue(split.converged && single.converged)
        for column in 0..<dimensions {
            let vector = (0..<n).map { single.vectors[$0 * dimensions + column] }
            XCTAssertEqual(Self.squaredProjection(of: vector, onto: split.vectors, columns: dimensions), 1, accuracy: 1e-3,
                           "one worker's eigenvector \(column) in the span of three workers'")
        }
    }

    /// The fuzzy graph (9 neighbours) of `blobs` touching Gaussian blobs in 3-D, spaced 2 apart along x.
    private static func blobsAlongALine(blobs: Int, perBlob: Int, seed: UInt64) throws -> FuzzyGraph {
        var generator = SeededGenerator(seed: seed)
        let d = 3, n = blobs * perBlob
        var values = [Float](repeating: 0, count: n * d)
        for i in 0..<n { for c in 0..<d { values[i * d + c] = 0.5 * generator.nextNormal() + (c == 0 ? 2 * Float(i / perBlob) : 0) } }
        return FuzzySimplicialSet.graph(try NearestNeighbours.search(Tensor(shape: [n, d], storage: values), neighbours: 9))
    }

    /// ‖Pv‖² for the projection P onto the `columns` columns of the row-major `basis` (orthonormal up to rounding).
    private static func squaredProjection(of vector: [Float], onto basis: [Float], columns: Int) -> Float {
        var projected: Float = 0
        for column in 0..<columns {
            var dot: Float = 0
            for i in vector.indices { dot += vector[i] * basis[i * columns + column] }
            projected += dot * dot
        }
        return projected
    }

    func testGaussianMixtureWithFullCovariancesMatchesScikitLearn() throws {
        // scikit-learn 1.9.1: GaussianMixture(3, covariance_type="full", random_state=0) on these
        // float32 points (the same closed form in numpy): score −3.672459840774536, ARI 1 with the
        // generating cluster; the covariance of the cluster centred at x = −9 is below.
        var values = [Float](), truth = [Int]()
        let centres: [[Double]] = [[0, 0, 0], [18, 3, -6], [-9, 15, 12]]
        for i in 0..<240 {
            let c = i % 3, u = cos(Double(i) * 0.7), v = sin(Double(i) * 1.3), w = cos(Double(i) * 2.9 + 0.4)
            let scale = 1 + 0.5 * Double(c)
            let row = [u * 2 + v * 0.3, u * 1.6 + v * 0.5, w * 0.4 + u * 0.2]
            for j in 0..<3 { values.append(Float(row[j] * scale + centres[c][j])) }
            truth.append(c)
        }
        let points = Tensor(shape: [240, 3], storage: values)
        let full = try GaussianMixture(componentCount: 3, covariance: .full, seed: 0).fit(points)
        XCTAssertEqual(try ClusteringMetrics.adjustedRandIndex(full.assignments, truth), 1, accuracy: 1e-12)
        XCTAssertEqual(full.logLikelihood, -3.672459840774536, accuracy: 1e-3)
        XCTAssertTrue(full.converged)
        let covariances = try XCTUnwrap(full.covariances)
        XCTAssertEqual(covariances.shape, [3, 3, 3])
        let left = (0..<3).min { full.means.storage[$0 * 3] < full.means.storage[$1 * 3] }!
        let expected: [Float] = [8.26679515838623, 6.836172103881836, 0.7079089879989624,
                                 6.836172103881836, 5.780981063842773, 0.47427600622177124,
                                 0.7079089879989624, 0.47427600622177124, 0.4073370099067688]
        for index in 0..<9 { XCTAssertEqual(covariances.storage[left * 9 + index], expected[index], accuracy: 1e-3) }
        let diagonal = try GaussianMixture(componentCount: 3, seed: 0).fit(points)
        XCTAssertNil(diagonal.covariances)
        XCTAssertEqual(diagonal.logLikelihood, -5.844048976898193, accuracy: 1e-3)
        XCTAssertEqual(full.variances.storage[left * 3], expected[0], accuracy: 1e-3, "variances are the diagonals")
    }

    func testUMAPRefusesWhatItCannotLayOut() {
        assertThrows(try UMAP.embed(Tensor(shape: [2, 3]), settings: UMAPSettings()), containing: ["at least 3 points"])
        assertThrows(try UMAP.embed(Tensor(shape: [5, 2], storage: [0, 0, 1, 1, .nan, 2, 3, 3, 4, 4]), settings: UMAPSettings()),
                     containing: ["NaN"])
        assertThrows(try UMAP.embed(Tensor(shape: [5, 1], storage: [0, 1, 2, 3, 4]), settings: UMAPSettings(minimumDistance: 2)),
                     containing: ["min_dist"])
        // More neighbours than points: all points are neighbours.
        XCTAssertEqual(try UMAP.embed(Tensor(shape: [5, 1], storage: [0, 1, 2, 3, 4]), settings: UMAPSettings(epochs: 5))
            .embedding.shape, [5, 2])
    }

    /// `perBlob` points around each of three far-apart centres.
    private func blobs(perBlob: Int, dimensions: Int, seed: UInt64) -> (Tensor, [Int]) {
        var generator = SeededGenerator(seed: seed)
        var values = [Float](), labels = [Int]()
        for i in 0..<(3 * perBlob) {
            let blob = i % 3
            for c in 0..<dimensions { values.append(generator.nextNormal() + (c == blob ? 20 : 0)) }
            labels.append(blob)
        }
        return (Tensor(shape: [3 * perBlob, dimensions], storage: values), labels)
    }
}
