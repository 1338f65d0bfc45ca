import CZlib
import Foundation
import RDCMethod
import XCTest

/// Builders for small files in each supported format.
enum FileBuilder {
    static func idx(dimensions: [Int], values: [UInt8], type: UInt8 = 0x08) -> [UInt8] {
        var bytes: [UInt8] = [0, 0, type, UInt8(dimensions.count)]
        for extent in dimensions { bytes += [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: extent >> $0) } }
        return bytes + values
    }

    static func gzip(_ bytes: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        precondition(deflateInit2_(&stream, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                                   Int32(MemoryLayout<z_stream>.size)) == Z_OK)
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(bytes.count))) + 32)
        var input = bytes
        let produced: Int = input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                stream.next_in = source.baseAddress
                stream.avail_in = UInt32(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = UInt32(target.count)
                precondition(deflate(&stream, Z_FINISH) == Z_STREAM_END)
                return target.count - Int(stream.avail_out)
            }
        }
        return Array(output.prefix(produced))
    }

    static func npy(dtype: String, shape: [Int], data: [UInt8]) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(dtype)', 'fortran_order': False, 'shape': \(shapeText), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 255), UInt8(header.utf8.count >> 8)]
            + Array(header.utf8) + data
    }

    static func int64(_ values: [Int]) -> [UInt8] {
        values.flatMap { value in (0..<8).map { UInt8(truncatingIfNeeded: Int64(value) >> (8 * $0)) } }
    }

    /// A zip archive with stored (uncompressed) members.
    static func zip(_ members: [(String, [UInt8])]) -> [UInt8] {
        func le(_ value: Int, _ size: Int) -> [UInt8] { (0..<size).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        var body = [UInt8](), directory = [UInt8]()
        for (name, data) in members {
            let crc = data.withUnsafeBufferPointer { Int(crc32(0, $0.baseAddress, UInt32($0.count))) }
            let nameBytes = Array(name.utf8), offset = body.count
            body += le(0x0403_4b50, 4) + le(20, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(crc, 4)
                + le(data.count, 4) + le(data.count, 4) + le(nameBytes.count, 2) + le(0, 2) + nameBytes + data
            directory += le(0x0201_4b50, 4) + le(20, 2) + le(20, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(crc, 4)
                + le(data.count, 4) + le(data.count, 4) + le(nameBytes.count, 2) + le(0, 2) + le(0, 2)
                + le(0, 2) + le(0, 2) + le(0, 4) + le(offset, 4) + nameBytes
        }
        return body + directory + le(0x0605_4b50, 4) + le(0, 2) + le(0, 2) + le(members.count, 2) + le(members.count, 2)
            + le(directory.count, 4) + le(body.count, 4) + le(0, 2)
    }
}

final class DataLoaderTests: XCTestCase {
    private func write(_ bytes: [UInt8], _ name: String, in folder: URL) throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    func testIDXPlainAndGzipped() throws {
        let folder = try temporaryFolder(self)
        let pixels: [UInt8] = (0..<(3 * 2 * 4)).map { UInt8($0 * 10) }
        let images = FileBuilder.idx(dimensions: [3, 2, 4], values: pixels)
        let labels = FileBuilder.idx(dimensions: [3], values: [7, 0, 2])
        for gzipped in [false, true] {
            let transform = gzipped ? FileBuilder.gzip : { $0 }
            let data = try Dataset.idx(images: try write(transform(images), "i\(gzipped)", in: folder),
                                       labels: try write(transform(labels), "l\(gzipped)", in: folder))
            XCTAssertEqual(data.samples.shape, [3, 1, 2, 4])
            XCTAssertEqual(data.layout, .image(channels: 1, height: 2, width: 4))
            XCTAssertEqual(data.labels, [7, 0, 2])
            XCTAssertEqual(data.samples.storage, pixels.map { Float($0) / 255 })
        }
    }

    func testMNISTFolderLayoutAndSplits() throws {
        let folder = try temporaryFolder(self)
        _ = try write(FileBuilder.gzip(FileBuilder.idx(dimensions: [2, 3, 3], values: [UInt8](repeating: 255, count: 18))), "train-images-idx3-ubyte.gz", in: folder)
        _ = try write(FileBuilder.idx(dimensions: [2], values: [1, 2]), "train-labels-idx1-ubyte", in: folder)
        _ = try write(FileBuilder.idx(dimensions: [1, 3, 3], values: [UInt8](repeating: 0, count: 9)), "t10k-images-idx3-ubyte", in: folder)
        _ = try write(FileBuilder.idx(dimensions: [1], values: [9]), "t10k-labels-idx1-ubyte", in: folder)
        let all = try Dataset.mnist(directory: folder.path, split: .all)
        XCTAssertEqual(all.samples.shape, [3, 1, 3, 3])
        XCTAssertEqual(all.labels, [1, 2, 9])
        XCTAssertEqual(all.samples.storage.prefix(18).allSatisfy { $0 == 1 }, true)
        XCTAssertEqual(try Dataset.mnist(directory: folder.path, split: .test).labels, [9])
        assertThrows(try Dataset.mnist(directory: folder.path, split: .val), containing: ["no val split"])
        assertThrows(try Dataset.mnist(directory: folder.appendingPathComponent("nothing").path),
                     containing: ["nothing", "no train-images-idx3-ubyte"])
    }

    func testMalformedIDXFilesNameTheProblem() throws {
        let folder = try temporaryFolder(self)
        let goodLabels = try write(FileBuilder.idx(dimensions: [2], values: [0, 1]), "labels", in: folder)
        let badMagic = try write([1, 2, 8, 3] + [UInt8](repeating: 0, count: 20), "magic", in: folder)
        assertThrows(try Dataset.idx(images: badMagic, labels: goodLabels), containing: ["magic", "bad magic number"])
        let truncated = try write(Array(FileBuilder.idx(dimensions: [2, 2, 2], values: [UInt8](repeating: 0, count: 8)).dropLast(3)), "short", in: folder)
        assertThrows(try Dataset.idx(images: truncated, labels: goodLabels), containing: ["short", "need 24 bytes", "has 21", "truncated"])
        let truncatedGzip = try write(Array(FileBuilder.gzip(FileBuilder.idx(dimensions: [50, 2, 2], values: (0..<200).map { UInt8($0) })).prefix(30)), "short.gz", in: folder)
        assertThrows(try Dataset.idx(images: truncatedGzip), containing: ["short.gz", "truncated"])
        let images = try write(FileBuilder.idx(dimensions: [3, 2, 2], values: [UInt8](repeating: 0, count: 12)), "images", in: folder)
        assertThrows(try Dataset.idx(images: images, labels: goodLabels), containing: ["labels", "2 labels for 3 images"])
        let flat = try write(FileBuilder.idx(dimensions: [3, 4], values: [UInt8](repeating: 0, count: 12)), "flat", in: folder)
        assertThrows(try Dataset.idx(images: flat), containing: ["flat", "expected 3 dimensions"])
        let floats = try write(FileBuilder.idx(dimensions: [1], values: [0, 0, 0, 0], type: 0x0D), "floats", in: folder)
        assertThrows(try Dataset.idx(images: floats), containing: ["floats", "0x0d"])
        assertThrows(try Dataset.idx(images: folder.appendingPathComponent("absent").path), containing: ["absent", "does not exist"])
    }

    func testCSVWithLabelColumnsShapeAndScale() throws {
        let folder = try temporaryFolder(self)
        let text = "a,b,c,d,label\n0,4,8,16,3\n16,16,0,0,1\n"
        let last = try Dataset.csv(path: try write(FileBuilder.gzip(Array(text.utf8)), "x.csv.gz", in: folder),
                                   labelColumn: .last, layout: .image(channels: 1, height: 2, width: 2), scale: 16)
        XCTAssertEqual(last.samples.shape, [2, 1, 2, 2])
        XCTAssertEqual(last.samples.storage, [0, 0.25, 0.5, 1, 1, 1, 0, 0])
        XCTAssertEqual(last.labels, [3, 1])
        let first = try Dataset.csv(path: try write(Array("5,0,10\n6,10,5\n".utf8), "f.csv", in: folder), labelColumn: .first)
        XCTAssertEqual(first.labels, [5, 6])
        XCTAssertEqual(first.layout, .vector(length: 2))
        XCTAssertEqual(first.samples.storage, [0, 1, 1, 0.5]) // min–max scaled without `scale`
        let none = try Dataset.csv(path: try write(Array("0.5,0.25\n".utf8), "n.csv", in: folder), labelColumn: .none)
        XCTAssertNil(none.labels)
        XCTAssertEqual(none.samples.storage, [0.5, 0.25])

        let ragged = try write(Array("1,2,3\n4,5\n".utf8), "ragged.csv", in: folder)
        assertThrows(try Dataset.csv(path: ragged), containing: ["ragged.csv", "row 2 has 2 values"])
        let words = try write(Array("1,2\n3,x\n".utf8), "words.csv", in: folder)
        assertThrows(try Dataset.csv(path: words), containing: ["words.csv", "row 2", "'x' is not a number"])
        let label = try write(Array("1,2.5\n".utf8), "label.csv", in: folder)
        assertThrows(try Dataset.csv(path: label), containing: ["label.csv", "not an integer"])
        assertThrows(try Dataset.csv(path: ragged.replacingOccurrences(of: "ragged", with: "f"), layout: .image(channels: 1, height: 2, width: 2)),
                     containing: ["2 feature values", "needs 4"])
        assertThrows(try Dataset.csv(path: words.replacingOccurrences(of: "words", with: "f"), labelColumn: .first, scale: 5),
                     containing: ["outside [0, scale = 5.0]"])
    }

    func testDigitsFromScikitLearn() throws {
        guard let path = Dataset.locateDigitsCSV() else { throw XCTSkip("scikit-learn's digits.csv.gz not found") }
        let digits = try Dataset.digits(path: path)
        XCTAssertEqual(digits.samples.shape, [1797, 1, 8, 8])
        XCTAssertEqual(Set(digits.labels!), Set(0..<10))
        XCTAssertEqual(digits.samples.storage.max(), 1)
        XCTAssertEqual(Dataset.locateDigitsCSV(environment: ["RDC_DIGITS_CSV": "/x/d.csv.gz"]), "/x/d.csv.gz")
    }

    private func medmnistMembers(imageShape: [Int], counts: [String: Int]) -> [(String, [UInt8])] {
        var members = [(String, [UInt8])]()
        for split in ["train", "val", "test"] {
            let n = counts[split]!
            let values = n * imageShape.reduce(1, *)
            members.append(("\(split)_images.npy", FileBuilder.npy(dtype: "|u1", shape: [n] + imageShape, data: (0..<values).map { UInt8($0 % 256) })))
            members.append(("\(split)_labels.npy", FileBuilder.npy(dtype: "<i8", shape: [n, 1], data: FileBuilder.int64((0..<n).map { $0 % 3 }))))
        }
        return members
    }

    func testNPZTwoDimensionalThreeDimensionalAndRGB() throws {
        let folder = try temporaryFolder(self)
        let flat = try write(FileBuilder.zip(medmnistMembers(imageShape: [4, 5], counts: ["train": 3, "val": 1, "test": 2])), "flat.npz", in: folder)
        let all = try Dataset.npz(path: flat)
        XCTAssertEqual(all.samples.shape, [6, 1, 4, 5])
        XCTAssertEqual(all.labels, [0, 1, 2, 0, 0, 1])
        XCTAssertEqual(all.samples.storage[61], 1 / 255) // first values of the val split
        XCTAssertEqual(try Dataset.npz(path: flat, split: .val).samples.storage, (0..<20).map { Float($0) / 255 })

        let volume = try write(FileBuilder.zip(medmnistMembers(imageShape: [3, 4, 5], counts: ["train": 2, "val": 1, "test": 1])), "volume.npz", in: folder)
        let train = try Dataset.npz(path: volume, split: .train)
        XCTAssertEqual(train.layout, .volume(depth: 3, height: 4, width: 5))
        XCTAssertEqual(train.samples.shape, [2, 1, 3, 4, 5])

        let rgb = try write(FileBuilder.zip(medmnistMembers(imageShape: [2, 2, 3], counts: ["train": 1, "val": 1, "test": 1])), "rgb.npz", in: folder)
        let colour = try Dataset.npz(path: rgb, split: .test)
        XCTAssertEqual(colour.layout, .image(channels: 3, height: 2, width: 2))
        // HWC bytes 0…11 become planes R = 0,3,6,9; G = 1,4,7,10; B = 2,5,8,11.
        XCTAssertEqual(colour.samples.storage.map { Int(($0 * 255).rounded()) }, [0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11])
    }

    func testDeflatedNPZWrittenByNumpy() throws {
        let path = fixturesDirectory.appendingPathComponent("medmnist_small_compressed.npz").path
        let expected = try loadFixture("medmnist_small_compressed.json")
        for split in ["train", "val", "test"] {
            let data = try Dataset.npz(path: path, split: DatasetSplit(rawValue: split)!)
            let truth = expected[split] as! [String: Any]
            XCTAssertEqual(data.samples.shape.dropFirst(), [1, 5, 4])
            XCTAssertEqual(data.samples.storage, (truth["images"] as! [Int]).map { Float($0) / 255 })
            XCTAssertEqual(data.labels, truth["labels"] as? [Int])
        }
    }

    func testMalformedNPZFilesNameTheProblem() throws {
        let folder = try temporaryFolder(self)
        var members = medmnistMembers(imageShape: [4, 4], counts: ["train": 2, "val": 1, "test": 1])
        let missing = try write(FileBuilder.zip(members.filter { $0.0 != "val_labels.npy" }), "missing.npz", in: folder)
        assertThrows(try Dataset.npz(path: missing), containing: ["missing.npz", "missing key 'val_labels'", "train_images"])
        XCTAssertNoThrow(try Dataset.npz(path: missing, split: .train))

        members[1].1 = FileBuilder.npy(dtype: "<i8", shape: [3, 1], data: FileBuilder.int64([0, 1, 2]))
        let count = try write(FileBuilder.zip(members), "count.npz", in: folder)
        assertThrows(try Dataset.npz(path: count, split: .train), containing: ["count.npz:train_labels.npy", "3 labels for 2 images"])

        members = medmnistMembers(imageShape: [4, 4], counts: ["train": 2, "val": 1, "test": 1])
        members[0].1 = FileBuilder.npy(dtype: "|u1", shape: [2, 16], data: [UInt8](repeating: 0, count: 32))
        let dims = try write(FileBuilder.zip(members), "dims.npz", in: folder)
        assertThrows(try Dataset.npz(path: dims, split: .train), containing: ["dims.npz:train_images.npy", "[2, 16]"])

        members[0].1 = Array(FileBuilder.npy(dtype: "|u1", shape: [2, 4, 4], data: [UInt8](repeating: 0, count: 32)).dropLast(5))
        let short = try write(FileBuilder.zip(members), "short.npz", in: folder)
        assertThrows(try Dataset.npz(path: short, split: .train), containing: ["short.npz:train_images.npy", "needs 32 bytes", "truncated"])

        members[0].1 = FileBuilder.npy(dtype: ">f8", shape: [2, 1, 1], data: [UInt8](repeating: 0, count: 16))
        let bigEndian = try write(FileBuilder.zip(members), "big.npz", in: folder)
        assertThrows(try Dataset.npz(path: bigEndian, split: .train), containing: ["dtype >f8 is not supported"])

        let whole = FileBuilder.zip(medmnistMembers(imageShape: [4, 4], counts: ["train": 2, "val": 1, "test": 1]))
        let cut = try write(Array(whole.prefix(whole.count - 30)), "cut.npz", in: folder)
        assertThrows(try Dataset.npz(path: cut), containing: ["cut.npz", "not a zip archive"])
        var corrupt = whole
        corrupt[200] ^= 0xFF
        let flipped = try write(corrupt, "flipped.npz", in: folder)
        assertThrows(try Dataset.npz(path: flipped), containing: ["flipped.npz", "CRC"])
    }

    func testCIFARRecordsAndErrors() throws {
        let folder = try temporaryFolder(self)
        func record(_ label: UInt8, _ base: Int) -> [UInt8] { [label] + (0..<3072).map { UInt8(($0 + base) % 256) } }
        for index in 1...5 { _ = try write(record(UInt8(index), index), "data_batch_\(index).bin", in: folder) }
        _ = try write(record(9, 0) + record(0, 7), "test_batch.bin", in: folder)
        let all = try Dataset.cifar10(directory: folder.path)
        XCTAssertEqual(all.samples.shape, [7, 3, 32, 32])
        XCTAssertEqual(all.labels, [1, 2, 3, 4, 5, 9, 0])
        XCTAssertEqual(all.classNames?[9], "truck")
        XCTAssertEqual(all.samples.storage[3072 * 6 + 1024], Float((1024 + 7) % 256) / 255) // green plane of the last record
        XCTAssertEqual(try Dataset.cifar10(directory: folder.path, split: .test).count, 2)

        _ = try write(record(9, 0) + Array(record(0, 0).prefix(100)), "test_batch.bin", in: folder)
        assertThrows(try Dataset.cifar10(directory: folder.path, split: .test), containing: ["test_batch.bin", "3173", "3073-byte records"])
        _ = try write(record(12, 0), "test_batch.bin", in: folder)
        assertThrows(try Dataset.cifar10(directory: folder.path, split: .test), containing: ["test_batch.bin", "record 0 has label 12"])
        try FileManager.default.removeItem(atPath: folder.appendingPathComponent("data_batch_3.bin").path)
        assertThrows(try Dataset.cifar10(directory: folder.path, split: .train), containing: ["no data_batch_3.bin"])
    }

    func testSyntheticShapesAreDeterministicAndLabelled() throws {
        let a = try Dataset.syntheticShapes(count: 40, classes: 8, size: 16, seed: 3)
        XCTAssertEqual(a.samples.shape, [40, 1, 16, 16])
        XCTAssertEqual(a.labels, (0..<40).map { $0 % 8 })
        XCTAssertEqual(a.classNames, SyntheticShape.allCases.map(\.rawValue))
        XCTAssertEqual(a.samples, try Dataset.syntheticShapes(count: 40, classes: 8, size: 16, seed: 3).samples)
        XCTAssertNotEqual(a.samples, try Dataset.syntheticShapes(count: 40, classes: 8, size: 16, seed: 4).samples)
        XCTAssertTrue(a.samples.storage.allSatisfy { $0 >= 0 && $0 <= 1 })
        // Every image draws something: its brightest pixel is well above the noise.
        for sample in 0..<40 { XCTAssertGreaterThan(a.samples.storage[(sample * 256)..<((sample + 1) * 256)].max()!, 0.5) }
        // Noise-free disks are brighter on average than noise-free rings of the same draw.
        let clean = try Dataset.syntheticShapes(count: 2, classes: 1, size: 28, noise: 0, seed: 1)
        XCTAssertEqual(Set(clean.samples.storage.filter { $0 > 0 }).count > 1, true)
        assertThrows(try Dataset.syntheticShapes(classes: 9), containing: ["classes must be 1–8"])
        assertThrows(try Dataset.syntheticShapes(size: 4), containing: ["size must be 8–256", "got 4"])
    }

    func testLimitKeepsOrderAndIsSeeded() throws {
        let data = try Dataset.syntheticShapes(count: 50, classes: 5, size: 8, seed: 1)
        let subset = try data.limited(to: 12, seed: 9)
        XCTAssertEqual(subset.count, 12)
        XCTAssertEqual(subset.samples, try data.limited(to: 12, seed: 9).samples)
        // Kept rows appear in their original order: find each in the source.
        var last = -1
        for row in 0..<12 {
            let values = Array(subset.samples.storage[(row * 64)..<((row + 1) * 64)])
            let source = (0..<50).first { Array(data.samples.storage[($0 * 64)..<(($0 + 1) * 64)]) == values }!
            XCTAssertGreaterThan(source, last)
            XCTAssertEqual(subset.labels![row], data.labels![source])
            last = source
        }
        XCTAssertEqual(try data.limited(to: 500, seed: 1).count, 50)
        assertThrows(try data.limited(to: 0, seed: 1), containing: ["limit must be at least 1"])
    }

    func testFashionMNISTFromDebianPackage() throws {
        let folder = Dataset.debianFashionMNISTDirectory
        guard FileManager.default.fileExists(atPath: folder + "/train-images-idx3-ubyte.gz") else {
            throw XCTSkip("Debian's dataset-fashion-mnist is not installed")
        }
        let data = try Dataset.fashionMNIST(split: .all)
        XCTAssertEqual(data.samples.shape, [70_000, 1, 28, 28])
        XCTAssertEqual(Set(data.labels!), Set(0..<10))
        XCTAssertEqual(data.labels!.filter { $0 == 9 }.count, 7000)
        XCTAssertEqual(data.samples.storage.max(), 1)
        XCTAssertEqual(data.classNames?.first, "T-shirt/top")
    }
}
