// Layer: method (R-DC), data. May use NumericCore and Foundation; never the session, sockets or pictures.

import Foundation
import NumericCore

/// Which part of a data set published in parts to load.
public enum DatasetSplit: String, CaseIterable, Sendable {
    /// The training part.
    case train
    /// The validation part (MedMNIST only).
    case val
    /// The test part.
    case test
    /// All parts, in the order train, val, test.
    case all
}

/// An IDX file (the MNIST format) of unsigned bytes: header read up front and checked against
/// the file's length, values streamed.
struct IDXFile {
    let file: DataFile
    /// Extent of each dimension.
    let dimensions: [Int]
    /// Number of values the header declares (overflow-checked, and the file holds them).
    let valueCount: Int
    /// Bytes before the values.
    var headerSize: Int { 4 + 4 * dimensions.count }
    var path: String { file.path }

    /// Reads and validates the header of `path` (gzipped or not; only the start is inflated):
    /// magic number, element type (unsigned byte), and dimensions whose product plus the
    /// header is exactly the file's length.
    init(path: String) throws {
        let file = try DataFile(path: path)
        var header = [UInt8]()
        try file.stream { chunk in
            header.append(contentsOf: chunk.prefix(1028 - header.count))
            return header.count < 4 || header.count < 4 + 4 * Int(header[3])
        }
        guard header.count >= 4, header[0] == 0, header[1] == 0 else {
            throw DatasetError(file: path, problem: "not an IDX file (bad magic number: expected 00 00 type rank)")
        }
        guard header[2] == 0x08 else {
            throw DatasetError(file: path, problem: String(format: "IDX element type 0x%02x is not supported (only 0x08, unsigned byte)", header[2]))
        }
        let rank = Int(header[3])
        guard rank >= 1, header.count >= 4 + 4 * rank else {
            throw DatasetError(file: path, problem: "IDX header declares \(rank) dimensions but the file has only \(header.count) bytes (truncated)")
        }
        let dimensions = (0..<rank).map { axis in
            let at = 4 + 4 * axis
            return Int(header[at]) << 24 | Int(header[at + 1]) << 16 | Int(header[at + 2]) << 8 | Int(header[at + 3])
        }
        let (valueCount, expected) = try DatasetError.naming(path) {
            let values = try CheckedSize.product(dimensions, field: "IDX dimensions")
            return (values, try CheckedSize.sum([4 + 4 * rank, values], field: "IDX dimensions \(dimensions) with the header"))
        }
        guard expected == file.length else {
            throw DatasetError(file: path, problem: "IDX dimensions \(dimensions) need \(expected) bytes but the file has \(file.length)" + (file.length < expected ? " (truncated)" : " (more than declared)"))
        }
        self.file = file
        self.dimensions = dimensions
        self.valueCount = valueCount
    }

    /// Streams the values to `body(values, indexOfFirst)`, then checks that the file held
    /// exactly as many values as the header declares.
    func forEachValueChunk(_ body: (UnsafeBufferPointer<UInt8>, Int) -> Void) throws {
        var seen = 0 // bytes of the file, header included
        let expected = headerSize + valueCount
        try file.stream { chunk in
            let bytes = chunk.bindMemory(to: UInt8.self)
            let start = max(0, headerSize - seen), end = min(bytes.count, expected - seen)
            if start < end { body(UnsafeBufferPointer(rebasing: bytes[start..<end]), seen + start - headerSize) }
            seen += bytes.count
            return seen <= expected
        }
        guard seen == expected else {
            throw DatasetError(file: path, problem: "IDX dimensions \(dimensions) need \(expected) bytes but the file has \(seen > expected ? "more" : String(seen))" + (seen < expected ? " (truncated)" : ""))
        }
    }
}

