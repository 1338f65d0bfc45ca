import XCTest
import NumericCore

final class NearestNeighboursTests: XCTestCase {
    private func randomPoints(_ n: Int, _ d: Int, seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return Tensor(shape: [n, d], storage: (0..<(n * d)).map { _ in generator.nextNormal() })
    }

    private func bruteForceSquared(_ a: Tensor, _ i: Int, _ b: Tensor, _ j: Int) -> Double {
        let d = a.itemSize
        return (0..<d).reduce(0.0) { sum, k in
            let diff = Double(a.storage[i * d + k]) - Double(b.storage[j * d + k]); return sum + diff * diff
        }
    }

    /// Every reported neighbour is at its reported distance, lists are sorted, and the M-th
    /// distance equals the brute-force M-th smallest: the kept set is a true M-NN set.
    private func assertMatchesBruteForce(_ lists: NeighbourLists, queries: Tensor, reference: Tensor, excludingSelf: Bool,
                                         file: StaticString = #filePath, line: UInt = #line) {
        let m = lists.neighboursPerRow
        for row in 0..<queries.batchSize {
            var all = (0..<reference.batchSize).filter { !excludingSelf || $0 != row }
                .map { bruteForceSquared(queries, row, reference, $0).squareRoot() }
            all.sort()
            let found = Array(lists.neighbours(of: row)), distances = Array(lists.neighbourDistances(of: row))
            XCTAssertEqual(Set(found).count, m, "duplicate neighbour", file: file, line: line)
            if excludingSelf { XCTAssertFalse(found.contains(Int32(row)), "self in list", file: file, line: line) }
            for slot in 0..<m {
                XCTAssertEqual(Double(distances[slot]), bruteForceSquared(queries, row, reference, Int(found[slot])).squareRoot(),
                               accuracy: 1e-5, file: file, line: line)
                XCTAssertEqual(Double(distances[slot]), all[slot], accuracy: 1e-4, "row \(row) slot \(slot)", file: file, line: line)
                if slot > 0 { XCTAssertLessThanOrEqual(distances[slot - 1], distances[slot], file: file, line: line) }
            }
        }
    }

    func testSelfSearchMatchesBruteForceAcrossBlockBoundaries() throws {
        var points = randomPoints(203, 7, seed: 1)
        // Duplicates: rows 10..14 copy row 3, so their nearest neighbours are at distance 0.
        for copy in 10..<15 { for k in 0..<7 { points.storage[copy * 7 + k] = points.storage[3 * 7 + k] } }
        // Square tiles of 31 (7 blocks, the last of 17) and of 10 points (21 blocks, the last
        // of 3: partial 128-wide scans at every tile's end); off-diagonal tiles are offered both
        // ways, and 3 workers take the tiles interleaved.
        for (workers, tileValues) in [(1, 5 * 203), (2, 5 * 203), (1, 100), (2, 100), (3, 100)] {
            let lists = try NearestNeighbours.search(points, neighbours: 6, workers: workers, maximumBlockValues: tileValues)
            assertMatchesBruteForce(lists, queries: points, reference: points, excludingSelf: true)
            XCTAssertEqual(Set(lists.neighbours(of: 3).prefix(5)), Set((10..<15).map(Int32.init)))
            XCTAssertEqual(lists.neighbourDistances(of: 3).first, 0)
        }
        let oneBlock = try NearestNeighbours.search(points, neighbours: 6, workers: 1)
        let manyBlocks = try NearestNeighbours.search(points, neighbours: 6, workers: 2, maximumBlockValues: 100)
        XCTAssertEqual(oneBlock, manyBlocks, "blocking and threading must not change the result")
    }

    func testQueryAmongReference() throws {
        let reference = randomPoints(90, 4, seed: 2), queries = randomPoints(17, 4, seed: 3)
        let lists = try NearestNeighbours.search(queries: queries, among: reference, neighbours: 9, maximumBlockValues: 4 * 90)
        assertMatchesBruteForce(lists, queries: queries, reference: reference, excludingSelf: false)
    }

