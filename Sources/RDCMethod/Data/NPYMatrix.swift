// Layer: method (R-DC), data. May use NumericCore and Foundation; never the session, sockets or pictures.

import Foundation
import NumericCore

/// A two-dimensional `.npy` array read as a matrix of rows (for tools that take embeddings
/// written by numpy or by `export embeddings`).
public enum NPYMatrix {
    /// The rows of the `[n, d]` array in `path` (any supported dtype, converted to Float).
    ///
    /// - Throws: `DatasetError` naming the file when it cannot be read or is not two-dimensional.
    public static func read(path: String) throws -> Tensor {
        let bytes: [UInt8]
        do {
            bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw DatasetError(file: path, problem: "cannot be read")
        }
        let array = try NPYArray(bytes: bytes, source: path)
        guard array.shape.count == 2, array.shape[0] >= 1 else {
            throw DatasetError(file: path, problem: "needs a two-dimensional array of rows, got shape \(array.shape)")
        }
        var values = [Float](repeating: 0, count: array.count)
        array.forEachValue { index, value in values[index] = Float(value) }
        return Tensor(shape: array.shape, storage: values)
    }
}
