// Layer: method (R-DC), data. May use CZlib and Foundation; never the session, sockets or pictures.

import CZlib

/// zlib inflation of gzip files and of raw deflate streams (zip members), streamed in chunks
/// so large files never need a second whole-file buffer, and never beyond the size their
/// header or trailer declares.
enum Inflater {
    /// Deflate expands data at most this many times (a 258-byte match coded in two bits), so a
    /// declared size beyond it × the compressed size is a lie, refused before allocating.
    static let maximumExpansion = 1032

    /// Refuses a `declared` uncompressed size that `compressedSize` bytes of deflate data cannot
    /// produce. Throws `DatasetError` naming `file` and `what` declared it.
    static func checkDeclaredSize(_ declared: Int, compressedSize: Int, file: String, what: String) throws {
        let (bound, overflow) = compressedSize.multipliedReportingOverflow(by: maximumExpansion)
        guard declared >= 0, overflow || declared <= bound else {
            throw DatasetError(file: file, problem: "\(what) declares \(declared) bytes, more than \(compressedSize) compressed bytes can hold (truncated or corrupt)")
        }
    }

    /// Inflates a raw deflate stream that must produce exactly `expectedSize` bytes.
    static func inflateRaw(_ input: UnsafeRawBufferPointer, expectedSize: Int, file: String, what: String) throws -> [UInt8] {
        try checkDeclaredSize(expectedSize, compressedSize: input.count, file: file, what: "\(what) (uncompressed size)")
        var output = [UInt8]()
        output.reserveCapacity(expectedSize)
        try stream(input, windowBits: -15, limit: expectedSize, file: file, what: what) { chunk in
            output.append(contentsOf: chunk)
            return true
        }
        guard output.count == expectedSize else {
            throw DatasetError(file: file, problem: "\(what) inflates to \(output.count) bytes, \(expectedSize) declared")
        }
        return output
    }

    /// Inflates `input` chunk by chunk, handing each chunk to `consume`; stops early when
    /// `consume` returns false. `windowBits` 15 + 16 reads one gzip member (nothing may follow
    /// it); −15 is raw deflate. More than `limit` bytes of output is an error.
    ///
    /// - Throws: `DatasetError` for truncated or corrupt data, output beyond `limit`, or
    ///   whatever `consume` throws.
    static func stream(
        _ input: UnsafeRawBufferPointer, windowBits: Int32, limit: Int, file: String, what: String, chunkSize: Int = 1 << 18,
        _ consume: (UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        guard let inputBase = input.baseAddress, input.count > 0 else {
            throw DatasetError(file: file, problem: "\(what) is empty")
        }
        var stream = z_stream()
        guard inflateInit2_(&stream, windowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DatasetError(file: file, problem: "zlib could not start inflating \(what)")
        }
        defer { inflateEnd(&stream) }
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { chunk.deallocate() }
        var consumed = 0, producedTotal = 0
        while true {
            stream.next_in = UnsafeMutablePointer(mutating: inputBase.assumingMemoryBound(to: UInt8.self) + consumed)
            stream.avail_in = UInt32(min(input.count - consumed, Int(UInt32.max)))
            stream.next_out = chunk.baseAddress!.assumingMemoryBound(to: UInt8.self)
            stream.avail_out = UInt32(chunkSize)
            let availableBefore = stream.avail_in
            let status = CZlib.inflate(&stream, Z_NO_FLUSH)
            consumed += Int(availableBefore - stream.avail_in)
            let produced = chunkSize - Int(stream.avail_out)
            producedTotal += produced
            guard producedTotal <= limit else {
                throw DatasetError(file: file, problem: "\(what) inflates to more than the \(limit) bytes declared (truncated, corrupt, or a decompression bomb)")
            }
            if produced > 0, try !consume(UnsafeRawBufferPointer(rebasing: chunk[0..<produced])) { return }
            switch status {
            case Z_STREAM_END:
                guard consumed == input.count else {
                    throw DatasetError(file: file, problem: "\(input.count - consumed) bytes follow the end of \(what) (concatenated gzip members are not supported)")
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
