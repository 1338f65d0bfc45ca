// Layer: numeric core. May use CBLAS (through `gemm`) and Foundation's Dispatch only;
// knows nothing of R-DC, sessions or files.

/// A bad argument to a numeric routine (kNN, k-means): says which and why.
public struct NumericArgumentError: Error, CustomStringConvertible, Equatable {
    /// What was wrong, in words.
    public let description: String
    /// An error carrying `description`.
    public init(_ description: String) { self.description = description }
}

/// The M nearest neighbours of each query row, nearest first.
public struct NeighbourLists: Equatable, Sendable {
    /// Number of query rows.
    public let rowCount: Int
    /// Neighbours kept per row (M).
    public let neighboursPerRow: Int
    /// Reference-row indices, `[rowCount * neighboursPerRow]`, row-major, nearest first;
    /// equal distances are ordered by index.
    public let indices: [Int32]
    /// Plain (not squared) Euclidean distances matching `indices`, recomputed exactly (in Double,
    /// stored as Float) for the kept neighbours.
    public let distances: [Float]

    /// Lists from their parts; `indices` and `distances` must hold `rowCount * neighboursPerRow` values.
    public init(rowCount: Int, neighboursPerRow: Int, indices: [Int32], distances: [Float]) {
        precondition(indices.count == rowCount * neighboursPerRow && distances.count == indices.count,
                     "neighbour lists must hold rowCount × neighboursPerRow entries")
        self.rowCount = rowCount
        self.neighboursPerRow = neighboursPerRow
        self.indices = indices
        self.distances = distances
    }

    /// Indices of the neighbours of query row `row`, nearest first.
    public func neighbours(of row: Int) -> ArraySlice<Int32> {
        indices[row * neighboursPerRow ..< (row + 1) * neighboursPerRow]
    }

    /// Distances to the neighbours of query row `row`, nearest first.
    public func neighbourDistances(of row: Int) -> ArraySlice<Float> {
        distances[row * neighboursPerRow ..< (row + 1) * neighboursPerRow]
    }
}

/// Exact k-nearest-neighbour search by blocked GEMM (see `SquaredDistanceBlocks`): memory is
/// one block buffer plus the result, never an `n × n` matrix.
public enum NearestNeighbours {
    /// The `neighbours` nearest other rows of each row of `points` (`[n, ...]`, rows flattened),
    /// each row itself excluded (a duplicate row at distance 0 is still a neighbour).
    ///
    /// `workers` threads share the blocks; `maximumBlockValues` bounds the distance buffer of
    /// each (see `SquaredDistanceBlocks`).
    ///
    /// - Throws: `NumericArgumentError` unless `1 ≤ neighbours ≤ n − 1`.
    public static func search(
        _ points: Tensor, neighbours: Int, workers: Int = BLASThreads.processors,
        maximumBlockValues: Int = 1 << 22
    ) throws -> NeighbourLists {
        guard neighbours >= 1, neighbours <= points.batchSize - 1 else {
            throw NumericArgumentError(
                "kNN needs 1 ≤ M ≤ n − 1 neighbours; got M = \(neighbours) for n = \(points.batchSize) rows")
        }
        return select(queries: points, reference: points, neighbours: neighbours,
                      excludingSelf: true, workers: workers, maximumBlockValues: maximumBlockValues)
    }

    /// The `neighbours` nearest rows of `reference` to each row of `queries` (same values per
    /// row); nothing is excluded.
    ///
    /// - Throws: `NumericArgumentError` unless `1 ≤ neighbours ≤ reference rows` and the row
    ///   widths agree.
    public static func search(
        queries: Tensor, among reference: Tensor, neighbours: Int,
        workers: Int = BLASThreads.processors, maximumBlockValues: Int = 1 << 22
    ) throws -> NeighbourLists {
        guard queries.itemSize == reference.itemSize else {
            throw NumericArgumentError(
                "kNN query rows have \(queries.itemSize) values but reference rows have \(reference.itemSize)")
        }
        guard neighbours >= 1, neighbours <= reference.batchSize else {
            throw NumericArgumentError(
                "kNN needs 1 ≤ M ≤ \(reference.batchSize) reference rows; got M = \(neighbours)")
        }
        return select(queries: queries, reference: reference, neighbours: neighbours,
                      excludingSelf: false, workers: workers, maximumBlockValues: maximumBlockValues)
    }