extension Dataset {
    /// Class names of Fashion-MNIST, by label.
    public static let fashionMNISTClassNames = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]

    /// Where Debian's `dataset-fashion-mnist` package installs the files.
    public static let debianFashionMNISTDirectory = "/usr/share/datasets/fashion-mnist"

    /// Images (and optionally labels) from IDX files, plain or gzipped: images `[n, h, w]`
    /// unsigned bytes scaled by 1/255 to `[n, 1, h, w]`, labels `[n]`.
    ///
    /// - Throws: `DatasetError` naming the file: bad magic, unsupported type, wrong rank,
    ///   size not matching the header, or label count ≠ image count.
    public static func idx(images: String, labels: String? = nil, name: String? = nil) throws -> Dataset {
        try idxParts([(images, labels)], name: name ?? "idx \((images as NSString).lastPathComponent)", classNames: nil)
    }

    /// MNIST from a folder holding `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
    /// `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte` (each optionally `.gz`).
    public static func mnist(directory: String, split: DatasetSplit = .all) throws -> Dataset {
        try mnistLayout(directory: directory, split: split, name: "mnist", classNames: (0..<10).map(String.init))
    }

    /// Fashion-MNIST (same file layout as MNIST); by default from Debian's package folder.
    public static func fashionMNIST(directory: String = debianFashionMNISTDirectory, split: DatasetSplit = .all) throws -> Dataset {
        try mnistLayout(directory: directory, split: split, name: "fashion-mnist", classNames: fashionMNISTClassNames)
    }

    private static func mnistLayout(directory: String, split: DatasetSplit, name: String, classNames: [String]) throws -> Dataset {
        let prefixes: [String]
        switch split {
        case .train: prefixes = ["train"]
        case .test: prefixes = ["t10k"]
        case .all: prefixes = ["train", "t10k"]
        case .val: throw DatasetError(file: directory, problem: "\(name) has no val split (use train, test or all)")
        }
        func locate(_ stem: String) throws -> String {
            let names = [stem, stem + ".gz", stem.replacingOccurrences(of: "-idx", with: ".idx"),
                         stem.replacingOccurrences(of: "-idx", with: ".idx") + ".gz"]
            guard let found = DataFile.firstExisting(names.map { (directory as NSString).appendingPathComponent($0) }) else {
                throw DatasetError(file: directory, problem: "no \(stem) or \(stem).gz in this folder")
            }
            return found
        }
        let parts = try prefixes.map { (try locate("\($0)-images-idx3-ubyte"), Optional(try locate("\($0)-labels-idx1-ubyte"))) }
        return try idxParts(parts, name: "\(name) (\(split.rawValue))", classNames: classNames)
    }

    /// Reads every header first, allocates one tensor for all images, then streams each file's
    /// bytes straight into it: the only large allocation is the Float storage itself.
    private static func idxParts(_ parts: [(images: String, labels: String?)], name: String, classNames: [String]?) throws -> Dataset {
        var imageFiles = [IDXFile](), labelFiles = [IDXFile]()
        for (imagesPath, labelsPath) in parts {
            let images = try IDXFile(path: imagesPath)
            guard images.dimensions.count == 3 else {
                throw DatasetError(file: imagesPath, problem: "expected 3 dimensions [n, height, width] for images, found \(images.dimensions)")
            }
            if let first = imageFiles.first, first.dimensions.dropFirst() != images.dimensions.dropFirst() {
                throw DatasetError(file: imagesPath, problem: "images are \(images.dimensions.dropFirst().map(String.init).joined(separator: "x")), other parts \(first.dimensions.dropFirst().map(String.init).joined(separator: "x"))")
            }
            if let labelsPath {
                let labels = try IDXFile(path: labelsPath)
                guard labels.dimensions.count == 1 else {
                    throw DatasetError(file: labelsPath, problem: "expected 1 dimension [n] for labels, found \(labels.dimensions)")
                }
                guard labels.dimensions[0] == images.dimensions[0] else {
                    throw DatasetError(file: labelsPath, problem: "\(labels.dimensions[0]) labels for \(images.dimensions[0]) images in \(imagesPath)")
                }
                labelFiles.append(labels)
            }
            imageFiles.append(images)
        }
        var labels: [Int]?
        if labelFiles.count == parts.count {
            var all = [Int]()
            for file in labelFiles { try file.forEachValueChunk { chunk, _ in all.append(contentsOf: chunk.lazy.map { Int($0) }) } }
            labels = all
        }
        let first = imageFiles[0]
        let layout = SampleLayout.image(channels: 1, height: first.dimensions[1], width: first.dimensions[2])
        // Each file holds its values (checked against its length), so their sum is allocatable.
        let valueCount = try DatasetError.naming(first.path) {
            try CheckedSize.sum(imageFiles.map(\.valueCount), field: "IDX image counts")
        }
        _ = try layout.checkedValueCount(file: first.path)
        guard valueCount > 0 else { throw DatasetError(file: first.path, problem: "holds no images (a data set needs at least one)") }
        // Uninitialised: every value is written once by the streaming pass (which throws otherwise).
        let storage = try [Float](unsafeUninitializedCapacity: valueCount) { out, initialised in
            var offset = 0
            for file in imageFiles {
                try file.forEachValueChunk { chunk, first in scaleBytes(chunk, into: out.baseAddress! + offset + first) }
                offset += file.valueCount
            }
            initialised = offset
        }
        return try decoded(from: first.path, name: name, layout: layout, storage: storage, labels: labels, classNames: classNames)
    }
}

/// Writes `bytes[i] / 255` to `target[i]`.
func scaleBytes(_ bytes: UnsafeBufferPointer<UInt8>, into target: UnsafeMutablePointer<Float>) {
    for index in 0..<bytes.count { target[index] = Float(bytes[index]) / 255 }
}
