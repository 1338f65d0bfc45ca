// Layer: numeric core. May use CBLAS only; knows nothing of R-DC, sessions or files.

import CBLAS

/// Process-wide control of OpenBLAS threads.
///
/// OpenBLAS's thread count is global to the process: code that calls BLAS from several
/// threads at once must set it to 1 and parallelise itself.
public enum BLASThreads {
    /// The number of threads OpenBLAS uses for one call.
    public static var count: Int { Int(openblas_get_num_threads()) }

    /// Sets the number of threads OpenBLAS uses (at least 1).
    public static func set(_ threads: Int) {
        openblas_set_num_threads(Int32(max(1, threads)))
    }

    /// Number of processors OpenBLAS sees (the default thread count).
    public static var processors: Int { Int(openblas_get_num_procs()) }
}

/// C = alpha · op(A) · op(B) + beta · C on row-major matrices, where op(A) is m×k and op(B) is k×n.
///
/// `lda`, `ldb` and `ldc` default to the tight row strides of the stored (untransposed) matrices.
@inline(__always)
public func gemm(
    transposeA: Bool = false, transposeB: Bool = false,
    m: Int, n: Int, k: Int,
    alpha: Float = 1, a: UnsafePointer<Float>, lda: Int? = nil,
    b: UnsafePointer<Float>, ldb: Int? = nil,
    beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int? = nil
) {
    guard m > 0, n > 0 else { return }
    cblas_sgemm(
        CblasRowMajor,
        transposeA ? CblasTrans : CblasNoTrans,
        transposeB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k), alpha,
        a, Int32(lda ?? (transposeA ? m : k)),
        b, Int32(ldb ?? (transposeB ? k : n)),
        beta, c, Int32(ldc ?? n))
}
