// Layer: tests (fuzzing). May use RDCMethod (and so NumericCore), CZlib and Foundation; ships in
// no product. The targets of the file parsers: the data loaders (through files, as a user's
// `data` command reads them), checkpoints and parameter archives (checksums recomputed after
// each mutation, so it reaches the fields behind them). Also compiled into the libFuzzer
// binaries of scripts/fuzz.sh, so it needs nothing of XCTest.

import CZlib
import Foundation
@testable import RDCMethod
import NumericCore

/// The targets, each a parser of untrusted bytes.
enum FuzzTargets {
    /// The file-format targets, in the order the suite runs them.
    static func fileTargets(scratch: ScratchFolder) throws -> [FuzzTarget] {
        [idx(scratch), gzip(scratch), inflate, csv(scratch), npy, zip(scratch), npz(scratch), cifar(scratch),
         try checkpoint(), parameterArchive]
    }

    // MARK: data files

    static func idx(_ scratch: ScratchFolder) -> FuzzTarget {
        let images = Seeds.idx(dimensions: [3, 4, 4], values: (0..<48).map { UInt8($0 * 5) })
        return FuzzTarget(name: "idx", seeds: [images, Seeds.gzip(images), Seeds.idx(dimensions: [2], values: [1, 2])]) { input in
            _ = try Dataset.idx(images: scratch.write(input, as: "images"))
        }
    }

    static func gzip(_ scratch: ScratchFolder) -> FuzzTarget {
        let text = Array("0,1,2,3\n4,5,6,7\n".utf8)
        // The magic bytes are kept, or most mutants would be read as plain files.
        return FuzzTarget(name: "gzip", seeds: [Seeds.gzip(text), Seeds.gzip([UInt8](repeating: 0, count: 5000)), Seeds.gzip([])],
                          parse: { input in _ = try DataFile.read(scratch.write(input, as: "data.gz")) },
                          repair: { [0x1f, 0x8b] + $0.dropFirst(2) })
    }

    /// Raw deflate as in zip members: 4 bytes of declared size (little-endian), then the stream.
    static let inflate = FuzzTarget(name: "inflate", seeds: [Seeds.sizePrefixed(Array("hello hello hello".utf8)),
                                                            Seeds.sizePrefixed([UInt8](repeating: 7, count: 3000))]) { input in
        guard input.count >= 4 else { throw DatasetError(file: "fuzz", problem: "short") }
        let declared = Int(input[0]) | Int(input[1]) << 8 | Int(input[2]) << 16 | Int(input[3]) << 24
        _ = try Array(input.dropFirst(4)).withUnsafeBytes { try Inflater.inflateRaw($0, expectedSize: declared, file: "fuzz", what: "member") }
    }

    static func csv(_ scratch: ScratchFolder) -> FuzzTarget {
        let seeds = ["a,b,c,d,label\n0,4,8,16,3\n16,16,0,0,1\n", "\u{FEFF}1,2,3,4,0\n5,6,7,8,1\n", "0.5,0.25\n1,0\n"].map { Array($0.utf8) }
        return FuzzTarget(name: "csv", seeds: seeds + [Seeds.gzip(seeds[0])]) { input in
            // Odd lengths read 2×2 images, even lengths flat vectors: both layout paths.
            let layout: SampleLayout? = input.count % 2 == 1 ? .image(channels: 1, height: 2, width: 2) : nil
            _ = try Dataset.csv(path: scratch.write(input, as: "data.csv"), labelColumn: .last, layout: layout)
        }
    }

    static let npy = FuzzTarget(name: "npy", seeds: Seeds.npyArrays) { input in
        let array = try NPYArray(bytes: input, source: "fuzz.npy")
        var sum = 0.0
        array.forEachValue { _, value in sum += value }
    }

    static func zip(_ scratch: ScratchFolder) -> FuzzTarget {
        FuzzTarget(name: "zip", seeds: Seeds.npzArchives) { input in
            let archive = try ZipArchive(path: scratch.write(input, as: "archive.zip"))
            for member in archive.members { _ = try archive.contents(of: member) }
        }
    }

