// Layer: tests of the method's loaders and checkpoints against hostile files: every file that
// once crashed the process, allocated terabytes or loaded wrong now gets a clear error naming
// the file, the field and the value (issue 10).

import Foundation
import RDCMethod
import XCTest
import NumericCore

final class HostileInputTests: XCTestCase {
    private func write(_ bytes: [UInt8], _ name: String, in folder: URL) throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    func testSyntheticDataTooLargeForMemoryIsRefused() {
        assertThrows(try Dataset.syntheticShapes(count: 1_000_000, classes: 4, size: 256),
                     containing: ["n=1000000 images of 256×256", "lower n or size"])
    }

    // MARK: IDX

    func testIDXHeaderClaimingFortyTerabytesIsRefusedBeforeAllocating() throws {
        let folder = try temporaryFolder(self)
        let file = try write(FileBuilder.idx(dimensions: [100_000, 10_000, 10_000], values: [UInt8](repeating: 0, count: 1008)),
                             "huge", in: folder)
        assertThrows(try Dataset.idx(images: file),
                     containing: ["huge", "IDX dimensions [100000, 10000, 10000]", "need 10000000000016 bytes", "has 1024", "truncated"])
        assertThrows(try Dataset.idx(images: try write(FileBuilder.gzip(try Data(contentsOf: URL(fileURLWithPath: file)).map { $0 }),
                                                       "huge.gz", in: folder)),
                     containing: ["huge.gz", "IDX dimensions", "truncated"])
    }

    func testIDXDimensionsOf0xFFFFFFFFAreAnOverflowNotATrap() throws {
        let folder = try temporaryFolder(self)
        let file = try write(FileBuilder.idx(dimensions: [0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF], values: []), "overflow", in: folder)
        assertThrows(try Dataset.idx(images: file), containing: ["overflow", "IDX dimensions [4294967295, 4294967295, 4294967295]", "overflows"])
    }

    func testDataSetsWithoutImagesAreRefusedAtLoad() throws {
        let folder = try temporaryFolder(self)
        let empty = try write(FileBuilder.idx(dimensions: [0, 28, 28], values: []), "empty", in: folder)
        assertThrows(try Dataset.idx(images: empty), containing: ["empty", "no images"])
        let flat = try write(FileBuilder.idx(dimensions: [2, 0, 28], values: []), "flat", in: folder)
        assertThrows(try Dataset.idx(images: flat), containing: ["flat", "shape [1, 0, 28]", "extent 0"])
        assertThrows(try Dataset.csv(path: try write(Array("a,b,label\n".utf8), "header-only.csv", in: folder)),
                     containing: ["header-only.csv", "no data rows"])
        let npz = FileBuilder.zip([
            ("train_images.npy", FileBuilder.npy(dtype: "|u1", shape: [0, 2, 2], data: [])),
            ("train_labels.npy", FileBuilder.npy(dtype: "<i8", shape: [0], data: [])),
        ])
        assertThrows(try Dataset.npz(path: try write(npz, "empty.npz", in: folder), split: .train), containing: ["empty.npz", "no images"])
    }

    // MARK: CSV

    func testCSVShapeWhoseSizeOverflowsIsAnErrorNotATrap() throws {
        let folder = try temporaryFolder(self)
        let file = try write(Array("1,2,0\n3,4,1\n".utf8), "small.csv", in: folder)
        assertThrows(try Dataset.csv(path: file, layout: .image(channels: 4_294_967_296, height: 4_294_967_296, width: 1)),
                     containing: ["small.csv", "shape [4294967296, 4294967296, 1]", "overflows"])
        assertThrows(try Dataset.csv(path: file, layout: .image(channels: 0, height: 1, width: 2)),
                     containing: ["small.csv", "shape", "extent 0"])
    }

