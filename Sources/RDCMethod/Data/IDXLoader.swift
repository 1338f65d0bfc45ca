// Layer: method (R-DC), data. May use NumericCore and Foundation; never the session, sockets or pictures.

import Foundation

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

/// An IDX array (the MNIST file format) of unsigned bytes, parsed in place.
struct IDXArray {
    /// Extent of each dimension.
    let dimensions: [Int]
    /// The whole file, inflated.
    let bytes: [UInt8]
    /// Where the values start in `bytes`.
    let valuesOffset: Int

    /// Reads and validates an IDX file (gzipped or not) whose element type must be unsigned byte.
    init(path: String) throws {
        let bytes = try DataFile.read(path)
        guard bytes.count >= 4, bytes[0] == 0, bytes[1] == 0 else {
            throw DatasetError(file: path, problem: "not an IDX file (bad magic number: expected 00 00 type rank)")
        }
        guard bytes[2] == 0x08 else {
            throw DatasetError(file: path, problem: String(format: "IDX element type 0x%02x is not supported (only 0x08, unsigned byte)", bytes[2]))
        }
        let rank = Int(bytes[3])
        guard rank >= 1, bytes.count >= 4 + 4 * rank else {
            throw DatasetError(file: path, problem: "IDX header declares \(rank) dimensions but the file is only \(bytes.count) bytes")
        }
        var dimensions = [Int]()
        for axis in 0..<rank {
            let at = 4 + 4 * axis
            dimensions.append(Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3]))
        }
        let expected = 4 + 4 * rank + dimensions.reduce(1, *)
        guard bytes.count == expected else {
            throw DatasetError(file: path, problem: "IDX dimensions \(dimensions) need \(expected) bytes but the file has \(bytes.count)" + (bytes.count < expected ? " (truncated)" : ""))
        }
        self.dimensions = dimensions
        self.bytes = bytes
        self.valuesOffset = 4 + 4 * rank
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

    /// Reads every (images, labels) pair, then converts all bytes into one preallocated tensor
    /// (the only large allocation besides the raw bytes).
    private static func idxParts(_ parts: [(images: String, labels: String?)], name: String, classNames: [String]?) throws -> Dataset {
        var imageFiles = [IDXArray]()
        var labels: [Int]? = parts.allSatisfy { $0.labels != nil } ? [] : nil
        for (imagesPath, labelsPath) in parts {
            let images = try IDXArray(path: imagesPath)
            guard images.dimensions.count == 3 else {
                throw DatasetError(file: imagesPath, problem: "expected 3 dimensions [n, height, width] for images, found \(images.dimensions)")
            }
            if let first = imageFiles.first, first.dimensions.dropFirst() != images.dimensions.dropFirst() {
                throw DatasetError(file: imagesPath, problem: "images are \(images.dimensions.dropFirst().map(String.init).joined(separator: "x")), other parts \(first.dimensions.dropFirst().map(String.init).joined(separator: "x"))")
            }
            if let labelsPath, labels != nil {
                let file = try IDXArray(path: labelsPath)
                guard file.dimensions.count == 1 else {
                    throw DatasetError(file: labelsPath, problem: "expected 1 dimension [n] for labels, found \(file.dimensions)")
                }
                guard file.dimensions[0] == images.dimensions[0] else {
                    throw DatasetError(file: labelsPath, problem: "\(file.dimensions[0]) labels for \(images.dimensions[0]) images in \(imagesPath)")
                }
                labels!.append(contentsOf: file.bytes[file.valuesOffset...].lazy.map { Int($0) })
            }
            imageFiles.append(images)
        }
        let height = imageFiles[0].dimensions[1], width = imageFiles[0].dimensions[2]
        let total = imageFiles.reduce(0) { $0 + $1.dimensions[0] }
        var storage = [Float](repeating: 0, count: total * height * width)
        var offset = 0
        storage.withUnsafeMutableBufferPointer { out in
            for file in imageFiles {
                let count = file.bytes.count - file.valuesOffset
                file.bytes.withUnsafeBufferPointer { source in
                    scaleBytes(UnsafeBufferPointer(rebasing: source[file.valuesOffset...]), into: out.baseAddress! + offset)
                }
                offset += count
            }
        }
        imageFiles.removeAll()
        return Dataset(name: name, layout: .image(channels: 1, height: height, width: width),
                       samples: Tensor(shape: [total, 1, height, width], storage: storage),
                       labels: labels, classNames: classNames)
    }
}

/// Writes `bytes[i] / 255` to `target[i]`.
func scaleBytes(_ bytes: UnsafeBufferPointer<UInt8>, into target: UnsafeMutablePointer<Float>) {
    for index in 0..<bytes.count { target[index] = Float(bytes[index]) / 255 }
}