    static func npz(_ scratch: ScratchFolder) -> FuzzTarget {
        FuzzTarget(name: "npz", seeds: Seeds.npzArchives) { input in
            _ = try Dataset.npz(path: scratch.write(input, as: "data.npz"), split: .train)
        }
    }

    static func cifar(_ scratch: ScratchFolder) -> FuzzTarget {
        let record = [UInt8(3)] + (0..<3072).map { UInt8(truncatingIfNeeded: $0) }
        return FuzzTarget(name: "cifar", seeds: [record, record + record, Seeds.gzip(record)]) { input in
            _ = scratch.write(input, as: "test_batch.bin")
            _ = try Dataset.cifar10(directory: scratch.path, split: .test)
        }
    }

    // MARK: checkpoints and parameter archives

    /// A small conv model's checkpoint with history, optimiser moments, Phase 2 targets and a
    /// clustering, so every section of the format is there to mutate.
    static func checkpoint() throws -> FuzzTarget {
        let blueprint = try ModelBlueprint(kind: .conv, inputShape: [1, 8, 8], latentSize: 2)
        var state = TrainingState(blueprint: blueprint, seed: 1)
        let sizes = state.critic.network.parameterValues.map(\.count)
        state.pretrainOptimizers.critic.firstMoments = sizes.prefix(2).map { [Float](repeating: 0.5, count: $0) }
        state.pretrainOptimizers.critic.secondMoments = sizes.prefix(2).map { [Float](repeating: 0.25, count: $0) }
        state.pretrainOptimizers.critic.step = 3
        state.pretrainEpochs = 1
        state.history = [EpochRecord(phase: .pretrain, epoch: 1, losses: [NamedLoss("recon", 0.5), NamedLoss("acai", 0.1)], seconds: 2)]
        state.phase1Embeddings = Tensor(shape: [4, 2], storage: [0, 1, 1, 0, 0.5, 0.5, 1, 1])
        state.proximity = (ProximityTargets(targetRow: [0, -1, 1, -1], targets: Tensor(shape: [2, 2], storage: [1, 0, 0, 1]),
                                            meanKeptNeighbours: 1.5,
                                            neighbourCounts: NeighbourCountSummary(mean: 7.5, standardDeviation: 2.5, smallest: 5, largest: 10)), 0)
        let clustering = ClusteringRecord(method: "dbscan", clusterCount: 2, assignments: [0, 1, -1, 1], space: "raw")
        let seed = Checkpoint(state: state, clustering: clustering).encoded()
        // 1.5 MB, about 15 ms an input (checksums and building the networks): a fifth of a share.
        return FuzzTarget(name: "checkpoint", seeds: [seed], parse: { input in _ = try Checkpoint.decode(input) },
                          repair: Seeds.recomputingCRC, share: 0.2)
    }

    static let parameterArchive = FuzzTarget(
        name: "parameter-archive",
        seeds: [ParameterArchive.encode([Tensor(shape: [2, 3], storage: [1, 2, 3, 4, 5, 6]), Tensor(shape: [3], repeating: 0.5)]),
                ParameterArchive.encode([])],
        parse: { input in _ = try ParameterArchive.decode(input) },
        repair: Seeds.recomputingCRC)
}

/// A folder for the files the loaders read, written with plain system calls (no fsync: these
/// are thrown away at once).
struct ScratchFolder {
    let path: String

