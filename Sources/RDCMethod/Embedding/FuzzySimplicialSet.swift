// Layer: method (R-DC), embedding. May use NumericCore only; never the session, sockets or pictures.
// UMAP's fuzzy simplicial set (McInnes, Healy, Melville 2018, §3.1 and umap-learn's
// `fuzzy_simplicial_set`): per-point ρ and σ on exact kNN lists, then the fuzzy union.

import Foundation
import NumericCore

/// A symmetric weighted graph in compressed rows: the neighbours of vertex `i` are
/// `columns[rowStarts[i] ..< rowStarts[i + 1]]`, in increasing index, with `weights` in (0, 1].
public struct FuzzyGraph: Equatable, Sendable {
    /// Number of vertices (points).
    public let vertexCount: Int
    /// `vertexCount + 1` offsets into `columns` and `weights`.
    public let rowStarts: [Int]
    /// Neighbour indices, row by row, increasing within a row.
    public let columns: [Int32]
    /// Membership strengths matching `columns`.
    public let weights: [Float]

    /// A graph from its compressed rows (the caller keeps them consistent).
    public init(vertexCount: Int, rowStarts: [Int], columns: [Int32], weights: [Float]) {
        precondition(rowStarts.count == vertexCount + 1 && columns.count == weights.count && rowStarts.last == columns.count,
                     "compressed rows must cover every vertex and entry")
        self.vertexCount = vertexCount
        self.rowStarts = rowStarts
        self.columns = columns
        self.weights = weights
    }

    /// Number of stored (directed) entries; each undirected edge counts twice.
    public var entryCount: Int { columns.count }

    /// The weight of edge (i, j), or 0 when there is none.
    public func weight(_ i: Int, _ j: Int) -> Float {
        for position in rowStarts[i]..<rowStarts[i + 1] where columns[position] == Int32(j) { return weights[position] }
        return 0
    }

    /// Connected components: the component index (0, 1, … in order of first vertex) of each
    /// vertex, and how many there are.
    public func components() -> (labels: [Int], count: Int) {
        var labels = [Int](repeating: -1, count: vertexCount)
        var count = 0
        var stack: [Int] = []
        for start in 0..<vertexCount where labels[start] < 0 {
            labels[start] = count
            stack.append(start)
            while let vertex = stack.popLast() {
                for position in rowStarts[vertex]..<rowStarts[vertex + 1] {
                    let next = Int(columns[position])
                    if labels[next] < 0 { labels[next] = count; stack.append(next) }
                }
            }
            count += 1
        }
        return (labels, count)
    }
}

/// The fuzzy simplicial set of UMAP built from exact nearest-neighbour lists.
///
/// UMAP's `n_neighbors = k` counts the point itself; our lists exclude it, so a graph with
/// "k neighbours" is built from lists of k − 1 other points, with the binary search aiming at
/// log2(k) as umap-learn does.
public enum FuzzySimplicialSet {
    /// The per-point distance offset ρ (distance to the nearest other point at a positive
    /// distance) and scale σ, found by bisection so that Σⱼ exp(−max(0, dᵢⱼ − ρᵢ)/σᵢ) = log2(k)
    /// with k = neighbours per row + 1 (umap-learn's `smooth_knn_dist`, local connectivity 1,
    /// 64 bisection steps, tolerance 1e-5, σ at least 1e-3 × the mean neighbour distance).
    public static func smoothDistances(_ lists: NeighbourLists) -> (rho: [Float], sigma: [Float]) {
        let n = lists.rowCount, m = lists.neighboursPerRow
        let target = log2(Double(m + 1))
        var rho = [Float](repeating: 0, count: n), sigma = [Float](repeating: 0, count: n)
        // The overall mean over the lists with the point itself (distance 0) as its first neighbour.
        var total = 0.0
        for value in lists.distances { total += Double(value) }
        let meanDistance = total / Double(n * (m + 1))
        lists.distances.withUnsafeBufferPointer { all in
            for row in 0..<n {
                let distances = all.baseAddress! + row * m
                var offset = 0.0, rowSum = 0.0
                for slot in 0..<m {
                    rowSum += Double(distances[slot])
                    if offset == 0, distances[slot] > 0 { offset = Double(distances[slot]) }
                }
                var low = 0.0, high = Double.infinity, middle = 1.0
                for _ in 0..<64 {
                    var sum = 0.0
                    for slot in 0..<m {
                        let excess = Double(distances[slot]) - offset
                        sum += excess > 0 ? exp(-excess / middle) : 1
                    }
                    if abs(sum - target) < 1e-5 { break }
                    if sum > target {
                        high = middle
                        middle = (low + high) / 2
                    } else {
                        low = middle
                        middle = high == .infinity ? middle * 2 : (low + high) / 2
                    }
                }
                let floor = 1e-3 * (offset > 0 ? rowSum / Double(m + 1) : meanDistance)
                rho[row] = Float(offset)
                sigma[row] = Float(max(middle, floor))
            }
        }
        return (rho, sigma)
    }

