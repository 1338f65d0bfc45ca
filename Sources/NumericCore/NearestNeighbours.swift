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
    /// `workers` threads share the tiles; `maximumBlockValues` caps each worker's tile
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
        return selectAmongThemselves(points, neighbours: neighbours, workers: workers,
                                     maximumBlockValues: maximumBlockValues)
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
                      workers: workers, maximumBlockValues: maximumBlockValues)
    }

    /// Tiles of `tileRows` query rows × `tileColumns` reference rows (1 MB of Float, so a
    /// tile stays in cache between the GEMM that writes it and the scan that reads it).
    private static let tileRows = 128, tileColumns = 2048

    /// The search among another set: each worker owns whole row blocks of the queries (so the
    /// one candidate list is written without overlap) and scans every reference tile for them.
    private static func select(
        queries: Tensor, reference: Tensor, neighbours m: Int, workers: Int,
        maximumBlockValues: Int
    ) -> NeighbourLists {
        let rows = queries.batchSize, columns = reference.batchSize, width = queries.itemSize
        let blockRows = max(1, min(tileRows, maximumBlockValues / min(columns, tileColumns)))
        let blockColumns = max(1, min(columns, tileColumns, maximumBlockValues / blockRows))
        let referenceNorms = rowSquaredNorms(reference)
        let blocks = (rows + blockRows - 1) / blockRows
        let threads = max(1, min(workers, blocks))
        let candidates = CandidateLists(rows: rows, m: m)
        defer { candidates.deallocate() }
        queries.storage.withUnsafeBufferPointer { q in
            reference.storage.withUnsafeBufferPointer { r in
                referenceNorms.withUnsafeBufferPointer { norms in
                    runWorkers(threads) { worker in
                        let tile = UnsafeMutablePointer<Float>.allocate(capacity: blockRows * blockColumns)
                        defer { tile.deallocate() }
                        for block in stride(from: worker, to: blocks, by: threads) {
                            let first = block * blockRows, count = min(blockRows, rows - first)
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
                                    candidates.offerRow(first + local, keys: tile + local * tileWidth, count: tileWidth,
                                                        firstColumn: firstColumn, skipping: -1)
                                }
                            }
                        }
                    }
                }
            }
        }
        return merged([candidates], queries: queries, reference: reference, m: m, workers: threads)
    }

    /// The self-search: the distance matrix is symmetric, so only the tiles on and above the
    /// diagonal are computed (half the GEMM work, which dominates in high dimensions), and each
    /// off-diagonal tile is offered both ways: its rows to the row block's queries and, through
    /// the transposed pairs, to the column block's. Workers take tiles in a fixed interleaved
    /// order into private candidate lists, merged by (key, index) at the end, so the result
    /// depends on the thread count only through ties in the Float keys.
    private static func selectAmongThemselves(
        _ points: Tensor, neighbours m: Int, workers: Int, maximumBlockValues: Int
    ) -> NeighbourLists {
        let n = points.batchSize, width = points.itemSize
        let side = max(1, min(n, 512, Int(Double(maximumBlockValues).squareRoot())))
        let blocks = (n + side - 1) / side
        let pairs = blocks * (blocks + 1) / 2
        let threads = max(1, min(workers, pairs))
        let norms = rowSquaredNorms(points)
        let lists = (0..<threads).map { _ in CandidateLists(rows: n, m: m) }
        defer { lists.forEach { $0.deallocate() } }
        points.storage.withUnsafeBufferPointer { p in
            norms.withUnsafeBufferPointer { norm in
                runWorkers(threads) { worker in
                    let candidates = lists[worker]
                    let tile = UnsafeMutablePointer<Float>.allocate(capacity: side * side)
                    defer { tile.deallocate() }
                    var pair = 0
                    for rowBlock in 0..<blocks {
                        for columnBlock in rowBlock..<blocks {
                            defer { pair += 1 }
                            guard pair % threads == worker else { continue }
                            let firstRow = rowBlock * side, rows = min(side, n - firstRow)
                            let firstColumn = columnBlock * side, columns = min(side, n - firstColumn)
                            // tile[i][j] = ‖x_j‖² − 2 x_i·x_j: row i's key for candidate j.
                            for local in 0..<rows {
                                (tile + local * columns).update(from: norm.baseAddress! + firstColumn, count: columns)
                            }
                            gemm(transposeB: true, m: rows, n: columns, k: width, alpha: -2,
                                 a: p.baseAddress! + firstRow * width, b: p.baseAddress! + firstColumn * width,
                                 beta: 1, c: tile)
                            let diagonal = rowBlock == columnBlock
                            for local in 0..<rows {
                                let row = firstRow + local, line = tile + local * columns
                                candidates.offerRow(row, keys: line, count: columns, firstColumn: firstColumn,
                                                    skipping: diagonal ? row : -1)
                                // Column j's key for candidate i is ‖x_i‖² − 2 x_i·x_j = line[j] − ‖x_j‖² + ‖x_i‖².
                                if !diagonal {
                                    candidates.offerColumns(candidate: row, keys: line, count: columns,
                                                            firstColumn: firstColumn, shift: norm[row],
                                                            columnNorms: norm.baseAddress! + firstColumn)
                                }
                            }
                        }
                    }
                }
            }
        }
        return merged(lists, queries: points, reference: points, m: m, workers: threads)
    }

    /// The `m` best candidates of every query row over all the lists, by (key, index), with
    /// their exact distances to the reference rows, nearest first.
    private static func merged(_ lists: [CandidateLists], queries: Tensor, reference: Tensor, m: Int,
                               workers: Int) -> NeighbourLists {
        let n = queries.batchSize, width = queries.itemSize
        var indices = [Int32](repeating: 0, count: n * m)
        var distances = [Float](repeating: 0, count: n * m)
        indices.withUnsafeMutableBufferPointer { indexOut in
            distances.withUnsafeMutableBufferPointer { distanceOut in
                queries.storage.withUnsafeBufferPointer { q in
                    reference.storage.withUnsafeBufferPointer { r in
                        runWorkers(workers) { worker in
                            let result = CandidateLists(rows: 1, m: m)
                            defer { result.deallocate() }
                            for row in (n * worker / workers)..<(n * (worker + 1) / workers) {
                                result.clear(row: 0)
                                for list in lists {
                                    for slot in 0..<Int(list.filled[row]) {
                                        result.offer(row: 0, key: list.keys[row * m + slot], index: list.ids[row * m + slot])
                                    }
                                }
                                let keptIndex = indexOut.baseAddress! + row * m
                                let keptDistance = distanceOut.baseAddress! + row * m
                                for slot in 0..<m {
                                    keptIndex[slot] = result.ids[slot]
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
        return NeighbourLists(rowCount: n, neighboursPerRow: m, indices: indices, distances: distances)
    }

    /// Insertion sort of `m` (distance, index) pairs by distance, then index.
    @inline(__always)
    private static func sortPairs(
        _ distance: UnsafeMutablePointer<Float>, _ index: UnsafeMutablePointer<Int32>, _ m: Int
    ) {
        guard m > 1 else { return }
        for i in 1..<m { insertSorted(distance[i], index[i], keys: distance, ids: index, count: i + 1) }
    }
}

/// Puts (key, index) in place among the first `count` − 1 pairs (sorted by key, then index),
/// making `count` sorted pairs; whatever was at position `count` − 1 is overwritten.
@inline(__always)
private func insertSorted(_ key: Float, _ index: Int32, keys: UnsafeMutablePointer<Float>, ids: UnsafeMutablePointer<Int32>,
                          count: Int) {
    var slot = count - 1
    while slot > 0 && (keys[slot - 1] > key || (keys[slot - 1] == key && ids[slot - 1] > index)) {
        keys[slot] = keys[slot - 1]
        ids[slot] = ids[slot - 1]
        slot -= 1
    }
    keys[slot] = key
    ids[slot] = index
}

/// One worker's best `m` candidates of every row so far: ranking keys ascending (ties by
/// index), and each row's worst kept key (+∞ until the row holds `m`), kept apart so a tile's
/// keys can be compared with it in a vectorised pass.
private struct CandidateLists {
    let m: Int
    let keys: UnsafeMutablePointer<Float>
    let ids: UnsafeMutablePointer<Int32>
    let filled: UnsafeMutablePointer<Int32>
    let worst: UnsafeMutablePointer<Float>

    init(rows: Int, m: Int) {
        self.m = m
        keys = .allocate(capacity: rows * m)
        ids = .allocate(capacity: rows * m)
        filled = .allocate(capacity: rows)
        filled.initialize(repeating: 0, count: rows)
        worst = .allocate(capacity: rows)
        worst.initialize(repeating: .infinity, count: rows)
    }

    func deallocate() {
        keys.deallocate()
        ids.deallocate()
        filled.deallocate()
        worst.deallocate()
    }

    func clear(row: Int) {
        filled[row] = 0
        worst[row] = .infinity
    }

    /// Keeps (key, index) among `row`'s best `m` when it ranks there.
    @inline(__always)
    func offer(row: Int, key: Float, index: Int32) {
        let base = keys + row * m, names = ids + row * m
        var count = Int(filled[row])
        if count == m {
            guard key < base[m - 1] || (key == base[m - 1] && index < names[m - 1]) else { return }
        } else {
            count += 1
            filled[row] = Int32(count)
        }
        insertSorted(key, index, keys: base, ids: names, count: count)
        if count == m { worst[row] = base[m - 1] }
    }

    /// Offers `row` the candidates `firstColumn…` with their keys, 128 at a time: a chunk with
    /// no key at or below the row's worst is passed over without a branch per key.
    @inline(__always)
    func offerRow(_ row: Int, keys line: UnsafePointer<Float>, count: Int, firstColumn: Int, skipping: Int) {
        var column = 0
        while column < count {
            let end = min(column + 128, count)
            let limit = worst[row]
            // A branch-free count over pointers (which vectorises) decides whether the chunk needs a closer look.
            var below: Int32 = 0
            var key = line + column
            let stop = line + end
            while key < stop {
                below &+= key.pointee <= limit ? 1 : 0
                key += 1
            }
            if below > 0 {
                for index in column..<end where firstColumn + index != skipping {
                    offer(row: row, key: line[index], index: Int32(firstColumn + index))
                }
            }
            column = end
        }
    }

    /// Offers `candidate` to each row `firstColumn + j`, with key line[j] − columnNorms[j] + shift.
    @inline(__always)
    func offerColumns(candidate: Int, keys line: UnsafePointer<Float>, count: Int, firstColumn: Int, shift: Float,
                      columnNorms: UnsafePointer<Float>) {
        let limits = worst + firstColumn
        var column = 0
        while column < count {
            let end = min(column + 128, count)
            var below: Int32 = 0
            var key = line + column, norm = columnNorms + column, limit = limits + column
            let stop = line + end
            while key < stop {
                below &+= key.pointee - norm.pointee + shift <= limit.pointee ? 1 : 0
                key += 1
                norm += 1
                limit += 1
            }
            if below > 0 {
                for index in column..<end {
                    let key = line[index] - columnNorms[index] + shift
                    if key <= limits[index] { offer(row: firstColumn + index, key: key, index: Int32(candidate)) }
                }
            }
            column = end
        }
    }
}
