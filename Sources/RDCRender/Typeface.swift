// Layer: render. Text shaping for the figures: DejaVu Sans rasterised by FreeType, glyphs cached per size.
import CFreeType
import Foundation

/// A TrueType font loaded through FreeType, rasterising anti-aliased glyphs on demand and
/// keeping them: each (pixel size, character) is rasterised once per process, so drawing
/// text costs a dictionary look-up and a blend per glyph. Safe to use from several threads
/// (one lock guards the FreeType faces and the cache).
///
/// FreeType replaced the module's hand-drawn 5×9 bitmap font: the figures are drawn at 2×
/// pixel density, where blocky scaled bitmaps looked crude, and they need symbols (α, β, λ,
/// ×, –, ≤) a hand-made font did not have.
public final class Typeface: @unchecked Sendable {
    /// Where Debian's `fonts-dejavu-core` package puts DejaVu Sans.
    public static let dejaVuSansPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

    /// The figures' typeface, DejaVu Sans, loaded on first use. Throws
    /// `RenderError.fontUnavailable` (naming the path and the package) when it cannot be read.
    public static func standard() throws -> Typeface {
        try standardTypeface.get()
    }

    private static let standardTypeface: Result<Typeface, RenderError> = Result { try Typeface(path: dejaVuSansPath) }
        .mapError { $0 as? RenderError ?? .fontUnavailable("\($0)") }

    /// The file this typeface was read from.
    public let path: String

    private let lock = NSLock()
    private var library: FT_Library?
    /// One FreeType face per pixel size, so a size change never invalidates another's metrics.
    private var faces: [Int: FT_Face] = [:]
    private var glyphs: [GlyphKey: Glyph] = [:]
    private var metrics: [Int: LineMetrics] = [:]
    private var kernings: [KerningKey: Int] = [:]

    /// Loads the font file at `path`; throws `RenderError.fontUnavailable` if FreeType cannot
    /// open it.
    public init(path: String) throws {
        self.path = path
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw RenderError.fontUnavailable(
                "the figure font \(path) is missing; install the Debian package fonts-dejavu-core (scripts/install-system-deps.sh)")
        }
        var library: FT_Library?
        guard FT_Init_FreeType(&library) == 0, let library else {
            throw RenderError.fontUnavailable("FreeType could not start")
        }
        self.library = library
        // Open one face now so a damaged file is reported here, not at the first text.
        _ = try face(pixelSize: 12)
    }

    deinit {
        for face in faces.values { FT_Done_Face(face) }
        if let library { FT_Done_FreeType(library) }
    }

    /// One rasterised glyph: 8-bit coverage, where it sits relative to the pen on the
    /// baseline, and how far it moves the pen.
    struct Glyph {
        /// FreeType's glyph index (for kerning).
        let index: UInt32
        let width: Int
        let rows: Int
        /// Columns from the pen position to the bitmap's left edge.
        let left: Int
        /// Rows from the bitmap's top edge down to the baseline.
        let top: Int
        /// Pen advance in whole pixels (hinted).
        let advance: Int
        /// `rows * width` coverage values, 0 (none) to 255 (full), row-major.
        let coverage: [UInt8]
    }

    /// Vertical measures of one pixel size, in pixels.
    struct LineMetrics {
        /// Height of capital letters above the baseline (the top of "H").
        let capitalHeight: Int
        /// Depth of descenders below the baseline (the bottom of "g", "p", "y").
        let descent: Int
    }

    private struct GlyphKey: Hashable {
        let pixelSize: Int
        let scalar: UInt32
    }

    private struct KerningKey: Hashable {
        let pixelSize: Int
        let left: UInt32
        let right: UInt32
    }

    /// Must be called with `lock` held.
    private func face(pixelSize: Int) throws -> FT_Face {
        if let face = faces[pixelSize] { return face }
        var face: FT_Face?
        guard FT_New_Face(library, path, 0, &face) == 0, let face else {
            throw RenderError.fontUnavailable("FreeType could not read the font file \(path)")
        }
        guard FT_Set_Pixel_Sizes(face, 0, FT_UInt(pixelSize)) == 0 else {
            FT_Done_Face(face)
            throw RenderError.fontUnavailable("\(path) cannot be drawn at \(pixelSize) pixels")
        }
        faces[pixelSize] = face
        return face
    }

    /// Must be called with `lock` held. A glyph FreeType cannot produce is drawn as nothing
    /// with a space's advance; characters missing from the font get its own .notdef box.
    private func lockedGlyph(_ scalar: Unicode.Scalar, pixelSize: Int) -> Glyph {
        let key = GlyphKey(pixelSize: pixelSize, scalar: scalar.value)
        if let glyph = glyphs[key] { return glyph }
        let glyph = rasterise(scalar, pixelSize: pixelSize)
        glyphs[key] = glyph
        return glyph
    }

    private func rasterise(_ scalar: Unicode.Scalar, pixelSize: Int) -> Glyph {
        let blank = Glyph(index: 0, width: 0, rows: 0, left: 0, top: 0, advance: max(1, pixelSize / 3), coverage: [])
        guard let face = try? face(pixelSize: pixelSize) else { return blank }
        let character = scalar == "\t" ? " " : scalar
        let index = FT_Get_Char_Index(face, FT_ULong(character.value))
        // Light hinting (vertical only) keeps DejaVu's shapes and crisp baselines.
        let loadTargetLight: Int32 = 1 << 16
        guard FT_Load_Glyph(face, index, FT_Int32(FT_LOAD_RENDER) | loadTargetLight) == 0,
              let slot = face.pointee.glyph else { return blank }
        let bitmap = slot.pointee.bitmap
        let width = Int(bitmap.width), rows = Int(bitmap.rows), pitch = Int(bitmap.pitch)
        var coverage = [UInt8](repeating: 0, count: width * rows)
        if let buffer = bitmap.buffer, width > 0, rows > 0, bitmap.pixel_mode == UInt8(FT_PIXEL_MODE_GRAY.rawValue) {
            for row in 0..<rows {
                let source = pitch >= 0 ? buffer + row * pitch : buffer + (rows - 1 - row) * (-pitch)
                for column in 0..<width { coverage[row * width + column] = source[column] }
            }
        }
        return Glyph(index: index, width: width, rows: rows, left: Int(slot.pointee.bitmap_left),
                     top: Int(slot.pointee.bitmap_top), advance: Int((slot.pointee.advance.x + 32) >> 6),
                     coverage: coverage)
    }

    /// Must be called with `lock` held. The kerning adjustment in whole pixels between two glyphs.
    private func lockedKerning(_ left: UInt32, _ right: UInt32, pixelSize: Int) -> Int {
        guard left != 0, right != 0 else { return 0 }
        let key = KerningKey(pixelSize: pixelSize, left: left, right: right)
        if let kerning = kernings[key] { return kerning }
        var kerning = 0
        let kerningFlag: FT_Long = 1 << 6  // FT_FACE_FLAG_KERNING
        if let face = try? face(pixelSize: pixelSize), face.pointee.face_flags & kerningFlag != 0 {
            var delta = FT_Vector()
            if FT_Get_Kerning(face, left, right, FT_UInt(FT_KERNING_DEFAULT.rawValue), &delta) == 0 {
                kerning = Int((delta.x + 32) >> 6)
            }
        }
        kernings[key] = kerning
        return kerning
    }

    /// The glyphs of `text` at `pixelSize` with each one's pen offset from the start.
    func layout(_ text: String, pixelSize: Int) -> [(glyph: Glyph, penX: Int)] {
        lock.lock()
        defer { lock.unlock() }
        var placed: [(glyph: Glyph, penX: Int)] = []
        var penX = 0
        var previous: UInt32 = 0
        for scalar in text.unicodeScalars {
            let glyph = lockedGlyph(scalar, pixelSize: pixelSize)
            penX += lockedKerning(previous, glyph.index, pixelSize: pixelSize)
            placed.append((glyph, penX))
            penX += glyph.advance
            previous = glyph.index
        }
        return placed
    }

    /// The advance width of `text` at `pixelSize`, kerning included.
    func advanceWidth(of text: String, pixelSize: Int) -> Int {
        guard let last = layout(text, pixelSize: pixelSize).last else { return 0 }
        return last.penX + last.glyph.advance
    }

    /// The capital height and descent of `pixelSize`, measured on "H" and on "gjpqy".
    func lineMetrics(pixelSize: Int) -> LineMetrics {
        lock.lock()
        defer { lock.unlock() }
        if let known = metrics[pixelSize] { return known }
        let capital = lockedGlyph("H", pixelSize: pixelSize)
        let descent = "gjpqy".unicodeScalars.map { lockedGlyph($0, pixelSize: pixelSize) }
            .map { $0.rows - $0.top }.max() ?? 0
        let measured = LineMetrics(capitalHeight: max(capital.top, 1), descent: max(descent, 0))
        metrics[pixelSize] = measured
        return measured
    }

    /// True when the font has a glyph of its own for `character` (not the .notdef box).
    public func covers(_ character: Character) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return character.unicodeScalars.allSatisfy { scalar in
            guard let face = try? face(pixelSize: 12) else { return false }
            return FT_Get_Char_Index(face, FT_ULong(scalar.value)) != 0
        }
    }
}

