// Layer: numeric core. May use CBLAS only; knows nothing of R-DC, sessions or files.

import Dispatch
import Foundation

/// Splits per-item work (im2col, col2im, layout changes) over as many workers as OpenBLAS
/// has threads. BLAS is never called from inside these workers, so the two never compete.
enum ParallelItems {
    /// Calls `body` on disjoint, contiguous ranges covering 0..<count, concurrently when
    /// more than one thread is configured and the work is big enough to pay for it.
    static func forEachChunk(of count: Int, _ body: (Range<Int>) -> Void) {
        let workers = min(BLASThreads.count, count)
        guard workers > 1 else {
            body(0..<count)
            return
        }
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                body((count * worker / workers)..<(count * (worker + 1) / workers))
            }
        }
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