    private static func select(
        queries: Tensor, reference: Tensor, neighbours m: Int, excludingSelf: Bool, workers: Int,
        maximumBlockValues: Int
    ) -> NeighbourLists {
        let rows = queries.batchSize, columns = reference.batchSize, width = queries.itemSize
        var indices = [Int32](repeating: 0, count: rows * m)
        var distances = [Float](repeating: 0, count: rows * m)
        let blocks = SquaredDistanceBlocks(queries: queries, reference: reference, maximumBlockValues: maximumBlockValues)
        indices.withUnsafeMutableBufferPointer { indexOut in
            distances.withUnsafeMutableBufferPointer { distanceOut in
                queries.storage.withUnsafeBufferPointer { q in
                    reference.storage.withUnsafeBufferPointer { r in
                        // Each block writes only its own rows of the outputs.
                        blocks.forEachBlock(workers: workers) { first, count, block in
                            for local in 0..<count {
                                let row = first + local
                                let keptIndex = indexOut.baseAddress! + row * m
                                let keptDistance = distanceOut.baseAddress! + row * m
                                selectSmallest(
                                    line: block.baseAddress! + local * columns, columns: columns,
                                    skipping: excludingSelf ? row : -1, m: m,
                                    keptIndex: keptIndex, keptDistance: keptDistance)
                                // Replace the GEMM estimates by exact distances and re-sort.
                                for slot in 0..<m {
                                    keptDistance[slot] = Float(exactSquaredDistance(
                                        q.baseAddress! + row * width,
                                        r.baseAddress! + Int(keptIndex[slot]) * width, count: width
                                    ).squareRoot())
                                }
                                sortPairs(keptDistance, keptIndex, m)
                            }
                        }
                    }
                }
            }
        }
        return NeighbourLists(rowCount: rows, neighboursPerRow: m, indices: indices, distances: distances)
    }

    /// Keeps the `m` smallest values of `line` (ties: lower index first) in ascending order,
    /// by insertion into a sorted run: after warm-up almost every value is rejected by one
    /// comparison with the current worst.
    @inline(__always)
    private static func selectSmallest(
        line: UnsafePointer<Float>, columns: Int, skipping: Int, m: Int,
        keptIndex: UnsafeMutablePointer<Int32>, keptDistance: UnsafeMutablePointer<Float>
    ) {
        var filled = 0
        var worst = Float.infinity
        for column in 0..<columns where column != skipping {
            let value = line[column]
            if filled == m && !(value < worst) { continue }
            var slot = filled == m ? m - 1 : filled
            if filled < m { filled += 1 }
            while slot > 0 && keptDistance[slot - 1] > value {
                keptDistance[slot] = keptDistance[slot - 1]
                keptIndex[slot] = keptIndex[slot - 1]
                slot -= 1
            }
            keptDistance[slot] = value
            keptIndex[slot] = Int32(column)
            if filled == m { worst = keptDistance[m - 1] }
        }
    }

    /// Insertion sort of `m` (distance, index) pairs by distance, then index.
    @inline(__always)
    private static func sortPairs(
        _ distance: UnsafeMutablePointer<Float>, _ index: UnsafeMutablePointer<Int32>, _ m: Int
    ) {
        guard m > 1 else { return }
        for i in 1..<m {
            let d = distance[i], x = index[i]
            var j = i
            while j > 0 && (distance[j - 1] > d || (distance[j - 1] == d && index[j - 1] > x)) {
                distance[j] = distance[j - 1]
                index[j] = index[j - 1]
                j -= 1
            }
            distance[j] = d
            index[j] = x
        }
    }
}
