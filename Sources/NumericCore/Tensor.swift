// Layer: numeric core. May use CBLAS only; knows nothing of R-DC, sessions or files.

/// A dense Float32 array with a shape, stored contiguously in row-major order.
///
/// The first dimension is the batch wherever a batch exists: images are `[n, c, h, w]`,
/// feature matrices `[n, d]`.
public struct Tensor: Equatable, Sendable {
    /// Extent of each dimension, outermost first.
    public private(set) var shape: [Int]
    /// The values, row-major; `storage.count == shape.reduce(1, *)`.
    public var storage: [Float]

    /// A tensor of the given shape filled with `value`.
    public init(shape: [Int], repeating value: Float = 0) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        self.storage = [Float](repeating: value, count: shape.reduce(1, *))
    }

    /// A tensor wrapping `storage`, which must hold exactly `shape.reduce(1, *)` values.
    public init(shape: [Int], storage: [Float]) {
        precondition(storage.count == shape.reduce(1, *),
                     "storage of \(storage.count) values does not fit shape \(shape)")
        self.shape = shape
        self.storage = storage
    }

    /// A tensor of the given shape whose values `fill` writes, every one of them (for outputs
    /// a computation overwrites completely, so they need no zero fill first).
    public init(shape: [Int], fillingEvery fill: (UnsafeMutableBufferPointer<Float>) -> Void) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        self.storage = [Float](unsafeUninitializedCapacity: shape.reduce(1, *)) { buffer, initialized in
            fill(buffer)
            initialized = buffer.count
        }
    }

    /// Number of values.
    public var count: Int { storage.count }
    /// Number of dimensions.
    public var rank: Int { shape.count }
    /// Size of the first dimension (the batch), or 1 for a scalar.
    public var batchSize: Int { shape.first ?? 1 }
    /// Number of values per batch item.
    public var itemSize: Int { shape.isEmpty ? 1 : shape.dropFirst().reduce(1, *) }

    /// The same values seen with another shape of the same count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, storage: storage)
    }

    /// Rows `range` of the first dimension, copied.
    public func rows(_ range: Range<Int>) -> Tensor {
        let item = itemSize
        var newShape = shape
        newShape[0] = range.count
        return Tensor(shape: newShape, storage: Array(storage[range.lowerBound * item ..< range.upperBound * item]))
    }

    /// Gathers the batch items at `indices` (in that order) into a new tensor.
    public func gathering(rows indices: [Int]) -> Tensor {
        let item = itemSize
        var newShape = shape
        newShape[0] = indices.count
        var result = Tensor(shape: newShape)
        storage.withUnsafeBufferPointer { source in
            result.storage.withUnsafeMutableBufferPointer { target in
                for (row, index) in indices.enumerated() {
                    precondition(index >= 0 && index < batchSize, "row \(index) out of 0..<\(batchSize)")
                    (target.baseAddress! + row * item).update(from: source.baseAddress! + index * item, count: item)
                }
            }
        }
        return result
    }

    /// Stacks tensors of equal item shape along the first dimension.
    public static func concatenating(_ parts: [Tensor]) -> Tensor {
        precondition(!parts.isEmpty, "nothing to concatenate")
        let itemShape = Array(parts[0].shape.dropFirst())
        precondition(parts.allSatisfy { Array($0.shape.dropFirst()) == itemShape }, "item shapes differ")
        var storage = [Float]()
        storage.reserveCapacity(parts.reduce(0) { $0 + $1.count })
        for part in parts { storage.append(contentsOf: part.storage) }
        return Tensor(shape: [parts.reduce(0) { $0 + $1.batchSize }] + itemShape, storage: storage)
    }

    /// Adds `other` (same shape) element by element.
    public mutating func add(_ other: Tensor) {
        precondition(other.shape == shape, "cannot add \(other.shape) to \(shape)")
        storage.withUnsafeMutableBufferPointer { a in
            other.storage.withUnsafeBufferPointer { b in
                for i in a.indices { a[i] += b[i] }
            }
        }
    }
}
