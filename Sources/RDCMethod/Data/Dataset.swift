// Layer: method (R-DC), data. May use NumericCore, SafeFiles and Foundation; never the session,
// sockets or pictures.

import Foundation
import SafeFiles
import NumericCore

/// What one sample is, and so how a row of `Dataset.samples` is laid out.
public enum SampleLayout: Equatable, Sendable, CustomStringConvertible {
    /// A `channels × height × width` image, stored channel-planar (CHW).
    case image(channels: Int, height: Int, width: Int)
    /// A one-channel `depth × height × width` volume (e.g. MedMNIST 3-D).
    case volume(depth: Int, height: Int, width: Int)
    /// A flat vector of values with no spatial structure.
    case vector(length: Int)

    /// The extents, outermost first, as the layout names them (`[c, h, w]`, `[d, h, w]`, `[length]`).
    public var extents: [Int] {
        switch self {
        case let .image(c, h, w): return [c, h, w]
        case let .volume(d, h, w): return [d, h, w]
        case let .vector(length): return [length]
        }
    }

    /// Values per sample; for a layout from untrusted input use `checkedValueCount(file:)` first.
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

    /// Values per sample, checked: every extent at least 1 and the product within `Int`.
    ///
    /// - Throws: `DatasetError` naming `file`, the shape and what is wrong with it.
    public func checkedValueCount(file: String) throws -> Int {
        try DatasetError.naming(file) { try CheckedSize.product(extents, minimum: 1, field: "shape") }
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

    /// A data set decoded from `file`, checked so that none of `init`'s preconditions can fire
    /// on file input: positive extents, at least one sample, whole samples, one label per sample.
    ///
    /// - Throws: `DatasetError` naming `file`.
    static func decoded(from file: String, name: String, layout: SampleLayout, storage: [Float], labels: [Int]?,
                        classNames: [String]? = nil) throws -> Dataset {
        let valuesPerSample = try layout.checkedValueCount(file: file)
        guard !storage.isEmpty else { throw DatasetError(file: file, problem: "holds no images (a data set needs at least one)") }
        guard storage.count % valuesPerSample == 0 else {
            throw DatasetError(file: file, problem: "\(storage.count) values are not a whole number of \(layout) samples")
        }
        let count = storage.count / valuesPerSample
        if let labels, labels.count != count {
            throw DatasetError(file: file, problem: "\(labels.count) labels for \(count) images")
        }
        return Dataset(name: name, layout: layout, samples: Tensor(shape: [count] + layout.itemShape, storage: storage),
                       labels: labels, classNames: classNames)
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

    /// Runs `body`, reporting a `SizeProblem` or `FileProblem` it throws as an error about `file`.
    static func naming<T>(_ file: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let problem as SizeProblem {
            throw DatasetError(file: file, problem: problem.description)
        } catch let problem as FileProblem {
            throw DatasetError(file: problem.path, problem: problem.reason)
        }
    }
}

/// A data file read whole through `SafeFile`, transparently gunzipped. Its `length` (the
/// stored size, or for gzip the size the trailer declares, checked to be possible) is known
/// before anything is inflated, so loaders can check header sizes against it before they
/// allocate, and inflating never produces more than `length` bytes: a gzip bomb is an error,
/// not an exhausted memory. Gzip files must be one member (as gzip and numpy write them)
/// smaller than 4 GiB uncompressed, the size the trailer can state.
struct DataFile {
    /// The path, as given.
    let path: String
    /// The bytes as stored on disk.
    let stored: [UInt8]
    /// Whether `stored` is gzip data.
    let isGzip: Bool
    /// Bytes of content: `stored.count`, or the uncompressed size a gzip trailer declares.
    let length: Int

    /// Reads `path`. Throws `DatasetError` in plain words ("does not exist", "is a folder, not a
    /// file", a gzip trailer that declares more than the compressed bytes can hold).
    init(path: String) throws {
        self.path = path
        stored = try DatasetError.naming(path) { try SafeFile.read(path) }
        isGzip = stored.count >= 2 && stored[0] == 0x1f && stored[1] == 0x8b
        guard isGzip else {
            length = stored.count
            return
        }
        guard stored.count >= 18 else { throw DatasetError(file: path, problem: "gzip data is truncated (\(stored.count) bytes)") }
        let tail = stored.count - 4
        let declared = Int(stored[tail]) | Int(stored[tail + 1]) << 8 | Int(stored[tail + 2]) << 16 | Int(stored[tail + 3]) << 24
        try Inflater.checkDeclaredSize(declared, compressedSize: stored.count, file: path, what: "gzip trailer")
        length = declared
    }

    /// Streams the (inflated) content to `consume` in chunks, until the end or until `consume`
    /// returns false. Throws `DatasetError` for corrupt data or content beyond `length`.
    func stream(_ consume: (UnsafeRawBufferPointer) throws -> Bool) throws {
        try stored.withUnsafeBytes { bytes in
            if isGzip {
                try Inflater.stream(bytes, windowBits: 15 + 16, limit: length, file: path, what: "gzip data", consume)
            } else if bytes.count > 0 {
                _ = try consume(bytes)
            }
        }
    }

    /// The whole (inflated) content.
    func contents() throws -> [UInt8] {
        guard isGzip else { return stored }
        var output = [UInt8]()
        output.reserveCapacity(length)
        try stream { chunk in
            output.append(contentsOf: chunk)
            return true
        }
        return output
    }

    /// The whole (inflated) content of `path`.
    static func read(_ path: String) throws -> [UInt8] {
        try DataFile(path: path).contents()
    }

    /// The first existing path of `candidates`, or nil.
    static func firstExisting(_ candidates: [String]) -> String? {
        candidates.first { FileManager.default.fileExists(atPath: $0) }
    }
}
