// Layer: method (R-DC), data. May use NumericCore and Foundation; never the session, sockets or pictures.

import Foundation
import NumericCore

/// A `.npy` array: header parsed, values still raw little-endian bytes.
struct NPYArray {
    /// numpy's type string, e.g. `|u1`, `<f4`, `<i8`.
    let dtype: String
    let shape: [Int]
    /// Number of values (the product of `shape`, checked against the data's length).
    let count: Int
    let bytes: [UInt8]
    let valuesOffset: Int

    private static let supportedKinds: Set<String> = ["u1", "i1", "b1", "u2", "i2", "u4", "i4", "u8", "i8", "f4", "f8"]

    /// Parses `bytes` as a .npy file; `source` names it in errors (e.g. `file.npz:train_images.npy`).
    init(bytes: [UInt8], source: String) throws {
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw DatasetError(file: source, problem: "not a .npy array (bad magic number)")
        }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1: headerLength = Int(bytes[8]) | Int(bytes[9]) << 8; headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw DatasetError(file: source, problem: "truncated .npy header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default: throw DatasetError(file: source, problem: ".npy format version \(major) is not supported")
        }
        guard headerStart + headerLength <= bytes.count else { throw DatasetError(file: source, problem: "truncated .npy header") }
        let header = String(decoding: bytes[headerStart ..< headerStart + headerLength], as: UTF8.self)
        func field(_ key: String) throws -> Substring {
            guard let keyRange = header.range(of: "'\(key)':") else {
                throw DatasetError(file: source, problem: ".npy header has no '\(key)': \(header)")
            }
            return header[keyRange.upperBound...].drop { $0 == " " }
        }
        let descrField = try field("descr")
        guard descrField.first == "'", let close = descrField.dropFirst().firstIndex(of: "'") else {
            throw DatasetError(file: source, problem: "unreadable dtype in .npy header: \(header)")
        }
        let dtype = String(descrField[descrField.index(after: descrField.startIndex) ..< close])
        if try field("fortran_order").hasPrefix("True") {
            throw DatasetError(file: source, problem: "Fortran-ordered arrays are not supported")
        }
        let shapeField = try field("shape")
        guard shapeField.first == "(", let shapeEnd = shapeField.firstIndex(of: ")") else {
            throw DatasetError(file: source, problem: "unreadable shape in .npy header: \(header)")
        }
        var shape = [Int]()
        for part in shapeField[shapeField.index(after: shapeField.startIndex) ..< shapeEnd].split(separator: ",") {
            let text = part.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            guard let extent = Int(text.hasSuffix("L") ? String(text.dropLast()) : text), extent >= 0 else {
                throw DatasetError(file: source, problem: "unreadable shape in .npy header: \(header)")
            }
            shape.append(extent)
        }
        let order = dtype.first, kind = String(dtype.dropFirst())
        guard ["<", "|", "="].contains(order), Self.supportedKinds.contains(kind) else {
            throw DatasetError(file: source, problem: "dtype \(dtype) is not supported (little-endian integers, bool, float32, float64)")
        }
        let itemSize = Int(kind.dropFirst())!
        let available = bytes.count - headerStart - headerLength
        let expected = try DatasetError.naming(source) {
            try CheckedSize.bytes(try CheckedSize.product(shape, field: "shape"), of: itemSize, within: available,
                                  field: "shape", value: "\(shape) of \(dtype)")
        }
        guard available == expected else {
            throw DatasetError(file: source, problem: "shape \(shape) of \(dtype) needs \(expected) bytes of data but there are \(available)")
        }
        self.count = expected / itemSize
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
        self.valuesOffset = headerStart + headerLength
    }

    /// Whether the values are unsigned bytes (images to be scaled by 1/255).
    var isBytes: Bool { dtype.hasSuffix("u1") }

    /// Calls `body(index, value)` for every value in storage order, converted to Double.
    func forEachValue(_ body: (Int, Double) -> Void) {
        bytes.withUnsafeBytes { raw in
            let base = raw.baseAddress! + valuesOffset
            func each<T>(_ type: T.Type, _ convert: (T) -> Double) {
                for index in 0..<count { body(index, convert(base.loadUnaligned(fromByteOffset: index * MemoryLayout<T>.size, as: T.self))) }
            }
            switch dtype.dropFirst() {
            case "u1", "b1": each(UInt8.self) { Double($0) }
            case "i1": each(Int8.self) { Double($0) }
            case "u2": each(UInt16.self) { Double(UInt16(littleEndian: $0)) }
            case "i2": each(Int16.self) { Double(Int16(littleEndian: $0)) }
            case "u4": each(UInt32.self) { Double(UInt32(littleEndian: $0)) }
            case "i4": each(Int32.self) { Double(Int32(littleEndian: $0)) }
            case "u8": each(UInt64.self) { Double(UInt64(littleEndian: $0)) }
            case "i8": each(Int64.self) { Double(Int64(littleEndian: $0)) }
            case "f4": each(UInt32.self) { Double(Float(bitPattern: UInt32(littleEndian: $0))) }
            default: each(UInt64.self) { Double(bitPattern: UInt64(littleEndian: $0)) }
            }
        }
    }
}

