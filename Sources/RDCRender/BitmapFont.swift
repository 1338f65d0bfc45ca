// Layer: render. Pure Swift; the built-in bitmap font used for every caption, label and title.

/// A built-in proportional bitmap font, designed for this module. Every glyph is 5 columns by
/// 9 rows: rows 0-6 stand on the baseline (capital height 7), rows 7-8 hold descenders.
/// Each glyph is stored compactly as one 45-bit integer, five bits per row, top row in the
/// highest bits, leftmost column in the highest bit of its row. It covers printable ASCII,
/// Greek alpha (α), and draws a hollow box for anything else. Digits keep a fixed advance so
/// numbers line up; other glyphs are trimmed to their inked columns plus one column of spacing.
public enum BitmapFont {
    /// Columns in a glyph cell.
    public static let glyphColumns = 5
    /// Rows in a glyph cell, including the two descender rows.
    public static let glyphRows = 9
    /// Rows from the top of a capital letter down to the baseline.
    public static let capitalRows = 7
    /// Rows from one line's top to the next (glyph rows plus leading).
    public static let lineRows = 11

    /// One glyph: its bit rows and how it is placed horizontally.
    public struct Glyph: Sendable, Equatable {
        /// The 9 rows of 5 bits, top row in the highest bits.
        public let bits: UInt64
        /// The first column (0...4) drawn; columns to its left are blank and skipped.
        public let firstColumn: Int
        /// Horizontal advance in font units (inked width plus one column of spacing).
        public let advance: Int

        /// Whether the font pixel at `row` (0...8) and `column` (0...4) is inked.
        public func isInked(row: Int, column: Int) -> Bool {
            let shift = (BitmapFont.glyphRows - 1 - row) * BitmapFont.glyphColumns + (BitmapFont.glyphColumns - 1 - column)
            return (bits >> UInt64(shift)) & 1 == 1
        }

        init(bits: UInt64, fixedWidth: Bool) {
            self.bits = bits
            var columnMask: UInt64 = 0
            for row in 0..<BitmapFont.glyphRows {
                columnMask |= (bits >> UInt64(row * BitmapFont.glyphColumns)) & 0b11111
            }
            if fixedWidth || columnMask == 0 {
                firstColumn = 0
                advance = columnMask == 0 ? 4 : BitmapFont.glyphColumns + 1  // blank glyph = space
            } else {
                // Bit 4 of the mask is column 0; find the leftmost and rightmost inked columns.
                let columns = (0..<BitmapFont.glyphColumns).filter { columnMask & (1 << UInt64(4 - $0)) != 0 }
                firstColumn = columns.first!
                advance = columns.last! - columns.first! + 2
            }
        }
    }

