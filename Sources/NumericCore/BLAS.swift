// Layer: numeric core. May use CBLAS only; knows nothing of R-DC, sessions or files.

import CBLAS

/// The number of threads the numeric core computes on.
///
/// OpenBLAS's own thread count is global to the process, and its idle threads spin in
/// `sched_yield` while the caller does non-BLAS work (im2col, layout moves), taking a core
/// from it. So OpenBLAS is held to one thread for the whole process and the numeric core
/// parallelises itself: `parallelGemm` splits one product over the workers, and the
/// convolutions give each worker a whole slice of the batch (im2col, GEMM and col2im).
public enum ComputeThreads {
    nonisolated(unsafe) private static var configured = pinOpenBLASToOneThread()

    /// The number of threads the numeric core uses (default: all processors).
    public static var count: Int { configured }

    /// The thread counts a user may ask for (`threads N`, `--threads N`).
    public static let allowedRange = 1...1024

    /// Sets the number of threads the numeric core uses (at least 1).
    public static func set(_ threads: Int) {
        configured = max(1, threads)
    }

    /// Number of processors OpenBLAS sees (the default thread count).
    public static var processors: Int { Int(openblas_get_num_procs()) }

    private static func pinOpenBLASToOneThread() -> Int {
        let processors = Int(openblas_get_num_procs())
        openblas_set_num_threads(1)
        return max(1, processors)
    }
}

/// C = alpha · op(A) · op(B) + beta · C on row-major matrices, where op(A) is m×k and op(B) is
/// k×n, on the calling thread only (for callers that parallelise themselves).
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
    _ = ComputeThreads.count  // makes sure OpenBLAS is pinned to one thread before its first use
    cblas_sgemm(
        CblasRowMajor,
        transposeA ? CblasTrans : CblasNoTrans,
        transposeB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k), alpha,
        a, Int32(lda ?? (transposeA ? m : k)),
        b, Int32(ldb ?? (transposeB ? k : n)),
        beta, c, Int32(ldc ?? n))
}

/// The same product as `gemm`, split over `ComputeThreads.count` workers: C is cut into
/// bands of rows (or of columns, when it has more columns than rows), one single-threaded
/// GEMM per band. The bands depend only on the shape and the thread count, so the result is
/// the same on every run at a fixed thread count.
public func parallelGemm(
    transposeA: Bool = false, transposeB: Bool = false,
    m: Int, n: Int, k: Int,
    alpha: Float = 1, a: UnsafePointer<Float>, lda: Int? = nil,
    b: UnsafePointer<Float>, ldb: Int? = nil,
    beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int? = nil
) {
    let lda = lda ?? (transposeA ? m : k), ldb = ldb ?? (transposeB ? k : n), ldc = ldc ?? n
    // Below ~2 MFLOP a hand-over costs more than it saves.
    let minimumBand = 16
    let splitRows = m >= n
    let workers = min(ComputeThreads.count, max(1, (splitRows ? m : n) / minimumBand),
                      max(1, 2 * m * n * k / 2_000_000))
    guard workers > 1 else {
        gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
             a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        return
    }
    let extent = splitRows ? m : n
    runWorkers(workers) { worker in
        // Band edges on multiples of 16 keep every band on OpenBLAS's full-width kernels.
        let first = (extent * worker / workers) / minimumBand * minimumBand
        let last = worker == workers - 1 ? extent : (extent * (worker + 1) / workers) / minimumBand * minimumBand
        guard last > first else { return }
        if splitRows {
            gemm(transposeA: transposeA, transposeB: transposeB, m: last - first, n: n, k: k, alpha: alpha,
                 a: a + (transposeA ? first : first * lda), lda: lda, b: b, ldb: ldb,
                 beta: beta, c: c + first * ldc, ldc: ldc)
        } else {
            gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: last - first, k: k, alpha: alpha,
                 a: a, lda: lda, b: b + (transposeB ? first * ldb : first), ldb: ldb,
                 beta: beta, c: c + first, ldc: ldc)
        }
    }
}

/// y = alpha · op(A) · x + beta · y for a row-major `rows`×`columns` matrix of doubles, where
/// op(A) is A or Aᵀ, on the calling thread only. `lda` (default `columns`) is the stride between
/// A's rows, so a block of columns of a wider matrix can be passed.
@inline(__always)
public func gemv(
    transpose: Bool = false, rows: Int, columns: Int,
    alpha: Double = 1, a: UnsafePointer<Double>, lda: Int? = nil, x: UnsafePointer<Double>,
    beta: Double = 0, y: UnsafeMutablePointer<Double>
) {
    guard rows > 0, columns > 0 else { return }
    _ = ComputeThreads.count  // makes sure OpenBLAS is pinned to one thread before its first use
    cblas_dgemv(CblasRowMajor, transpose ? CblasTrans : CblasNoTrans, Int32(rows), Int32(columns),
                alpha, a, Int32(lda ?? columns), x, 1, beta, y, 1)
}
