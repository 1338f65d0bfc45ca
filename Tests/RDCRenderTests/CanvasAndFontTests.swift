// Layer: render tests. Bitmap font coverage, canvas drawing and clipping, PNG round trip.
import RDCRender
import XCTest

final class BitmapFontTests: XCTestCase {
    /// The inked font pixels of `character` as a string of rows, trimmed like the renderer trims.
    private func bitmap(_ character: Character) -> String {
        let glyph = BitmapFont.glyph(for: character)
        return (0..<BitmapFont.glyphRows).map { row in
            String((glyph.firstColumn..<BitmapFont.glyphColumns).map { glyph.isInked(row: row, column: $0) ? "#" : "." })
        }.joined(separator: "/")
    }

    func testEveryPrintableASCIIGlyphIsDefinedAndDistinct() {
        let characters = (32...126).map { Character(UnicodeScalar(UInt8($0))) }
        var seen: [String: Character] = [:]
        for character in characters {
            XCTAssertTrue(BitmapFont.covers(character), "\(character) has no glyph")
            let glyph = BitmapFont.glyph(for: character)
            XCTAssertEqual(glyph.bits == 0, character == " ", "only the space may be blank: \(character)")
            XCTAssertGreaterThan(glyph.advance, 1)
            let drawn = bitmap(character)
            if let other = seen[drawn] { XCTFail("\(character) draws the same bitmap as \(other)") }
            seen[drawn] = character
        }
        XCTAssertEqual(seen.count, 95)
    }

    func testAlphaHasItsOwnGlyphAndUnknownCharactersDrawABox() {
        XCTAssertTrue(BitmapFont.covers("α"))
        XCTAssertNotEqual(bitmap("α"), bitmap("a"))
        XCTAssertFalse(BitmapFont.covers("β"))
        XCTAssertEqual(BitmapFont.glyph(for: "β"), BitmapFont.missingGlyph)
        XCTAssertEqual(BitmapFont.glyph(for: "\t"), BitmapFont.glyph(for: " "))
    }

    func testWidthsAreProportionalExceptDigits() {
        XCTAssertEqual(BitmapFont.width(of: "", scale: 3), 0)
        XCTAssertEqual(BitmapFont.width(of: "0123456789", scale: 1), 10 * 6 - 1, "digits have a fixed advance")
        XCTAssertLessThan(BitmapFont.width(of: "ii", scale: 2), BitmapFont.width(of: "mm", scale: 2))
        XCTAssertEqual(BitmapFont.width(of: "AB", scale: 4), 4 * BitmapFont.width(of: "AB", scale: 1))
        let shortened = BitmapFont.truncated("a very long caption", toWidth: 40, scale: 2)
        XCTAssertTrue(shortened.hasSuffix(".."))
        XCTAssertLessThanOrEqual(BitmapFont.width(of: shortened, scale: 2), 40)
        XCTAssertEqual(BitmapFont.truncated("fits", toWidth: 200, scale: 2), "fits")
    }

    func testTextDrawsInkWithinItsMeasuredBox() throws {
        var canvas = try Canvas(width: 100, height: 40)
        canvas.text("Hg", x: 10, y: 5, scale: 2, color: .black)
        var minX = Int.max, maxX = Int.min, minY = Int.max, maxY = Int.min
        for y in 0..<40 { for x in 0..<100 where canvas.color(x: x, y: y) == .black {
            minX = min(minX, x); maxX = max(maxX, x); minY = min(minY, y); maxY = max(maxY, y)
        } }
        XCTAssertEqual(minX, 10)
        XCTAssertEqual(maxX, 10 + BitmapFont.width(of: "Hg", scale: 2) - 1)
        XCTAssertEqual(minY, 5)
        XCTAssertEqual(maxY, 5 + BitmapFont.cellHeight(scale: 2) - 1, "g descends into the last rows")
    }
}

final class CanvasTests: XCTestCase {
    func testRejectsBadSizes() {
        XCTAssertThrowsError(try Canvas(width: 0, height: 5))
        XCTAssertThrowsError(try Canvas(width: 5, height: Canvas.maximumSide + 1))
    }

    func testFillRectAndLineAndDiscPaintTheExpectedPixels() throws {
        var canvas = try Canvas(width: 40, height: 30)
        canvas.fillRect(x: 2, y: 3, width: 4, height: 2, color: .black)
        XCTAssertEqual(canvas.color(x: 2, y: 3), .black)
        XCTAssertEqual(canvas.color(x: 5, y: 4), .black)
        XCTAssertEqual(canvas.color(x: 6, y: 4), .white)
        XCTAssertNil(canvas.color(x: 40, y: 0))

        let red = RGB(hex: 0xFF0000)
        canvas.line(from: PixelPoint(x: 10, y: 20.5), to: PixelPoint(x: 30, y: 20.5), color: red, width: 1)
        XCTAssertEqual(canvas.color(x: 20, y: 20), red, "pixel centred on a 1-px line is fully covered")
        XCTAssertEqual(canvas.color(x: 20, y: 22), .white)
        canvas.line(from: PixelPoint(x: 5, y: 5), to: PixelPoint(x: 25, y: 25), color: red, width: 3)
        XCTAssertEqual(canvas.color(x: 15, y: 15), red, "diagonal passes through its midpoint")

        let blue = RGB(hex: 0x0000FF)
        canvas.disc(center: PixelPoint(x: 35, y: 8), radius: 3, color: blue)
        XCTAssertEqual(canvas.color(x: 35, y: 8), blue)
        XCTAssertEqual(canvas.color(x: 35, y: 2), .white)
        let rim = try XCTUnwrap(canvas.color(x: 37, y: 9))
        XCTAssertTrue(rim != .white && rim != blue, "anti-aliased rim is a blend, got \(rim)")
    }

