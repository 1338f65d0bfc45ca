// Layer: method (R-DC), data. May use NumericCore, SafeFiles and Foundation; never the session,
// sockets or pictures.

import Foundation
import SafeFiles

extension Dataset {
    /// CIFAR-10's class names, by label (used when `batches.meta.txt` is absent).
    public static let cifar10ClassNames = [
        "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
    ]

    /// CIFAR-10 from the folder of its binary version: `data_batch_1.bin` … `data_batch_5.bin`
    /// (train) and `test_batch.bin` (test), each optionally `.gz`; every record is one label
    /// byte then 3,072 bytes (1,024 red, green, blue, row-major), giving `.image(3, 32, 32)`.
    ///
    /// - Throws: `DatasetError` naming the file for a missing batch, a size that is not whole
    ///   records, or a label outside 0–9.
    public static func cifar10(directory: String, split: DatasetSplit = .all) throws -> Dataset {
        let stems: [String]
        switch split {
        case .train: stems = (1...5).map { "data_batch_\($0).bin" }
        case .test: stems = ["test_batch.bin"]
        case .all: stems = (1...5).map { "data_batch_\($0).bin" } + ["test_batch.bin"]
        case .val: throw DatasetError(file: directory, problem: "cifar10 has no val split (use train, test or all)")
        }
        let recordSize = 1 + 3072
        var files = [(path: String, bytes: [UInt8])]()
        for stem in stems {
            let candidates = [stem, stem + ".gz"].map { (directory as NSString).appendingPathComponent($0) }
            guard let path = DataFile.firstExisting(candidates) else {
                throw DatasetError(file: directory, problem: "no \(stem) or \(stem).gz in this folder")
            }
            let bytes = try DataFile.read(path)
            guard !bytes.isEmpty, bytes.count % recordSize == 0 else {
                throw DatasetError(file: path, problem: "size \(bytes.count) is not a whole number of \(recordSize)-byte records (truncated?)")
            }
            files.append((path, bytes))
        }
        let total = files.reduce(0) { $0 + $1.bytes.count / recordSize }
        var storage = [Float](repeating: 0, count: total * 3072)
        var labels = [Int]()
        labels.reserveCapacity(total)
        var sample = 0
        try storage.withUnsafeMutableBufferPointer { out in
            for (path, bytes) in files {
                try bytes.withUnsafeBufferPointer { source in
                    for record in 0..<(bytes.count / recordSize) {
                        let label = Int(source[record * recordSize])
                        guard label < 10 else {
                            throw DatasetError(file: path, problem: "record \(record) has label \(label) (expected 0–9)")
                        }
                        labels.append(label)
                        scaleBytes(UnsafeBufferPointer(rebasing: source[record * recordSize + 1 ..< (record + 1) * recordSize]),
                                   into: out.baseAddress! + sample * 3072)
                        sample += 1
                    }
                }
            }
        }
        let metaPath = (directory as NSString).appendingPathComponent("batches.meta.txt")
        let names = (try? SafeFile.read(metaPath, limit: 1 << 16)).map { String(decoding: $0, as: UTF8.self) }?
            .split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return try decoded(from: directory, name: "cifar10 (\(split.rawValue))", layout: .image(channels: 3, height: 32, width: 32),
                           storage: storage, labels: labels, classNames: names?.count == 10 ? names : cifar10ClassNames)
    }
}
