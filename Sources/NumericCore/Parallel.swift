// Layer: numeric core. May use CBLAS only; knows nothing of R-DC, sessions or files.

import Dispatch
import Foundation

/// Splits per-item work (a convolution's slice of the batch) over `ComputeThreads.count`
/// workers. Workers call only the single-threaded `gemm`.
enum ParallelItems {
    /// The disjoint, contiguous ranges covering 0..<count that `forEachChunk` hands out, in
    /// order, none shorter than `minimumChunk` unless there is only one; they depend only on
    /// the arguments and the thread count.
    static func chunks(of count: Int, minimumChunk: Int = 1) -> [Range<Int>] {
        let workers = max(1, min(ComputeThreads.count, count / max(1, minimumChunk)))
        return (0..<workers).map { (count * $0 / workers)..<(count * ($0 + 1) / workers) }
    }

    /// Calls `body(chunkIndex, range)` for every range of `chunks(of:minimumChunk:)`,
    /// concurrently when there is more than one.
    static func forEachChunk(of count: Int, minimumChunk: Int = 1, _ body: (Int, Range<Int>) -> Void) {
        let ranges = chunks(of: count, minimumChunk: minimumChunk)
        runWorkers(ranges.count) { body($0, ranges[$0]) }
    }
}

extension ParallelItems {
    /// Like `forEachChunk`, for work that also adds a weight gradient: `body(range, target,
    /// beta)` writes its contribution as a GEMM would into `target` with `beta`. The first chunk
    /// adds straight into `gradient`; the others write partial sums, added afterwards in chunk
    /// order, so the result does not depend on which thread finishes first. With `enabled`
    /// false the target is nil.
    static func forEachChunk(
        of count: Int, accumulatingInto gradient: UnsafeMutableBufferPointer<Float>, enabled: Bool,
        _ body: (Range<Int>, UnsafeMutablePointer<Float>?, Float) -> Void
    ) {
        let ranges = chunks(of: count)
        guard enabled, let total = gradient.baseAddress else {
            runWorkers(ranges.count) { body(ranges[$0], nil, 0) }
            return
        }
        let size = gradient.count
        let partials = UnsafeMutablePointer<Float>.allocate(capacity: (ranges.count - 1) * size)
        defer { partials.deallocate() }
        runWorkers(ranges.count) { index in
            if index == 0 {
                body(ranges[0], total, 1)
            } else {
                body(ranges[index], partials + (index - 1) * size, 0)
            }
        }
        for index in 1..<ranges.count {
            let partial = partials + (index - 1) * size
            for position in 0..<size { total[position] += partial[position] }
        }
    }
}

/// Runs `body(worker)` for `workers` workers, each on its own thread when there are several,
/// and returns when all have finished. Workers must call only the single-threaded `gemm`.
public func runWorkers(_ workers: Int, _ body: (Int) -> Void) {
    if workers <= 1 { body(0); return }
    withoutActuallyEscaping(body) { body in
        DispatchQueue.concurrentPerform(iterations: workers) { body($0) }
    }
}

/// Process-wide settings that make training loops fast.
public enum NumericRuntime {
    /// Keeps freed large buffers in the heap instead of returning them to the kernel, so the
    /// per-step activation and column buffers do not page-fault afresh on every step.
    public static func keepFreedMemoryMapped() {
        // glibc's <malloc.h> is not in Swift's Glibc module; its option numbers are ABI-stable.
        let trimThreshold: Int32 = -1, mmapThreshold: Int32 = -3
        _ = glibcMallopt(mmapThreshold, 1 << 30)
        _ = glibcMallopt(trimThreshold, Int32.max)
    }
}

@_silgen_name("mallopt")
private func glibcMallopt(_ option: Int32, _ value: Int32) -> Int32
