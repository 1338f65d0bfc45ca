// Layer: method (R-DC), data. May use CZlib and Foundation; never the session, sockets or pictures.

import CZlib

/// zlib inflation of gzip files and of raw deflate streams (zip members).
enum Inflater {
    /// Inflates a gzip file (all members, concatenated). The size hint comes from the trailer.
    static func gunzip(_ input: UnsafeRawBufferPointer, file: String) throws -> [UInt8] {
        var hint = input.count * 3
        if input.count >= 18 {
            let tail = input.count - 4
            hint = Int(input[tail]) | Int(input[tail + 1]) << 8 | Int(input[tail + 2]) << 16 | Int(input[tail + 3]) << 24
        }
        // windowBits 15 + 32: automatic zlib/gzip header detection.
        return try inflate(input, windowBits: 15 + 32, expectedSize: nil, sizeHint: max(hint, 1), file: file, what: "gzip data")
    }

    /// Inflates a raw deflate stream that must produce exactly `expectedSize` bytes.
    static func inflateRaw(_ input: UnsafeRawBufferPointer, expectedSize: Int, file: String, what: String) throws -> [UInt8] {
        try inflate(input, windowBits: -15, expectedSize: expectedSize, sizeHint: max(expectedSize, 1), file: file, what: what)
    }

    private static func inflate(
        _ input: UnsafeRawBufferPointer, windowBits: Int32, expectedSize: Int?, sizeHint: Int, file: String, what: String
    ) throws -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, windowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DatasetError(file: file, problem: "zlib could not start inflating \(what)")
        }
        defer { inflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: sizeHint)
        var produced = 0
        var consumed = 0
        while true {
            if produced == output.count {
                if let expectedSize, produced >= expectedSize {
                    throw DatasetError(file: file, problem: "\(what) inflates to more than the \(expectedSize) bytes declared")
                }
                output.append(contentsOf: repeatElement(0, count: max(output.count / 2, 1 << 16)))
            }
            let status: Int32 = output.withUnsafeMutableBytes { out in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress!.assumingMemoryBound(to: UInt8.self) + consumed)
                stream.avail_in = UInt32(min(input.count - consumed, Int(UInt32.max)))
                stream.next_out = out.baseAddress!.assumingMemoryBound(to: UInt8.self) + produced
                stream.avail_out = UInt32(min(out.count - produced, Int(UInt32.max)))
                let before = (stream.avail_in, stream.avail_out)
                let status = CZlib.inflate(&stream, Z_NO_FLUSH)
                consumed += Int(before.0 - stream.avail_in)
                produced += Int(before.1 - stream.avail_out)
                return status
            }
            switch status {
            case Z_STREAM_END:
                // Another gzip member may follow (concatenated .gz files).
                if windowBits > 0, input.count - consumed >= 2, input[consumed] == 0x1f, input[consumed + 1] == 0x8b {
                    inflateReset(&stream)
                    continue
                }
                if let expectedSize, produced != expectedSize {
                    throw DatasetError(file: file, problem: "\(what) inflates to \(produced) bytes, \(expectedSize) declared")
                }
                output.removeLast(output.count - produced)
                return output
            case Z_OK:
                continue
            case Z_BUF_ERROR where consumed == input.count:
                throw DatasetError(file: file, problem: "\(what) is truncated (ends after \(produced) inflated bytes)")
            case Z_BUF_ERROR:
                continue
            default:
                let message = stream.msg.map { String(cString: $0) } ?? "status \(status)"
                throw DatasetError(file: file, problem: "\(what) is corrupt (zlib: \(message))")
            }
        }
    }
}