    func testRejectsImpossibleNeighbourCounts() {
        let points = randomPoints(5, 2, seed: 4)
        XCTAssertThrowsError(try NearestNeighbours.search(points, neighbours: 5)) { error in
            XCTAssertTrue("\(error)".contains("M = 5 for n = 5"), "\(error)")
        }
        XCTAssertThrowsError(try NearestNeighbours.search(points, neighbours: 0))
        XCTAssertThrowsError(try NearestNeighbours.search(queries: points, among: randomPoints(5, 3, seed: 5), neighbours: 1))
    }
}

final class KMeansTests: XCTestCase {
    private func blobs(seed: UInt64) -> (Tensor, [Int]) {
        var generator = SeededGenerator(seed: seed)
        let centres: [[Float]] = [[0, 0], [8, 0], [0, 8], [8, 8]]
        var values = [Float](), labels = [Int]()
        for i in 0..<200 {
            let c = i % 4
            labels.append(c)
            values += [centres[c][0] + generator.nextNormal() * 0.5, centres[c][1] + generator.nextNormal() * 0.5]
        }
        return (Tensor(shape: [200, 2], storage: values), labels)
    }

    func testRecoversSeparatedBlobsDeterministically() throws {
        let (points, labels) = blobs(seed: 7)
        let first = try KMeans(clusterCount: 4, restarts: 3, seed: 11).fit(points)
        let second = try KMeans(clusterCount: 4, restarts: 3, seed: 11).fit(points)
        XCTAssertEqual(first, second)
        // Each true blob is exactly one cluster.
        for c in 0..<4 {
            XCTAssertEqual(Set(labels.indices.filter { labels[$0] == c }.map { first.assignments[$0] }).count, 1)
        }
        XCTAssertEqual(Set(first.assignments).count, 4)
        XCTAssertEqual(first.centroids.shape, [4, 2])
        XCTAssertLessThan(first.inertia, 200 * 2 * 0.5 * 1.5)
        XCTAssertGreaterThanOrEqual(first.iterations, 1)
        // Inertia is the sum of squared distances to the reported centres.
        var expected = 0.0
        for (i, c) in first.assignments.enumerated() {
            for k in 0..<2 { let diff = Double(points.storage[i * 2 + k] - first.centroids.storage[c * 2 + k]); expected += diff * diff }
        }
        XCTAssertEqual(first.inertia, expected, accuracy: 1e-6 * expected)
        XCTAssertEqual(KMeans.assign(points, to: first.centroids).assignments, first.assignments)
    }

    func testDuplicatePointsStillFillEveryCluster() throws {
        // Six copies of one point and two of another: k-means++ must pick duplicates for k = 4,
        // and the empty clusters are re-seeded from points of larger clusters.
        let points = Tensor(shape: [8, 1], storage: [1, 1, 1, 1, 1, 1, 5, 5])
        let result = try KMeans(clusterCount: 4, restarts: 2, seed: 3).fit(points)
        XCTAssertEqual(Set(result.assignments), [0, 1, 2, 3])
        XCTAssertEqual(result.inertia, 0, accuracy: 1e-9)
    }

    func testClearErrors() {
        let points = Tensor(shape: [3, 2], repeating: 1)
        XCTAssertThrowsError(try KMeans(clusterCount: 4).fit(points)) { error in
            XCTAssertEqual("\(error)", "k-means cannot make k = 4 clusters from only 3 points")
        }
        XCTAssertThrowsError(try KMeans(clusterCount: 0).fit(points))
        XCTAssertThrowsError(try KMeans(clusterCount: 2, restarts: 0).fit(points))
        XCTAssertThrowsError(try KMeans(clusterCount: 2).fit(Tensor(shape: [3, 1], storage: [0, .nan, 1])))
    }
}
