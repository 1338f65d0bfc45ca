// Layer: session (commands). Foundation only: writes arrays as NumPy .npy (format 1.0,
// little-endian) or CSV files for `export`.

import Foundation
import SafeFiles

/// An array `export` (and `rdc umap`) can write: an N×L float32 matrix or an N-vector of int64.
public enum NumericArray {
    /// A row-major matrix.
    case float32([Float], rows: Int, columns: Int)
    /// A vector.
    case int64([Int64])

    /// "10000×10" or "10000".
    var shapeText: String {
        switch self {
        case .float32(_, let rows, let columns): return "\(rows)×\(columns)"
        case .int64(let values): return String(values.count)
        }
    }

    /// "float32" or "int64".
    var typeName: String {
        switch self {
        case .float32: return "float32"
        case .int64: return "int64"
        }
    }

    /// Writes `.npy` or `.csv` by the file's extension (`export` admits only those here),
    /// atomically; throws naming the file when it cannot be written.
    func write(to path: String) throws {
        let bytes = path.lowercased().hasSuffix(".csv") ? Array(csvText.utf8) : npyBytes
        do {
            try SafeFile.write(bytes, to: path)
        } catch {
            throw CommandFailure("cannot export: \(CommandFailure.describe(error))")
        }
    }

    /// The NumPy format 1.0: magic, version, header length (u16 LE), a Python dict literal
    /// padded with spaces and ending in a newline so the data start at a multiple of 64 bytes.
    public var npyBytes: [UInt8] {
        let descriptor: String, shape: String
        switch self {
        case .float32(_, let rows, let columns):
            descriptor = "<f4"
            shape = "(\(rows), \(columns))"
        case .int64(let values):
            descriptor = "<i8"
            shape = "(\(values.count),)"
        }
        var header = "{'descr': '\(descriptor)', 'fortran_order': False, 'shape': \(shape), }"
        let preamble = 10
        let padding = (64 - (preamble + header.utf8.count + 1) % 64) % 64
        header += String(repeating: " ", count: padding) + "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let length = UInt16(header.utf8.count)
        bytes += [UInt8(length & 0xFF), UInt8(length >> 8)]
        bytes += Array(header.utf8)
        switch self {
        case .float32(let values, _, _):
            for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
        case .int64(let values):
            for value in values { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        }
        return bytes
    }

    /// One row per line: "z0,z1,..." with a header for embeddings, "cluster" for labels.
    var csvText: String {
        var lines: [String]
        switch self {
        case .float32(let values, let rows, let columns):
            lines = [(0..<columns).map { "z\($0)" }.joined(separator: ",")]
            lines.reserveCapacity(rows + 1)
            for row in 0..<rows {
                lines.append(values[(row * columns)..<((row + 1) * columns)].map { "\($0)" }.joined(separator: ","))
            }
        case .int64(let values):
            lines = ["cluster"] + values.map(String.init)
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
