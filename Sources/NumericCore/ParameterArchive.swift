// Layer: numeric core. May use SafeFiles for the archive's own file; knows nothing of R-DC or
// sessions. Decoding checks every count and shape against the bytes that are there first.

import SafeFiles

/// What went wrong reading or applying a parameter archive.
public enum ParameterArchiveError: Error, CustomStringConvertible, Equatable {
    /// The bytes are not a valid archive (bad magic, version, truncation, checksum).
    case malformed(String)
    /// The archive is valid but does not fit the model.
    case mismatch(String)

    public var description: String {
        switch self {
        case .malformed(let reason): return "not a valid parameter archive: \(reason)"
        case .mismatch(let reason): return "parameters do not fit the model: \(reason)"
        }
    }
}

/// A list of tensors in a small documented binary format, little-endian throughout:
///
///     bytes 0-7   magic "RDCPARAM"
///     u32         format version (1)
///     u32         tensor count T
///     T times:    u32 rank R, R × u32 dimensions, then the values as Float32
///     u32         CRC-32 (IEEE, as zlib) of every byte before it
public enum ParameterArchive {
    /// The eight bytes every archive starts with.
    public static let magic = Array("RDCPARAM".utf8)
    /// The format version written by this code.
    public static let version: UInt32 = 1

    /// Encodes tensors into archive bytes.
    public static func encode(_ tensors: [Tensor]) -> [UInt8] {
        var writer = ByteWriter()
        writer.bytes.append(contentsOf: magic)
        writer.append(version)
        writer.append(UInt32(tensors.count))
        for tensor in tensors { writer.append(tensor) }
        writer.append(CRC32.checksum(writer.bytes))
        return writer.bytes
    }

    /// Decodes archive bytes, validating magic, version, sizes and checksum.
    public static func decode(_ bytes: [UInt8]) throws -> [Tensor] {
        guard bytes.count >= magic.count + 12 else { throw ParameterArchiveError.malformed("only \(bytes.count) bytes") }
        guard Array(bytes[0..<magic.count]) == magic else { throw ParameterArchiveError.malformed("bad magic") }
        let body = bytes[0..<(bytes.count - 4)]
        var reader = ByteReader(bytes: bytes, offset: bytes.count - 4)
        let stored = try reader.uint32()
        guard CRC32.checksum(body) == stored else { throw ParameterArchiveError.malformed("checksum mismatch") }
        reader = ByteReader(bytes: Array(body), offset: magic.count)
        let fileVersion = try reader.uint32()
        guard fileVersion == version else { throw ParameterArchiveError.malformed("unsupported version \(fileVersion)") }
        let count = try reader.count(of: "tensor", eachAtLeast: 4)
        var tensors: [Tensor] = []
        for index in 0..<count {
            let tensor = try reader.tensor()
            guard tensor.storage.allSatisfy(\.isFinite) else {
                throw ParameterArchiveError.malformed("tensor \(index) holds NaN or infinite values")
            }
            tensors.append(tensor)
        }
        guard reader.offset == body.count else { throw ParameterArchiveError.malformed("\(body.count - reader.offset) trailing bytes") }
        return tensors
    }

    /// Writes the parameters of `model` to `path` atomically (`SafeFile.write`: the old file
    /// survives any failure). Throws `FileProblem`.
    public static func save<Model: Layer>(_ model: Model, to path: String) throws {
        try SafeFile.write(encode(model.parameterValues), to: path)
    }

    /// Loads parameters from `path` into `model`; the model is unchanged when this throws
    /// (`FileProblem` when the file cannot be read, `ParameterArchiveError` otherwise).
    public static func load<Model: Layer>(_ model: inout Model, from path: String) throws {
        let bytes = try SafeFile.read(path)
        var candidate = model
        try candidate.loadParameterValues(try decode(bytes))
        model = candidate
    }
}

/// Appends little-endian scalars to a byte array.
public struct ByteWriter: Sendable {
    /// The bytes written so far.
    public var bytes: [UInt8] = []

    /// An empty writer.
    public init() {}