    func testDashedLineLeavesGaps() throws {
        var canvas = try Canvas(width: 10, height: 100)
        canvas.dashedLine(from: PixelPoint(x: 5, y: 0), to: PixelPoint(x: 5, y: 100), color: .black, width: 2, dash: 8, gap: 6)
        let column = (0..<100).map { canvas.color(x: 5, y: $0) == .black }
        XCTAssertTrue(column[3] && column[17], "dashes at 0..8 and 14..22")
        XCTAssertFalse(column[11], "gap at 8..14")
    }

    func testDrawingOutsideTheCanvasIsClippedNotFatal() throws {
        var canvas = try Canvas(width: 20, height: 20)
        let batch = try ImageBatch(count: 1, channels: 3, height: 4, width: 4, values: [Float](repeating: 0, count: 48))
        canvas.fillRect(x: -50, y: -50, width: 10, height: 10, color: .black)
        canvas.fillRect(x: 15, y: 15, width: 100, height: 100, color: .black)
        canvas.line(from: PixelPoint(x: -1e6, y: -5), to: PixelPoint(x: 1e6, y: 1e6), color: .black, width: 4)
        canvas.line(from: PixelPoint(x: .nan, y: 0), to: PixelPoint(x: 3, y: 3), color: .black)
        canvas.disc(center: PixelPoint(x: -100, y: 30), radius: 5, color: .black)
        canvas.text("clipped text", x: -30, y: 15, scale: 3, color: .black)
        canvas.verticalText("up", centerX: 25, centerY: -3, scale: 4, color: .black)
        try canvas.blit(batch, item: 0, x: -6, y: 17, scale: 3)
        try canvas.blit(batch, item: 0, x: 100, y: 100, scale: 2)
        XCTAssertEqual(canvas.color(x: 19, y: 19), .black)
        XCTAssertEqual(canvas.color(x: 0, y: 18), .black, "visible part of the clipped blit")
        XCTAssertThrowsError(try canvas.blit(batch, item: 1, x: 0, y: 0, scale: 1))
        XCTAssertThrowsError(try canvas.blit(batch, item: 0, x: 0, y: 0, scale: 0))
    }

    func testBlitScalesNearestNeighbourAndClampsValues() throws {
        // One 2x2 RGB image: red, green / blue, out-of-range grey.
        let values: [Float] = [1, 0, 0, 2,   0, 1, 0, 2,   0, 0, 1, -1]
        let batch = try ImageBatch(count: 1, channels: 3, height: 2, width: 2, values: values)
        var canvas = try Canvas(width: 10, height: 10)
        try canvas.blit(batch, item: 0, x: -1, y: 1, scale: 3)
        XCTAssertEqual(canvas.color(x: 0, y: 1), RGB(hex: 0xFF0000))
        XCTAssertEqual(canvas.color(x: 1, y: 3), RGB(hex: 0xFF0000))
        XCTAssertEqual(canvas.color(x: 2, y: 1), RGB(hex: 0x00FF00))
        XCTAssertEqual(canvas.color(x: 0, y: 4), RGB(hex: 0x0000FF))
        XCTAssertEqual(canvas.color(x: 4, y: 6), RGB(hex: 0xFFFF00), "2 clamps to 1, -1 to 0")
        XCTAssertEqual(canvas.color(x: 5, y: 1), .white)

        let grey = try ImageBatch(count: 2, channels: 1, height: 1, width: 1, values: [0.5, .nan])
        try canvas.blit(grey, item: 0, x: 8, y: 8, scale: 1)
        try canvas.blit(grey, item: 1, x: 9, y: 9, scale: 1)
        XCTAssertEqual(canvas.color(x: 8, y: 8), RGB(red: 128, green: 128, blue: 128))
        XCTAssertEqual(canvas.color(x: 9, y: 9), .black, "NaN draws as 0")
    }

    func testImageBatchValidatesItsShape() {
        XCTAssertThrowsError(try ImageBatch(count: 1, channels: 2, height: 2, width: 2, values: [Float](repeating: 0, count: 8)))
        XCTAssertThrowsError(try ImageBatch(count: 2, channels: 1, height: 2, width: 2, values: [0, 0, 0])) { error in
            XCTAssertEqual(error as? RenderError, .invalidInput("2x1x2x2 images need 8 values, got 3"))
        }
        XCTAssertNoThrow(try ImageBatch(count: 0, channels: 1, height: 28, width: 28, values: []))
    }

    func testPNGRoundTripIsExact() throws {
        var canvas = try Canvas(width: 7, height: 5, background: RGB(hex: 0x102030))
        canvas.fillRect(x: 1, y: 1, width: 3, height: 2, color: RGB(hex: 0xFEDCBA))
        let decoded = try DecodedPNG(try PNGEncoder.encode(canvas))
        XCTAssertEqual(decoded.width, 7)
        XCTAssertEqual(decoded.height, 5)
        XCTAssertEqual(decoded.rgb, canvas.pixels)
        let image = try RenderedImage(canvas: canvas, title: "tiny", density: 2)
        XCTAssertEqual(image.logicalWidth, 3)
        XCTAssertEqual(image.pixelHeight, 5)
    }

    func testSequentialPaletteRunsLightToDark() {
        XCTAssertGreaterThan(Palette.sequential(0).luminance, 0.9)
        XCTAssertLessThan(Palette.sequential(1).luminance, 0.25)
        XCTAssertGreaterThan(Palette.sequential(0.3).luminance, Palette.sequential(0.6).luminance)
        XCTAssertGreaterThanOrEqual(Set(Palette.categorical).count, 20)
        XCTAssertEqual(Palette.categoryColor(Palette.categorical.count + 2), Palette.categoryColor(2))
    }
}