    /// Directed membership strengths exp(−(dᵢⱼ − ρᵢ)/σᵢ) (1 where dᵢⱼ ≤ ρᵢ), one per list
    /// entry, row-major like the lists.
    public static func memberships(_ lists: NeighbourLists, rho: [Float], sigma: [Float]) -> [Float] {
        let n = lists.rowCount, m = lists.neighboursPerRow
        var strengths = [Float](repeating: 0, count: n * m)
        for row in 0..<n {
            for slot in 0..<m {
                let excess = lists.distances[row * m + slot] - rho[row]
                strengths[row * m + slot] = excess <= 0 || sigma[row] == 0 ? 1 : Float(exp(-Double(excess) / Double(sigma[row])))
            }
        }
        return strengths
    }

    /// The symmetric fuzzy graph: the directed strengths P combined by the fuzzy union
    /// P + Pᵀ − P∘Pᵀ, entries of weight 0 dropped.
    public static func graph(_ lists: NeighbourLists) -> FuzzyGraph {
        let (rho, sigma) = smoothDistances(lists)
        return union(lists, strengths: memberships(lists, rho: rho, sigma: sigma))
    }

    /// The fuzzy union of directed strengths given per list entry.
    public static func union(_ lists: NeighbourLists, strengths: [Float]) -> FuzzyGraph {
        let n = lists.rowCount, m = lists.neighboursPerRow
        // Transpose by counting: row j of Pᵀ holds (i, p) for every i that lists j.
        var transposedStarts = [Int](repeating: 0, count: n + 1)
        for index in lists.indices { transposedStarts[Int(index) + 1] += 1 }
        for row in 0..<n { transposedStarts[row + 1] += transposedStarts[row] }
        var transposedColumns = [Int32](repeating: 0, count: n * m)
        var transposedValues = [Float](repeating: 0, count: n * m)
        var cursor = Array(transposedStarts.dropLast())
        for row in 0..<n {
            for slot in 0..<m {
                let column = Int(lists.indices[row * m + slot])
                transposedColumns[cursor[column]] = Int32(row)
                transposedValues[cursor[column]] = strengths[row * m + slot]
                cursor[column] += 1
            }
        }
        // Transposed rows are already increasing (filled in row order); sort each forward row and merge.
        var rowStarts = [Int](repeating: 0, count: n + 1)
        var columns: [Int32] = [], weights: [Float] = []
        columns.reserveCapacity(2 * n * m)
        weights.reserveCapacity(2 * n * m)
        var forward = [(Int32, Float)](repeating: (0, 0), count: m)
        for row in 0..<n {
            for slot in 0..<m { forward[slot] = (lists.indices[row * m + slot], strengths[row * m + slot]) }
            forward.sort { $0.0 < $1.0 }
            var a = 0, b = transposedStarts[row]
            let bEnd = transposedStarts[row + 1]
            func append(_ column: Int32, _ weight: Float) {
                if weight > 0 && column != Int32(row) { columns.append(column); weights.append(weight) }
            }
            while a < m || b < bEnd {
                if b == bEnd || (a < m && forward[a].0 < transposedColumns[b]) {
                    append(forward[a].0, forward[a].1); a += 1
                } else if a == m || transposedColumns[b] < forward[a].0 {
                    append(transposedColumns[b], transposedValues[b]); b += 1
                } else {
                    let p = forward[a].1, q = transposedValues[b]
                    append(forward[a].0, p + q - p * q); a += 1; b += 1
                }
            }
            rowStarts[row + 1] = columns.count
        }
        return FuzzyGraph(vertexCount: n, rowStarts: rowStarts, columns: columns, weights: weights)
    }
}