    /// Appends an unsigned 32-bit integer.
    public mutating func append(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Appends an unsigned 64-bit integer.
    public mutating func append(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Appends a UTF-8 string prefixed by its byte count.
    public mutating func append(_ text: String) {
        let utf8 = Array(text.utf8)
        append(UInt32(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    /// Appends a tensor: rank, dimensions, values.
    public mutating func append(_ tensor: Tensor) {
        append(UInt32(tensor.rank))
        for dimension in tensor.shape { append(UInt32(dimension)) }
        append(tensor.storage)
    }

    /// Appends Float32 values (this code runs on little-endian machines only).
    public mutating func append(_ values: [Float]) {
        values.withUnsafeBytes { bytes.append(contentsOf: $0) }
    }
}

/// Reads little-endian scalars from a byte array, throwing `ParameterArchiveError.malformed`
/// on truncation and on any count or shape that the remaining bytes cannot hold (checked
/// before anything is allocated).
public struct ByteReader: Sendable {
    /// The bytes being read.
    public let bytes: [UInt8]
    /// Position of the next byte to read.
    public var offset: Int

    /// The highest tensor rank a reader accepts.
    public static let maximumRank = 8

    /// A reader starting at `offset`.
    public init(bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    /// Bytes not yet read.
    public var remaining: Int { max(0, bytes.count - offset) }

    private mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, offset >= 0, count <= remaining else {
            throw ParameterArchiveError.malformed("truncated at byte \(offset) (wanted \(count) more, \(remaining) left)")
        }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    /// Runs a size check, reporting its failure as a malformed archive.
    private func checked<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let problem as SizeProblem {
            throw ParameterArchiveError.malformed("\(problem) (at byte \(offset))")
        }
    }

    /// Reads an unsigned 32-bit integer.
    public mutating func uint32() throws -> UInt32 {
        try take(4).reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// Reads an unsigned 64-bit integer.
    public mutating func uint64() throws -> UInt64 {
        try take(8).reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// Reads an unsigned 64-bit integer that must fit an `Int` (a counter such as a step).
    public mutating func integer(_ field: String) throws -> Int {
        let value = try uint64()
        return try checked { try CheckedSize.integer(value, field: field) }
    }

    /// Reads a u32 count of items that each take at least `minimumBytes` bytes, refusing a
    /// count that the remaining bytes cannot hold.
    public mutating func count(of field: String, eachAtLeast minimumBytes: Int) throws -> Int {
        let count = Int(try uint32())
        let available = remaining
        _ = try checked {
            try CheckedSize.bytes(count, of: minimumBytes, within: available, field: "\(field) count")
        }
        return count
    }

    /// Reads a string written by `ByteWriter.append(_: String)`.
    public mutating func string() throws -> String {
        let count = Int(try uint32())
        guard let text = String(validating: try take(count), as: UTF8.self) else {
            throw ParameterArchiveError.malformed("invalid UTF-8 text at byte \(offset - count)")
        }
        return text
    }

    /// Reads a tensor written by `ByteWriter.append(_: Tensor)`; its shape is checked against
    /// the remaining bytes before its values are allocated.
    public mutating func tensor() throws -> Tensor {
        let rank = Int(try uint32())
        guard rank <= Self.maximumRank else { throw ParameterArchiveError.malformed("tensor rank \(rank) is implausible (at most \(Self.maximumRank))") }
        var shape: [Int] = []
        for _ in 0..<rank { shape.append(Int(try uint32())) }
        let count = try checked { try CheckedSize.product(shape, field: "tensor shape") }
        return Tensor(shape: shape, storage: try floats(count, field: "tensor shape \(shape)"))
    }

    /// Reads `count` Float32 values; `field` names them in the error when they are not there.
    public mutating func floats(_ count: Int, field: String = "float values") throws -> [Float] {
        let available = remaining
        let byteCount = try checked { try CheckedSize.bytes(count, of: 4, within: available, field: field, value: "") }
        let slice = try take(byteCount)
        return [Float](unsafeUninitializedCapacity: count) { buffer, written in
            slice.withUnsafeBytes { raw in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: raw)
            }
            written = count
        }
    }
}

/// CRC-32 with the IEEE polynomial (the checksum of zlib, gzip and PNG).
public enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { value in
        var crc = UInt32(value)
        for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        return crc
    }

    /// The CRC-32 of `bytes`.
    public static func checksum<Bytes: Collection>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        // Contiguous bytes (arrays and their slices, the common case) take the fast path: one
        // call instead of a generic element access per byte from other modules.
        if let crc = bytes.withContiguousStorageIfAvailable(checksum(contiguous:)) { return crc }
        return Array(bytes).withUnsafeBufferPointer(checksum(contiguous:))
    }

    private static func checksum(contiguous bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { table in
            for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        }
        return crc ^ 0xFFFF_FFFF
    }
}
