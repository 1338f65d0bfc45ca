// Layer: numeric core. May use CBLAS (through `gemm`) and Foundation's Dispatch only;
// knows nothing of R-DC, sessions or files.

import Foundation

/// Squared Euclidean norm of each row of a `[n, d]` (or `[n, ...]`) tensor.
public func rowSquaredNorms(_ points: Tensor) -> [Float] {
    let rows = points.batchSize, width = points.itemSize
    var norms = [Float](repeating: 0, count: rows)
    points.storage.withUnsafeBufferPointer { values in
        norms.withUnsafeMutableBufferPointer { out in
            for row in 0..<rows {
                var sum: Float = 0
                let base = values.baseAddress! + row * width
                for column in 0..<width { sum += base[column] * base[column] }
                out[row] = sum
            }
        }
    }
    return norms
}

/// Squared Euclidean distances between the rows of `queries` and the rows of `reference`,
/// produced one block of query rows at a time so that no `n × n` matrix ever exists.
///
/// Each block is one GEMM, `‖a − b‖² = ‖a‖² + ‖b‖² − 2a·b`, into a buffer reused for every
/// block; values are clamped at 0. The formula loses precision for near-identical rows in
/// Float32, so callers that need exact small distances should recompute the few they keep.
public struct SquaredDistanceBlocks {
    /// The query rows, flattened to `[queryCount, dimension]`.
    public let queries: Tensor
    /// The reference rows, flattened to `[referenceCount, dimension]`.
    public let reference: Tensor
    /// Query rows per block: chosen so one block holds at most `maximumBlockValues` values.
    public let blockRows: Int

    private let queryNorms: [Float]
    private let referenceNorms: [Float]

    /// Prepares blocked distances between `queries` and `reference`, which must have the same
    /// number of values per row. `maximumBlockValues` bounds each block buffer (default 4 Mi
    /// values, 16 MB).
    public init(queries: Tensor, reference: Tensor, maximumBlockValues: Int = 1 << 22) {
        precondition(queries.itemSize == reference.itemSize,
                     "query rows have \(queries.itemSize) values, reference rows \(reference.itemSize)")
        self.queries = queries.reshaped([queries.batchSize, queries.itemSize])
        self.reference = reference.reshaped([reference.batchSize, reference.itemSize])
        self.blockRows = max(1, min(max(queries.batchSize, 1), maximumBlockValues / max(reference.batchSize, 1)))
        self.queryNorms = rowSquaredNorms(queries)
        self.referenceNorms = rowSquaredNorms(reference)
    }

    /// Number of blocks `forEachBlock` visits.
    public var blockCount: Int { (queries.batchSize + blockRows - 1) / blockRows }

    /// Calls `body(firstRow, rowCount, distances)` for each block of query rows, where
    /// `distances[r * referenceCount + j]` is the squared distance from query `firstRow + r`
    /// to reference row `j`.
    ///
    /// With `workers > 1` blocks run on that many threads, each with its own buffer, and `body`
    /// must only write state that belongs to its own rows.
    public func forEachBlock(
        workers: Int = 1,
        _ body: (_ firstRow: Int, _ rowCount: Int, _ distances: UnsafeBufferPointer<Float>) -> Void
    ) {
        let blocks = blockCount
        guard blocks > 0, reference.batchSize > 0 else { return }
        let threads = max(1, min(workers, blocks))
        runWorkers(threads) { worker in
            var buffer = [Float](repeating: 0, count: blockRows * reference.batchSize)
            for block in stride(from: worker, to: blocks, by: threads) { run(block: block, buffer: &buffer, body) }
        }
    }

    private func run(
        block: Int, buffer: inout [Float],
        _ body: (Int, Int, UnsafeBufferPointer<Float>) -> Void
    ) {
        let first = block * blockRows
        let rows = min(blockRows, queries.batchSize - first)
        let columns = reference.batchSize, width = queries.itemSize
        buffer.withUnsafeMutableBufferPointer { out in
            queries.storage.withUnsafeBufferPointer { q in
                reference.storage.withUnsafeBufferPointer { r in
                    gemm(transposeB: true, m: rows, n: columns, k: width,
                         alpha: -2, a: q.baseAddress! + first * width, b: r.baseAddress!,
                         c: out.baseAddress!)
                }
            }
            queryNorms.withUnsafeBufferPointer { qn in
                referenceNorms.withUnsafeBufferPointer { rn in
                    for row in 0..<rows {
                        let line = out.baseAddress! + row * columns
                        let rowNorm = qn[first + row]
                        for column in 0..<columns {
                            line[column] = max(0, line[column] + rowNorm + rn[column])
                        }
                    }
                }
            }
            body(first, rows, UnsafeBufferPointer(start: out.baseAddress!, count: rows * columns))
        }
    }
}

/// Squared Euclidean distance between `count` values at `a` and at `b`, with each value
/// widened to Double before subtracting and the sum accumulated in Double (for re-checking the
/// few distances a caller keeps, and for metrics that must match float64 references).
@inlinable
public func exactSquaredDistance(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Double {
    // Two independent vector accumulators: a single scalar sum is bound by add latency.
    var low = SIMD4<Double>(), high = SIMD4<Double>()
    let rawA = UnsafeRawPointer(a), rawB = UnsafeRawPointer(b)
    var index = 0
    while index + 8 <= count {
        let x = rawA.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self)
        let y = rawB.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self)
        let differenceLow = SIMD4<Double>(x.lowHalf) - SIMD4<Double>(y.lowHalf)
        let differenceHigh = SIMD4<Double>(x.highHalf) - SIMD4<Double>(y.highHalf)
        low += differenceLow * differenceLow
        high += differenceHigh * differenceHigh
        index += 8
    }
    var sum = (low + high).sum()
    while index < count {
        let difference = Double(a[index]) - Double(b[index])
        sum += difference * difference
        index += 1
    }
    return sum
}
