// Layer: numeric core. May use CBLAS (OpenBLAS's LAPACK) only; knows nothing of R-DC, sessions or files.

import CBLAS

/// Eigenpairs of symmetric matrices through LAPACK's `ssyevr`.
public enum SymmetricEigen {
    /// The `count` largest eigenvalues of the symmetric `size`×`size` matrix (row-major; only
    /// its values matter, not their order) and their unit eigenvectors, by decreasing value.
    ///
    /// - Throws: `NumericArgumentError` for impossible counts or when LAPACK reports a failure.
    public static func largest(_ matrix: [Float], size: Int, count: Int) throws -> (values: [Float], vectors: [[Float]]) {
        guard size >= 1, matrix.count == size * size, (1...size).contains(count) else {
            throw NumericArgumentError("eigenpairs: need a \(size)×\(size) matrix and 1…\(size) pairs, got \(matrix.count) values and \(count)")
        }
        var a = matrix
        var n = Int32(size), lda = Int32(size), ldz = Int32(size)
        var low = Int32(size - count + 1), high = Int32(size)
        var bound: Float = 0, tolerance: Float = 0
        var found: Int32 = 0, info: Int32 = 0
        var values = [Float](repeating: 0, count: size)
        var vectors = [Float](repeating: 0, count: size * count)
        var support = [Int32](repeating: 0, count: 2 * max(1, count))
        // A workspace query first, then the solve.
        var workSize: Float = 0, integerWorkSize: Int32 = 0, query: Int32 = -1
        func solve(_ work: UnsafeMutablePointer<Float>, _ lwork: UnsafePointer<Int32>,
                   _ iwork: UnsafeMutablePointer<Int32>, _ liwork: UnsafePointer<Int32>) {
            ssyevr_("V", "I", "U", &n, &a, &lda, &bound, &bound, &low, &high, &tolerance, &found, &values,
                    &vectors, &ldz, &support, work, lwork, iwork, liwork, &info, 1, 1, 1)
        }
        solve(&workSize, &query, &integerWorkSize, &query)
        guard info == 0 else { throw NumericArgumentError("ssyevr workspace query failed (info \(info))") }
        var lwork = Int32(workSize), liwork = integerWorkSize
        var work = [Float](repeating: 0, count: Int(lwork)), iwork = [Int32](repeating: 0, count: Int(liwork))
        solve(&work, &lwork, &iwork, &liwork)
        guard info == 0, found == Int32(count) else {
            throw NumericArgumentError("ssyevr failed (info \(info), \(found) of \(count) eigenpairs)")
        }
        // LAPACK returns them by increasing value, one column-major column (= our row) each.
        let order = (0..<count).reversed()
        return (order.map { values[$0] }, order.map { Array(vectors[($0 * size)..<(($0 + 1) * size)]) })
    }
}
