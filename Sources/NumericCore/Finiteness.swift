// Layer: numeric core. May use CBLAS only; knows nothing of R-DC, sessions or files.
// Cheap checks that training has not diverged, used before an optimiser step is applied.

import CBLAS

extension Tensor {
    /// Whether every value is finite (no NaN, no ±∞).
    public var isFinite: Bool {
        storage.withUnsafeBufferPointer { values in
            // x·0 is 0 for a finite x and NaN for NaN or ±∞: one vectorisable sum answers for all.
            var sum: Float = 0
            for value in values { sum += value * 0 }
            return sum == 0
        }
    }
}

extension Layer {
    /// Whether every accumulated parameter gradient is finite and small enough that its
    /// square is finite (Adam squares it into its second moment).
    public mutating func gradientsAreFinite() -> Bool {
        var finite = true
        visitParameters { parameter in
            guard finite else { return }
            let sumOfSquares = parameter.gradient.storage.withUnsafeBufferPointer { g in
                cblas_sdot(Int32(g.count), g.baseAddress, 1, g.baseAddress, 1)
            }
            finite = sumOfSquares.isFinite
        }
        return finite
    }
}
