// Layer: method (R-DC), data. May use CZlib and Foundation; never the session, sockets or pictures.

import CZlib

/// zlib inflation of gzip files and of raw deflate streams (zip members), streamed in chunks
/// so large files never need a second whole-file buffer.
enum Inflater {
    /// Inflates a gzip file (all members, concatenated) into one array; the trailer's size
    /// field sizes the allocation.
    static func gunzip(_ input: UnsafeRawBufferPointer, file: String) throws -> [UInt8] {
        var output = [UInt8]()
        if input.count >= 18 {
            let tail = input.count - 4
            output.reserveCapacity(Int(input[tail]) | Int(input[tail + 1]) << 8 | Int(input[tail + 2]) << 16 | Int(input[tail + 3]) << 24)
        }
        try stream(input, windowBits: 15 + 32, file: file, what: "gzip data") { chunk in
            output.append(contentsOf: chunk)
            return true
        }
        return output
    }

    /// Inflates a raw deflate stream that must produce exactly `expectedSize` bytes.
    static func inflateRaw(_ input: UnsafeRawBufferPointer, expectedSize: Int, file: String, what: String) throws -> [UInt8] {
        var output = [UInt8]()
        output.reserveCapacity(expectedSize)
        try stream(input, windowBits: -15, file: file, what: what) { chunk in
            guard output.count + chunk.count <= expectedSize else {
                throw DatasetError(file: file, problem: "\(what) inflates to more than the \(expectedSize) bytes declared")
            }
            output.append(contentsOf: chunk)
            return true
        }
        guard output.count == expectedSize else {
            throw DatasetError(file: file, problem: "\(what) inflates to \(output.count) bytes, \(expectedSize) declared")
        }
        return output
    }

    /// Inflates `input` chunk by chunk, handing each chunk to `consume`; stops early when
    /// `consume` returns false. `windowBits` 15 + 32 detects zlib/gzip headers; −15 is raw deflate.
    ///
    /// - Throws: `DatasetError` for truncated or corrupt data, or whatever `consume` throws.
    static func stream(
        _ input: UnsafeRawBufferPointer, windowBits: Int32, file: String, what: String, chunkSize: Int = 1 << 18,
        _ consume: (UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        var stream = z_stream()
        guard inflateInit2_(&stream, windowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DatasetError(file: file, problem: "zlib could not start inflating \(what)")
        }
        defer { inflateEnd(&stream) }
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { chunk.deallocate() }
        guard let inputBase = input.baseAddress else {
            throw DatasetError(file: file, problem: "\(what) is empty")
        }
        var consumed = 0
        while true {
            stream.next_in = UnsafeMutablePointer(mutating: inputBase.assumingMemoryBound(to: UInt8.self) + consumed)
            stream.avail_in = UInt32(min(input.count - consumed, Int(UInt32.max)))
            stream.next_out = chunk.baseAddress!.assumingMemoryBound(to: UInt8.self)
            stream.avail_out = UInt32(chunkSize)
            let availableBefore = stream.avail_in
            let status = CZlib.inflate(&stream, Z_NO_FLUSH)
            consumed += Int(availableBefore - stream.avail_in)
            let produced = chunkSize - Int(stream.avail_out)
            if produced > 0, try !consume(UnsafeRawBufferPointer(rebasing: chunk[0..<produced])) { return }
            switch status {
            case Z_STREAM_END:
                // Another gzip member may follow (concatenated .gz files).
                if windowBits > 0, input.count - consumed >= 2, input[consumed] == 0x1f, input[consumed + 1] == 0x8b {
                    inflateReset(&stream)
                    continue
                }
                return
            case Z_OK:
                continue
            case Z_BUF_ERROR where consumed == input.count:
                throw DatasetError(file: file, problem: "\(what) is truncated (the compressed stream ends early)")
            case Z_BUF_ERROR:
                continue
            default:
                let message = stream.msg.map { String(cString: $0) } ?? "status \(status)"
                throw DatasetError(file: file, problem: "\(what) is corrupt (zlib: \(message))")
            }
        }
    }
}
