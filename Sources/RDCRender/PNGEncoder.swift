// Layer: render. The only file that calls libpng (CPNG): encodes a Canvas as PNG bytes in memory.
import CPNG

/// Encodes canvases as 8-bit RGB PNG with libpng's simplified write API, entirely in memory.
public enum PNGEncoder {
    /// The PNG bytes of `canvas`. Throws `RenderError.encodingFailed` with libpng's message
    /// if libpng reports an error.
    public static func encode(_ canvas: Canvas) throws -> [UInt8] {
        // Uncompressed scanlines plus slack; drawn figures compress far below this, and if not
        // libpng reports the size it needs and we try once more with exactly that.
        let scanlineBytes = (canvas.width * 3 + 1) * canvas.height
        var capacity = scanlineBytes + scanlineBytes / 64 + 4096
        for _ in 0..<2 {
            var image = makeImageDescription(canvas)
            var output = [UInt8](repeating: 0, count: capacity)
            var written = png_alloc_size_t(capacity)
            let succeeded = canvas.pixels.withUnsafeBytes { source in
                output.withUnsafeMutableBytes { destination in
                    png_image_write_to_memory(&image, destination.baseAddress, &written, 0, source.baseAddress, 0, nil)
                }
            }
            if succeeded != 0 {
                output.removeSubrange(Int(written)...)
                return output
            }
            let failure = message(of: &image)
            png_image_free(&image)
            guard Int(written) > capacity else {
                throw RenderError.encodingFailed("\(canvas.width)x\(canvas.height) canvas: \(failure)")
            }
            capacity = Int(written)
        }
        throw RenderError.encodingFailed("\(canvas.width)x\(canvas.height) canvas: output buffer too small twice")
    }

    private static func makeImageDescription(_ canvas: Canvas) -> png_image {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(canvas.width)
        image.height = UInt32(canvas.height)
        image.format = UInt32(PNG_FORMAT_RGB)
        // Figures are re-rendered often (e.g. progress updates); the fast mode encodes about
        // four times faster for files roughly half as large again, still well under 100 kB
        // for typical figures.
        image.flags = UInt32(PNG_IMAGE_FLAG_FAST)
        return image
    }

    /// libpng's NUL-terminated message buffer as a String.
    private static func message(of image: inout png_image) -> String {
        let text = withUnsafeBytes(of: &image.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        return text.isEmpty ? "libpng reported an unspecified error" : text
    }
}
