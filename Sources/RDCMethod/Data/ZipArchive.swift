// Layer: method (R-DC), data. May use CZlib, SafeFiles and Foundation; never the session, sockets
// or pictures. Every size and offset in the archive is checked against the file's length.

import CZlib
import Foundation
import SafeFiles
import NumericCore

/// A read-only zip archive (what numpy's `.npz` files are): the central directory is read
/// from the file's end; members may be stored or deflated; zip64 sizes and offsets are honoured.
struct ZipArchive {
    /// One file inside the archive, as the central directory describes it.
    struct Member {
        let name: String
        let method: Int
        let flags: Int
        let crc: UInt32
        let compressedSize: Int
        let uncompressedSize: Int
        let localHeaderOffset: Int
    }

    let path: String
    private let bytes: [UInt8]
    /// The members, in central-directory order.
    let members: [Member]

    /// Reads `path` and its central directory.
    init(path: String) throws {
        let bytes = try DatasetError.naming(path) { try SafeFile.read(path) }
        self.path = path
        self.bytes = bytes
        self.members = try DatasetError.naming(path) { try Self.centralDirectory(bytes, path: path) }
    }

    /// The member called `name`, or nil.
    func member(named name: String) -> Member? { members.first { $0.name == name } }

    /// The uncompressed bytes of `member`, CRC-checked.
    func contents(of member: Member) throws -> [UInt8] {
        let reader = ZipFieldReader(bytes: bytes, file: path)
        let at = member.localHeaderOffset
        guard try reader.u32(at) == 0x0403_4b50 else {
            throw DatasetError(file: path, problem: "member \(member.name): bad local header signature (corrupt zip)")
        }
        let start = at + 30 + Int(try reader.u16(at + 26)) + Int(try reader.u16(at + 28))
        guard start <= bytes.count, member.compressedSize <= bytes.count - start else {
            throw DatasetError(file: path, problem: "member \(member.name) extends past the end of the file (truncated)")
        }
        guard member.flags & 1 == 0 else { throw DatasetError(file: path, problem: "member \(member.name) is encrypted") }
        let output: [UInt8]
        switch member.method {
        case 0:
            guard member.compressedSize == member.uncompressedSize else {
                throw DatasetError(file: path, problem: "stored member \(member.name) has different compressed and uncompressed sizes")
            }
            output = Array(bytes[start ..< start + member.compressedSize])
        case 8:
            output = try bytes.withUnsafeBytes { raw in
                try Inflater.inflateRaw(UnsafeRawBufferPointer(rebasing: raw[start ..< start + member.compressedSize]),
                                        expectedSize: member.uncompressedSize, file: path, what: "member \(member.name)")
            }
        default:
            throw DatasetError(file: path, problem: "member \(member.name) uses compression method \(member.method) (only stored and deflate are supported)")
        }
        let crc = output.withUnsafeBufferPointer { buffer in
            stride(from: 0, to: buffer.count, by: 1 << 30).reduce(UInt(0)) { crc, start in
                crc32(crc, buffer.baseAddress! + start, UInt32(min(1 << 30, buffer.count - start)))
            }
        }
        guard UInt32(truncatingIfNeeded: crc) == member.crc else {
            throw DatasetError(file: path, problem: "member \(member.name) fails its CRC check (corrupt)")
        }
        return output
    }

