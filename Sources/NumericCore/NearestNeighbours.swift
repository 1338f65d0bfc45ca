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

/// Exact k-nearest-neighbour search by tiled GEMM (‖a − b‖² = ‖a‖² + ‖b‖² − 2a·b, one GEMM
/// per tile into a reused 1 MB buffer per worker): memory is the tiles plus the result, never
/// an `n × n` matrix. Kept neighbours' distances are recomputed exactly.
public enum NearestNeighbours {
    /// The `neighbours` nearest other rows of each row of `points` (`[n, ...]`, rows flattened),
    /// each row itself excluded (a duplicate row at distance 0 is still a neighbour).
    ///
    /// `workers` threads share the row blocks; `maximumBlockValues` caps each worker's tile
    /// (mainly for tests of tile boundaries).
    ///
    /// - Throws: `NumericArgumentError` unless `1 ≤ neighbours ≤ n − 1`.
    public static func search(
        _ points: Tensor, neighbours: Int, workers: Int = ComputeThreads.count,
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
        workers: Int = ComputeThreads.count, maximumBlockValues: Int = 1 << 22
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

    /// Tiles of `tileRows` query rows × `tileColumns` reference rows (1 MB of Float, so a
    /// tile stays in cache between the GEMM that writes it and the scan that reads it).
    private static let tileRows = 128, tileColumns = 2048

    private static func select(
        queries: Tensor, reference: Tensor, neighbours m: Int, excludingSelf: Bool, workers: Int,
        maximumBlockValues: Int
    ) -> NeighbourLists {
        let rows = queries.batchSize, columns = reference.batchSize, width = queries.itemSize
        let blockRows = max(1, min(tileRows, maximumBlockValues / min(columns, tileColumns)))
        let blockColumns = max(1, min(columns, tileColumns, maximumBlockValues / blockRows))
        let referenceNorms = rowSquaredNorms(reference)
        var indices = [Int32](repeating: 0, count: rows * m)
        var distances = [Float](repeating: 0, count: rows * m)
        let blocks = (rows + blockRows - 1) / blockRows
        let threads = max(1, min(workers, blocks))
        indices.withUnsafeMutableBufferPointer { indexOut in
            distances.withUnsafeMutableBufferPointer { distanceOut in
                queries.storage.withUnsafeBufferPointer { q in
                    reference.storage.withUnsafeBufferPointer { r in
                        referenceNorms.withUnsafeBufferPointer { norms in
                            // Each worker owns whole row blocks, so writes never overlap.
                            runWorkers(threads) { worker in
                                let tile = UnsafeMutablePointer<Float>.allocate(capacity: blockRows * blockColumns)
                                defer { tile.deallocate() }
                                var filled = [Int](repeating: 0, count: blockRows)
                                for block in stride(from: worker, to: blocks, by: threads) {
                                    let first = block * blockRows, count = min(blockRows, rows - first)
                                    for local in 0..<count { filled[local] = 0 }
                                    for firstColumn in stride(from: 0, to: columns, by: blockColumns) {
                                        let tileWidth = min(blockColumns, columns - firstColumn)
                                        // tile = ‖b‖² − 2a·b: the query's own ‖a‖² does not change its ranking.
                                        for local in 0..<count {
                                            (tile + local * tileWidth).update(from: norms.baseAddress! + firstColumn, count: tileWidth)
                                        }
                                        gemm(transposeB: true, m: count, n: tileWidth, k: width, alpha: -2,
                                             a: q.baseAddress! + first * width, b: r.baseAddress! + firstColumn * width,
                                             beta: 1, c: tile)
                                        for local in 0..<count {
                                            let row = first + local
                                            scanTile(tile + local * tileWidth, count: tileWidth, firstColumn: firstColumn,
                                                     skipping: excludingSelf ? row : -1, m: m, filled: &filled[local],
                                                     keptIndex: indexOut.baseAddress! + row * m,
                                                     keptDistance: distanceOut.baseAddress! + row * m)
                                        }
                                    }
                                    // Replace the ranking keys by exact distances and re-sort.
                                    for row in first..<(first + count) {
                                        let keptIndex = indexOut.baseAddress! + row * m
                                        let keptDistance = distanceOut.baseAddress! + row * m
                                        for slot in 0..<m {
                                            keptDistance[slot] = Float(exactSquaredDistance(
                                                q.baseAddress! + row * width, r.baseAddress! + Int(keptIndex[slot]) * width,
                                                count: width).squareRoot())
                                        }
                                        sortPairs(keptDistance, keptIndex, m)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return NeighbourLists(rowCount: rows, neighboursPerRow: m, indices: indices, distances: distances)
    }

    /// Offers one tile row of ranking keys to a row's kept list (the `m` smallest so far,
    /// ascending, `filled` of them valid; ties keep the lower index), 128 keys at a time: a chunk
    /// with no key below the current worst is rejected without a branch per key.
    @inline(__always)
    private static func scanTile(
        _ line: UnsafePointer<Float>, count: Int, firstColumn: Int, skipping: Int, m: Int, filled: inout Int,
        keptIndex: UnsafeMutablePointer<Int32>, keptDistance: UnsafeMutablePointer<Float>
    ) {
        @inline(__always) func offer(_ column: Int) {
            let global = firstColumn + column
            if global == skipping { return }
            let value = line[column]
            if filled == m && !(value < keptDistance[m - 1]) { return }
            var slot = filled == m ? m - 1 : filled
            if filled < m { filled += 1 }
            while slot > 0 && keptDistance[slot - 1] > value {
                keptDistance[slot] = keptDistance[slot - 1]
                keptIndex[slot] = keptIndex[slot - 1]
                slot -= 1
            }
            keptDistance[slot] = value
            keptIndex[slot] = Int32(global)
        }
        var column = 0
        while column < count {
            let end = min(column + 128, count)
            let worst = filled == m ? keptDistance[m - 1] : .infinity
            // A branch-free count (which vectorises) decides whether the chunk needs a closer look.
            var below: Int32 = 0
            var key = line + column
            let stop = line + end
            while key < stop {
                below &+= key.pointee < worst ? 1 : 0
                key += 1
            }
            if below > 0 { for index in column..<end { offer(index) } }
            column = end
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