/// A typeface at one pixel size: how text is measured and drawn in the figures.
public struct Font: Sendable {
    /// The typeface the glyphs come from.
    public let typeface: Typeface
    /// The em size in device pixels (FreeType's pixel size).
    public let pixelSize: Int

    /// `typeface` at `pixelSize` device pixels per em (at least 1).
    public init(_ typeface: Typeface, pixelSize: Int) {
        self.typeface = typeface
        self.pixelSize = max(1, pixelSize)
    }

    /// Width in pixels of `text` on one line (the sum of its advances, kerning included).
    public func width(of text: String) -> Int {
        typeface.advanceWidth(of: text, pixelSize: pixelSize)
    }

    /// Height in pixels of capital letters above the baseline.
    public var capitalHeight: Int { typeface.lineMetrics(pixelSize: pixelSize).capitalHeight }

    /// Depth in pixels of descenders below the baseline.
    public var descent: Int { typeface.lineMetrics(pixelSize: pixelSize).descent }

    /// Height of a line from the top of its capitals to the bottom of its descenders.
    public var lineHeight: Int { capitalHeight + descent }

    /// The longest prefix of `text` that fits in `maxWidth` pixels, ending in "…" when
    /// shortened; the whole text when it already fits.
    public func truncated(_ text: String, toWidth maxWidth: Int) -> String {
        if width(of: text) <= maxWidth { return text }
        var kept = ""
        for character in text {
            if width(of: kept + String(character) + "…") > maxWidth { break }
            kept.append(character)
        }
        while kept.last == " " { kept.removeLast() }
        return kept + "…"
    }

    /// `text` broken at spaces into lines no wider than `maxWidth`; a single word wider than
    /// that is shortened with "…". Never returns an empty list.
    public func wrapped(_ text: String, toWidth maxWidth: Int) -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: true).map(String.init) {
            let candidate = current.isEmpty ? word : current + " " + word
            if width(of: candidate) <= maxWidth {
                current = candidate
            } else {
                if !current.isEmpty { lines.append(current) }
                current = truncated(word, toWidth: maxWidth)
            }
        }
        if !current.isEmpty || lines.isEmpty { lines.append(current) }
        return lines
    }
}
