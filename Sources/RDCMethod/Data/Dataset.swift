// Layer: method (R-DC), data. May use NumericCore and Foundation; never the session, sockets or pictures.

import Foundation

/// What one sample is, and so how a row of `Dataset.samples` is laid out.
public enum SampleLayout: Equatable, Sendable, CustomStringConvertible {
    /// A `channels × height × width` image, stored channel-planar (CHW).
    case image(channels: Int, height: Int, width: Int)
    /// A one-channel `depth × height × width` volume (e.g. MedMNIST 3-D).
    case volume(depth: Int, height: Int, width: Int)
    /// A flat vector of values with no spatial structure.
    case vector(length: Int)

    /// Values per sample.
    public var valueCount: Int {
        switch self {
        case let .image(c, h, w): return c * h * w
        case let .volume(d, h, w): return d * h * w
        case let .vector(length): return length
        }
    }

    /// The shape of one sample inside `Dataset.samples`: `[c, h, w]` for images,
    /// `[1, d, h, w]` for volumes (one channel, so 3-D volumes look like 1-channel images with
    /// depth), `[length]` for vectors.
    public var itemShape: [Int] {
        switch self {
        case let .image(c, h, w): return [c, h, w]
        case let .volume(d, h, w): return [1, d, h, w]
        case let .vector(length): return [length]
        }
    }

    /// `1x28x28`, `28x28x28 volume`, or `64 values`.
    public var description: String {
        switch self {
        case let .image(c, h, w): return "\(c)x\(h)x\(w)"
        case let .volume(d, h, w): return "\(d)x\(h)x\(w) volume"
        case let .vector(length): return "\(length) values"
        }
    }
}

/// A loaded data set: samples scaled to [0, 1], and labels when the source has them.
public struct Dataset: Sendable {
    /// Human-readable name, e.g. `fashion-mnist (all)`.
    public var name: String
    /// What a sample is.
    public var layout: SampleLayout
    /// All samples, `[n] + layout.itemShape`: `[n, c, h, w]`, `[n, 1, d, h, w]` or `[n, length]`.
    public var samples: Tensor
    /// Ground-truth class of each sample (`count` of them), if known.
    public var labels: [Int]?
    /// Names of the classes, indexed by label, if known.
    public var classNames: [String]?

    /// A data set; `samples` must have shape `[n] + layout.itemShape` and `labels`, if any,
    /// `n` entries.
    public init(name: String, layout: SampleLayout, samples: Tensor, labels: [Int]? = nil, classNames: [String]? = nil) {
        precondition(Array(samples.shape.dropFirst()) == layout.itemShape,
                     "samples of shape \(samples.shape) do not match layout \(layout)")
        precondition(labels == nil || labels!.count == samples.batchSize, "one label per sample expected")
        self.name = name
        self.layout = layout
        self.samples = samples
        self.labels = labels
        self.classNames = classNames
    }

    /// Number of samples.
    public var count: Int { samples.batchSize }

    /// Number of distinct labels, or nil without labels.
    public var classCount: Int? { labels.map { Set($0).count } }

    /// The samples as a `[n, values]` matrix (same storage).
    public var flattened: Tensor { samples.reshaped([count, layout.valueCount]) }

    /// A random subset of `limit` samples, drawn without replacement from `seed`, kept in their
    /// original order (so labels stay in the source's order). Returns `self` when
    /// `limit >= count`.
    ///
    /// - Throws: `DatasetError` if `limit < 1`.
    public func limited(to limit: Int, seed: UInt64) throws -> Dataset {
        guard limit >= 1 else { throw DatasetError(file: name, problem: "limit must be at least 1, got \(limit)") }
        guard limit < count else { return self }
        var generator = SeededGenerator(seed: seed)
        let chosen = Array(generator.permutation(count).prefix(limit)).sorted()
        return Dataset(name: name, layout: layout, samples: samples.gathering(rows: chosen),
                       labels: labels.map { all in chosen.map { all[$0] } }, classNames: classNames)
    }
}

/// A file that could not be read as a data set: names the file and what was wrong with it.
public struct DatasetError: Error, CustomStringConvertible, Equatable {
    /// The file (or folder, or data set name) concerned.
    public let file: String
    /// What was wrong, in words.
    public let problem: String

    /// An error about `file`.
    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }

    /// `FILE: PROBLEM`.
    public var description: String { "\(file): \(problem)" }
}

/// Reading files, transparently gunzipped.
enum DataFile {
    /// The bytes of `path` (the first `prefix` bytes if given), as stored on disk.
    static func raw(_ path: String, prefix: Int? = nil) throws -> Data {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            throw DatasetError(file: path, problem: exists ? (isDirectory.boolValue ? "is a folder, not a file" : "cannot be opened for reading") : "no such file")
        }
        defer { try? handle.close() }
        do {
            return try (prefix.map { try handle.read(upToCount: $0) } ?? handle.readToEnd()) ?? Data()
        } catch {
            throw DatasetError(file: path, problem: "read failed: \(error.localizedDescription)")
        }
    }

    /// The bytes of `path`; inflated when they start with the gzip magic bytes.
    static func read(_ path: String) throws -> [UInt8] {
        let data = try raw(path)
        if isGzip(data) {
            return try data.withUnsafeBytes { try Inflater.gunzip($0, file: path) }
        }
        return [UInt8](data)
    }

    /// Streams the (inflated) content of `path`, or of its first `prefix` stored bytes, to
    /// `consume` in chunks, until the end or until `consume` returns false.
    static func stream(_ path: String, prefix: Int? = nil, _ consume: (UnsafeRawBufferPointer) throws -> Bool) throws {
        let data = try raw(path, prefix: prefix)
        try data.withUnsafeBytes { bytes in
            if isGzip(data) {
                try Inflater.stream(bytes, windowBits: 15 + 32, file: path, what: "gzip data", consume)
            } else if bytes.count > 0 {
                _ = try consume(bytes)
            }
        }
    }

    private static func isGzip(_ data: Data) -> Bool {
        data.count >= 2 && data[data.startIndex] == 0x1f && data[data.startIndex + 1] == 0x8b
    }

    /// The first existing path of `candidates`, or nil.
    static func firstExisting(_ candidates: [String]) -> String? {
        candidates.first { FileManager.default.fileExists(atPath: $0) }
    }
}