    /// Bit rows for U+0020 (space) through U+007E (tilde), four per line.
    private static let printableASCIIBits: [UInt64] = [
        0x000000000000, 0x042108401000, 0x0A5280000000, 0x0A57D5F52800,  //   ! " #
        0x047D1C5F1000, 0x18C888898C00, 0x0C9511593400, 0x042100000000,  // $ % & '
        0x022210820800, 0x082084222000, 0x00255D520000, 0x00213E420000,  // ( ) * +
        0x000000063088, 0x00003C000000, 0x000000063000, 0x010888884000,  // , - . /
        0x0E8CEB98B800, 0x046108423800, 0x0E8844447C00, 0x1F110418B800,  // 0 1 2 3
        0x0232A5F10800, 0x1F878218B800, 0x06443D18B800, 0x1F0888842000,  // 4 5 6 7
        0x0E8C5D18B800, 0x0E8C5E113000, 0x006300C60000, 0x006300C61100,  // 8 9 : ;
        0x022220820800, 0x0007C1F00000, 0x082082222000, 0x0E8844401000,  // < = > ?
        0x0E885B5AB800, 0x0E8C7F18C400, 0x1E8C7D18F800, 0x0E8C2108B800,  // @ A B C
        0x1C9463197000, 0x1F843D087C00, 0x1F843D084000, 0x0E8C2F18BC00,  // D E F G
        0x118C7F18C400, 0x0E2108423800, 0x071084293000, 0x119531494400,  // H I J K
        0x108421087C00, 0x11DD6B18C400, 0x118E6B38C400, 0x0E8C6318B800,  // L M N O
        0x1E8C7D084000, 0x0E8C63593400, 0x1E8C7D494400, 0x0F841C10F800,  // P Q R S
        0x1F2108421000, 0x118C6318B800, 0x118C63151000, 0x118C6B5AA800,  // T U V W
        0x118A88A8C400, 0x118A88421000, 0x1F0888887C00, 0x0E4210843800,  // X Y Z [
        0x108208208400, 0x0E1084213800, 0x045440000000, 0x0000000003E0,  // \ ] ^ _
        0x082080000000, 0x000382F8BC00, 0x1085B318F800, 0x0003A108B800,  // ` a b c
        0x010B6718BC00, 0x0003A3F83800, 0x064A38842000, 0x0003E318BC2E,  // d e f g
        0x1085B318C400, 0x040308423800, 0x020184210A4C, 0x1084A98A4800,  // h i j k
        0x0C2108423800, 0x0006AB5AD400, 0x0005B318C400, 0x0003A318B800,  // l m n o
        0x0007A318FA10, 0x0003E318BC21, 0x0005B3084000, 0x0003E0E0F800,  // p q r s
        0x084710849800, 0x00046319B400, 0x000463151000, 0x0004635AA800,  // t u v w
        0x000454454400, 0x00046318BC2E, 0x0007C4447C00, 0x032110420C00,  // x y z {
        0x042108421080, 0x182104426000, 0x00022A200000,  // | } ~
    ]
    private static let alphaBits: UInt64 = 0x000365293400
    private static let missingBits: UInt64 = 0x1F8C6318FC00

    private static let printableASCII: [Glyph] = printableASCIIBits.enumerated().map { offset, bits in
        let isDigit = (48...57).contains(offset + 32)
        return Glyph(bits: bits, fixedWidth: isDigit)
    }
    private static let alpha = Glyph(bits: alphaBits, fixedWidth: false)
    /// The hollow box drawn for characters the font does not cover.
    public static let missingGlyph = Glyph(bits: missingBits, fixedWidth: false)

    /// The glyph for `character`: its own for printable ASCII and α, a space for tabs, and
    /// `missingGlyph` for anything else.
    public static func glyph(for character: Character) -> Glyph {
        let scalars = character.unicodeScalars
        guard scalars.count == 1, let scalar = scalars.first else { return missingGlyph }
        switch scalar.value {
        case 32...126: return printableASCII[Int(scalar.value) - 32]
        case 9: return printableASCII[0]
        case 0x03B1: return alpha
        default: return missingGlyph
        }
    }

    /// True when `character` has a glyph of its own (is not drawn as the missing box).
    public static func covers(_ character: Character) -> Bool {
        glyph(for: character) != missingGlyph
    }

    /// Width in pixels of `text` drawn at integer `scale` (no trailing spacing column).
    public static func width(of text: String, scale: Int) -> Int {
        var units = 0
        for character in text { units += glyph(for: character).advance }
        return max(units - 1, 0) * scale
    }

    /// Height in pixels of capital letters at `scale` (the part standing on the baseline).
    public static func capitalHeight(scale: Int) -> Int { capitalRows * scale }

    /// Height in pixels of a full glyph cell, descenders included, at `scale`.
    public static func cellHeight(scale: Int) -> Int { glyphRows * scale }

    /// The longest prefix of `text` that fits in `maxWidth` pixels at `scale`, ending in ".."
    /// when shortened; the whole text when it already fits.
    public static func truncated(_ text: String, toWidth maxWidth: Int, scale: Int) -> String {
        if width(of: text, scale: scale) <= maxWidth { return text }
        var kept = ""
        for character in text {
            if width(of: kept + String(character) + "..", scale: scale) > maxWidth { break }
            kept.append(character)
        }
        return kept + ".."
    }
}