    init() throws {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        path = "\(base)/rdc-fuzz-\(getpid())"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Writes `bytes` to `name` in the folder and returns the file's path.
    @discardableResult
    func write(_ bytes: [UInt8], as name: String) -> String {
        let file = "\(path)/\(name)"
        let descriptor = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        precondition(descriptor >= 0, "cannot write the scratch file \(file)")
        bytes.withUnsafeBytes { _ = Glibc.write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        return file
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Builders of valid inputs.
enum Seeds {
    static func idx(dimensions: [Int], values: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [0, 0, 0x08, UInt8(dimensions.count)]
        for extent in dimensions { bytes += [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: extent >> $0) } }
        return bytes + values
    }

    /// `bytes` deflated: as a gzip file (`windowBits` 31) or a raw stream (−15).
    static func deflate(_ bytes: [UInt8], windowBits: Int32) -> [UInt8] {
        var stream = z_stream()
        precondition(deflateInit2_(&stream, 6, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
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
                precondition(CZlib.deflate(&stream, Z_FINISH) == Z_STREAM_END)
                return target.count - Int(stream.avail_out)
            }
        }
        return Array(output.prefix(produced))
    }

    static func gzip(_ bytes: [UInt8]) -> [UInt8] { deflate(bytes, windowBits: 15 + 16) }

    static func sizePrefixed(_ bytes: [UInt8]) -> [UInt8] {
        (0..<4).map { UInt8(truncatingIfNeeded: bytes.count >> (8 * $0)) } + deflate(bytes, windowBits: -15)
    }

    static func npy(dtype: String, shape: [Int], data: [UInt8]) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(dtype)', 'fortran_order': False, 'shape': \(shapeText), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 255), UInt8(header.utf8.count >> 8)]
            + Array(header.utf8) + data
    }

    static let npyArrays: [[UInt8]] = [
        npy(dtype: "|u1", shape: [2, 2, 2], data: [0, 50, 100, 150, 200, 250, 255, 1]),
        npy(dtype: "<i8", shape: [2], data: (0..<16).map { $0 == 8 ? 1 : 0 }),
        npy(dtype: "<f4", shape: [2, 1], data: [0, 0, 0, 0, 0, 0, 0x80, 0x3f]),
    ]

    /// A zip archive of `members`, stored or deflated.
    static func zip(_ members: [(String, [UInt8])], deflated: Bool) -> [UInt8] {
        func le(_ value: Int, _ size: Int) -> [UInt8] { (0..<size).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        var body = [UInt8](), directory = [UInt8]()
        for (name, data) in members {
            let crc = data.withUnsafeBufferPointer { Int(crc32(0, $0.baseAddress, UInt32($0.count))) }
            let stored = deflated ? deflate(data, windowBits: -15) : data, method = deflated ? 8 : 0
            let nameBytes = Array(name.utf8), offset = body.count
            body += le(0x0403_4b50, 4) + le(20, 2) + le(0, 2) + le(method, 2) + le(0, 4) + le(crc, 4)
                + le(stored.count, 4) + le(data.count, 4) + le(nameBytes.count, 2) + le(0, 2) + nameBytes + stored
            directory += le(0x0201_4b50, 4) + le(20, 2) + le(20, 2) + le(0, 2) + le(method, 2) + le(0, 4) + le(crc, 4)
                + le(stored.count, 4) + le(data.count, 4) + le(nameBytes.count, 2) + le(0, 2) + le(0, 2)
                + le(0, 2) + le(0, 2) + le(0, 4) + le(offset, 4) + nameBytes
        }
        return body + directory + le(0x0605_4b50, 4) + le(0, 2) + le(0, 2) + le(members.count, 2) + le(members.count, 2)
            + le(directory.count, 4) + le(body.count, 4) + le(0, 2)
    }

    static let npzArchives: [[UInt8]] = {
        let members = [("train_images.npy", npy(dtype: "|u1", shape: [2, 2, 2], data: [0, 50, 100, 150, 200, 250, 255, 1])),
                       ("train_labels.npy", npy(dtype: "<i8", shape: [2, 1], data: (0..<16).map { $0 == 8 ? 1 : 0 }))]
        return [zip(members, deflated: false), zip(members, deflated: true)]
    }()

    /// `bytes` with its last four bytes replaced by the CRC-32 of the rest (checkpoints,
    /// parameter archives), so a mutation gets past the checksum to the fields behind it.
    static func recomputingCRC(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.count >= 4 else { return bytes }
        var repaired = Array(bytes.dropLast(4))
        var writer = ByteWriter()
        writer.append(CRC32.checksum(repaired))
        repaired += writer.bytes
        return repaired
    }
}