extension Dataset {
    /// A MedMNIST-style `.npz` archive with members `{train,val,test}_{images,labels}.npy`.
    ///
    /// Images `[n, h, w]` become `.image(1, h, w)`, `[n, h, w, 3]` become `.image(3, h, w)`
    /// (transposed to channel-planar), other `[n, d, h, w]` become `.volume(d, h, w)`. `uint8`
    /// values are divided by 255; other types are min–max scaled unless already in [0, 1].
    /// Labels `[n]` or `[n, 1]`.
    ///
    /// - Throws: `DatasetError` naming the file (and member) for a missing key, a bad zip or
    ///   .npy structure, unsupported dtype or rank, a shape the data cannot hold, multi-label
    ///   or non-integral labels, a label count that differs from the image count, or no images.
    public static func npz(path: String, split: DatasetSplit = .all, name: String? = nil) throws -> Dataset {
        let archive = try ZipArchive(path: path)
        let parts: [String] = split == .all ? ["train", "val", "test"] : [split.rawValue]
        func array(_ key: String) throws -> NPYArray {
            guard let member = archive.member(named: key + ".npy") ?? archive.member(named: key) else {
                let keys = archive.members.map { $0.name.replacingOccurrences(of: ".npy", with: "") }.joined(separator: ", ")
                throw DatasetError(file: path, problem: "missing key '\(key)' (the archive has: \(keys))")
            }
            return try NPYArray(bytes: try archive.contents(of: member), source: "\(path):\(member.name)")
        }
        var layout: SampleLayout?
        var storage = [Float]()
        var labels = [Int]()
        var allBytes = true
        for part in parts {
            let images = try array("\(part)_images"), labelArray = try array("\(part)_labels")
            let source = "\(path):\(part)_images.npy"
            let partLayout = try sampleLayout(ofImageShape: images.shape, source: source)
            _ = try partLayout.checkedValueCount(file: source)
            if let layout, layout != partLayout {
                throw DatasetError(file: source, problem: "samples are \(partLayout), earlier splits \(layout)")
            }
            layout = partLayout
            let count = images.shape[0]
            guard labelArray.shape.count == 1 || (labelArray.shape.count == 2 && labelArray.shape[1] == 1) else {
                throw DatasetError(file: "\(path):\(part)_labels.npy", problem: "labels of shape \(labelArray.shape) are not one class per sample (multi-label data is not supported)")
            }
            guard labelArray.shape[0] == count else {
                throw DatasetError(file: "\(path):\(part)_labels.npy", problem: "\(labelArray.shape[0]) labels for \(count) images")
            }
            var nonIntegral: (index: Int, value: Double)?
            labelArray.forEachValue { index, value in
                guard value == value.rounded(), abs(value) < 1e9 else {
                    if nonIntegral == nil { nonIntegral = (index, value) }
                    return
                }
                labels.append(Int(value))
            }
            if let (index, value) = nonIntegral {
                throw DatasetError(file: "\(path):\(part)_labels.npy", problem: "label \(value) at index \(index) is not a whole number (class labels must be integers)")
            }
            allBytes = allBytes && images.isBytes
            let start = storage.count
            storage.append(contentsOf: repeatElement(0, count: images.count))
            let valuesPerSample = partLayout.valueCount
            storage.withUnsafeMutableBufferPointer { out in
                let target = out.baseAddress! + start
                if case let .image(3, height, width) = partLayout, images.shape.count == 4 {
                    // [n, h, w, 3] → [n, 3, h, w]
                    let plane = height * width
                    images.forEachValue { index, value in
                        let sample = index / valuesPerSample, within = index % valuesPerSample
                        target[sample * valuesPerSample + (within % 3) * plane + within / 3] = Float(value)
                    }
                } else {
                    images.forEachValue { index, value in target[index] = Float(value) }
                }
            }
        }
        if allBytes {
            for index in storage.indices { storage[index] /= 255 }
        } else {
            try scaleToUnitInterval(&storage, scale: nil, file: path)
        }
        return try decoded(from: path, name: name ?? "npz \((path as NSString).lastPathComponent) (\(split.rawValue))",
                           layout: layout!, storage: storage, labels: labels)
    }

    private static func sampleLayout(ofImageShape shape: [Int], source: String) throws -> SampleLayout {
        switch shape.count {
        case 3: return .image(channels: 1, height: shape[1], width: shape[2])
        case 4 where shape[3] == 3: return .image(channels: 3, height: shape[1], width: shape[2])
        case 4: return .volume(depth: shape[1], height: shape[2], width: shape[3])
        default:
            throw DatasetError(file: source, problem: "images of shape \(shape) are neither [n, h, w], [n, h, w, 3] nor [n, d, h, w]")
        }
    }
}