    private static func centralDirectory(_ bytes: [UInt8], path: String) throws -> [Member] {
        let reader = ZipFieldReader(bytes: bytes, file: path)
        guard bytes.count >= 22 else { throw DatasetError(file: path, problem: "too short to be a zip archive (\(bytes.count) bytes)") }
        var end = -1
        for candidate in stride(from: bytes.count - 22, through: max(0, bytes.count - 22 - 65_535), by: -1)
        where bytes[candidate] == 0x50 && (try? reader.u32(candidate)) == 0x0605_4b50 {
            end = candidate
            break
        }
        guard end >= 0 else {
            throw DatasetError(file: path, problem: "not a zip archive (no end-of-central-directory record; truncated or not .npz)")
        }
        var entryCount = Int(try reader.u16(end + 10))
        var directoryOffset = Int(try reader.u32(end + 16))
        if entryCount == 0xFFFF || directoryOffset == 0xFFFF_FFFF {
            guard end >= 20, try reader.u32(end - 20) == 0x0706_4b50 else {
                throw DatasetError(file: path, problem: "zip64 archive without a zip64 locator")
            }
            let record = try CheckedSize.integer(try reader.u64(end - 20 + 8), field: "zip64 end record offset")
            guard try reader.u32(record) == 0x0606_4b50 else { throw DatasetError(file: path, problem: "bad zip64 end record") }
            entryCount = try CheckedSize.integer(try reader.u64(record + 32), field: "zip64 entry count")
            directoryOffset = try CheckedSize.integer(try reader.u64(record + 48), field: "zip64 central directory offset")
        }
        // Each central directory entry takes at least 46 bytes.
        _ = try CheckedSize.bytes(entryCount, of: 46, within: bytes.count - min(directoryOffset, bytes.count),
                                  field: "zip entry count")
        var members = [Member]()
        var at = directoryOffset
        for _ in 0..<entryCount {
            guard try reader.u32(at) == 0x0201_4b50 else {
                throw DatasetError(file: path, problem: "bad central directory entry at byte \(at) (corrupt zip)")
            }
            let nameLength = Int(try reader.u16(at + 28)), extraLength = Int(try reader.u16(at + 30))
            let commentLength = Int(try reader.u16(at + 32))
            guard at + 46 + nameLength + extraLength <= bytes.count else {
                throw DatasetError(file: path, problem: "central directory runs past the end of the file")
            }
            var uncompressed = Int(try reader.u32(at + 24)), compressed = Int(try reader.u32(at + 20))
            var offset = Int(try reader.u32(at + 42))
            // Zip64 extra field: 8-byte values for exactly the fields saturated above, in order.
            var extra = at + 46 + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let id = try reader.u16(extra), size = Int(try reader.u16(extra + 2))
                if id == 1 {
                    var field = extra + 4
                    if uncompressed == 0xFFFF_FFFF {
                        uncompressed = try CheckedSize.integer(try reader.u64(field), field: "zip64 uncompressed size")
                        field += 8
                    }
                    if compressed == 0xFFFF_FFFF {
                        compressed = try CheckedSize.integer(try reader.u64(field), field: "zip64 compressed size")
                        field += 8
                    }
                    if offset == 0xFFFF_FFFF { offset = try CheckedSize.integer(try reader.u64(field), field: "zip64 member offset") }
                }
                extra += 4 + size
            }
            members.append(Member(
                name: String(decoding: bytes[at + 46 ..< at + 46 + nameLength], as: UTF8.self),
                method: Int(try reader.u16(at + 10)), flags: Int(try reader.u16(at + 8)), crc: try reader.u32(at + 16),
                compressedSize: compressed, uncompressedSize: uncompressed, localHeaderOffset: offset))
            at += 46 + nameLength + extraLength + commentLength
        }
        return members
    }
}

/// Bounds-checked little-endian reads at arbitrary offsets of a zip file, with errors naming the file.
struct ZipFieldReader {
    let bytes: [UInt8]
    let file: String

    func u16(_ at: Int) throws -> UInt16 { UInt16(truncatingIfNeeded: try value(at, 2)) }
    func u32(_ at: Int) throws -> UInt32 { UInt32(truncatingIfNeeded: try value(at, 4)) }
    func u64(_ at: Int) throws -> UInt64 { try value(at, 8) }

    private func value(_ at: Int, _ size: Int) throws -> UInt64 {
        guard at >= 0, at <= bytes.count - size else {
            throw DatasetError(file: file, problem: "unexpected end of file at byte \(at) (truncated)")
        }
        var result: UInt64 = 0
        for index in stride(from: size - 1, through: 0, by: -1) { result = result << 8 | UInt64(bytes[at + index]) }
        return result
    }
}