    func testCSVFirstRowWithAByteOrderMarkIsDataAndATypoIsNamed() throws {
        let folder = try temporaryFolder(self)
        let bom = try Dataset.csv(path: try write(Array("\u{FEFF}1,2,3\n4,5,6\n".utf8), "bom.csv", in: folder), scale: 10)
        XCTAssertEqual(bom.count, 2)
        XCTAssertEqual(bom.labels, [3, 6])
        assertThrows(try Dataset.csv(path: try write(Array("1O,2,3\n4,5,6\n".utf8), "typo.csv", in: folder)),
                     containing: ["typo.csv", "row 1, column 1", "'1O' is not a number"])
        // A real header (no number in it) is still skipped.
        XCTAssertEqual(try Dataset.csv(path: try write(Array("x,y,label\n4,5,6\n".utf8), "header.csv", in: folder), scale: 10).count, 1)
    }

    // MARK: npz and gzip

    func testNPZFloatLabelsThatAreNotWholeNumbersAreRefused() throws {
        let folder = try temporaryFolder(self)
        let labels = [Float](arrayLiteral: 0, 0.5, 1, 1.5).flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init) }
        let npz = FileBuilder.zip([
            ("train_images.npy", FileBuilder.npy(dtype: "|u1", shape: [4, 2, 2], data: [UInt8](repeating: 9, count: 16))),
            ("train_labels.npy", FileBuilder.npy(dtype: "<f4", shape: [4], data: labels)),
        ])
        assertThrows(try Dataset.npz(path: try write(npz, "float-labels.npz", in: folder), split: .train),
                     containing: ["float-labels.npz:train_labels.npy", "label 0.5 at index 1", "not a whole number"])
    }

    func testNPYShapeLargerThanItsDataIsRefused() throws {
        let folder = try temporaryFolder(self)
        let npz = FileBuilder.zip([
            ("train_images.npy", FileBuilder.npy(dtype: "<f8", shape: [Int.max / 4, 2, 2], data: [UInt8](repeating: 0, count: 8))),
            ("train_labels.npy", FileBuilder.npy(dtype: "<i8", shape: [1], data: [UInt8](repeating: 0, count: 8))),
        ])
        assertThrows(try Dataset.npz(path: try write(npz, "lying.npz", in: folder), split: .train),
                     containing: ["lying.npz:train_images.npy", "shape", "overflows"])
    }

    func testGzipBombIsStoppedAtTheSizeItsTrailerDeclares() throws {
        let folder = try temporaryFolder(self)
        var bomb = FileBuilder.gzip([UInt8](repeating: 0, count: 5_000_000))
        XCTAssertLessThan(bomb.count, 10_000)
        bomb.replaceSubrange((bomb.count - 4)..., with: [100, 0, 0, 0]) // claims 100 bytes
        assertThrows(try Dataset.csv(path: try write(bomb, "bomb.csv.gz", in: folder)),
                     containing: ["bomb.csv.gz", "inflates to more than the 100 bytes declared"])
        bomb.replaceSubrange((bomb.count - 4)..., with: [0xFF, 0xFF, 0xFF, 0xFF]) // claims 4 GiB from 5 KB
        assertThrows(try Dataset.csv(path: try write(bomb, "liar.csv.gz", in: folder)),
                     containing: ["liar.csv.gz", "declares 4294967295 bytes", "truncated or corrupt"])
    }

    func testFilesThatAreNotThereOrAreFoldersSayWhyInPlainWords() throws {
        let folder = try temporaryFolder(self)
        assertThrows(try Dataset.csv(path: folder.path), containing: [folder.path, "is a folder, not a file"])
        assertThrows(try Dataset.npz(path: folder.appendingPathComponent("none.npz").path), containing: ["none.npz", "does not exist"])
        assertThrows(try Checkpoint.read(from: folder.path), containing: [folder.path, "is a folder"])
    }

    // MARK: checkpoints

    private func smallCheckpoint(clustering: ClusteringRecord? = nil) throws -> Checkpoint {
        let blueprint = try ModelBlueprint(kind: .conv, inputShape: [1, 8, 8], latentSize: 2)
        return Checkpoint(state: TrainingState(blueprint: blueprint, seed: 1), clustering: clustering)
    }

    /// `bytes` with the u32 at `offset` set to `value` and the CRC recomputed, as a hostile
    /// editor would.
    private func edited(_ bytes: [UInt8], at offset: Int, to value: UInt32) -> [UInt8] {
        var result = bytes
        result.replaceSubrange(offset..<(offset + 4), with: withUnsafeBytes(of: value.littleEndian, Array.init))
        var writer = ByteWriter()
        writer.append(CRC32.checksum(result.dropLast(4)))
        result.replaceSubrange((result.count - 4)..., with: writer.bytes)
        return result
    }

    func testCheckpointWithEditedDimensionsAndRecomputedCRCIsRefusedBeforeBuilding() throws {
        let bytes = try smallCheckpoint().encoded()
        // magic 8, version 4, "conv" 4 + 4, rank 4: the dimensions start at byte 24.
        let enlarged = edited(edited(bytes, at: 28, to: 100_000), at: 32, to: 100_000)
        assertThrows(try Checkpoint.decode(enlarged), containing: ["autoencoder", "[1, 100000, 100000]", "parameter values"])
        let overflowing = edited(edited(edited(bytes, at: 24, to: .max), at: 28, to: .max), at: 32, to: .max)
        assertThrows(try Checkpoint.decode(overflowing), containing: ["too large"])
        let rankAt = 20
        assertThrows(try Checkpoint.decode(edited(bytes, at: rankAt, to: 0xFFFF_FFFF)), containing: ["implausible input rank"])
    }

    func testCheckpointClusterIdsOutsideTheClusteringAreRefused() throws {
        for (method, bad) in [("kmeans", 1000), ("kmeans", -7), ("kmeans", -1), ("dbscan", -7)] {
            let record = ClusteringRecord(method: method, clusterCount: 3, assignments: [0, 2, bad, 1], space: "raw")
            assertThrows(try Checkpoint.decode(try smallCheckpoint(clustering: record).encoded()),
                         containing: ["sample 2 is in cluster \(bad)", "\(method) clustering of 3 clusters"])
        }
        let noise = ClusteringRecord(method: "dbscan", clusterCount: 2, assignments: [0, -1, 1], space: "raw")
        XCTAssertEqual(try Checkpoint.decode(try smallCheckpoint(clustering: noise).encoded()).clustering, noise)
    }

    func testSavingTwiceKeepsALoadableCheckpointAndAFolderIsNeverReplaced() throws {
        let folder = try temporaryFolder(self)
        let path = folder.appendingPathComponent("a.ckpt").path
        let checkpoint = try smallCheckpoint(clustering: ClusteringRecord(method: "kmeans", clusterCount: 2, assignments: [0, 1], space: "raw"))
        try checkpoint.write(to: path)
        try checkpoint.write(to: path)
        XCTAssertEqual(try Checkpoint.read(from: path).clustering, checkpoint.clustering)
        let taken = folder.appendingPathComponent("taken")
        try FileManager.default.createDirectory(at: taken, withIntermediateDirectories: false)
        try Data("keep".utf8).write(to: taken.appendingPathComponent("inside"))
        assertThrows(try checkpoint.write(to: taken.path), containing: ["taken", "is a folder"])
        XCTAssertEqual(try String(contentsOf: taken.appendingPathComponent("inside"), encoding: .utf8), "keep")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted(), ["a.ckpt", "taken"])
    }

    func testBlueprintParameterCountsMatchTheNetworksItBuilds() throws {
        for blueprint in [try ModelBlueprint(kind: .conv, inputShape: [1, 8, 8], latentSize: 2),
                          try ModelBlueprint(kind: .conv, inputShape: [3, 13, 9], latentSize: 5),
                          try ModelBlueprint(kind: .dense, inputShape: [1, 3, 3], latentSize: 4)] {
            var generator = SeededGenerator(seed: 0)
            let autoencoder = blueprint.makeAutoencoder(generator: &generator), critic = blueprint.makeCritic(generator: &generator)
            let counts = try blueprint.parameterCounts()
            XCTAssertEqual(counts.autoencoder, autoencoder.parameterValues.reduce(0) { $0 + $1.count }, "\(blueprint)")
            XCTAssertEqual(counts.critic, critic.network.parameterValues.reduce(0) { $0 + $1.count }, "\(blueprint)")
        }
        XCTAssertThrowsError(try ModelBlueprint(kind: .dense, inputShape: [Int.max, 2], latentSize: 2))
    }
}
