// Layer: render tests. FreeType text (coverage, anti-aliasing, measuring), canvas drawing and clipping, PNG round trip.
import Foundation
import RDCRender
import XCTest

final class TypefaceTests: XCTestCase {
    private var font: Font { get throws { Font(try Typeface.standard(), pixelSize: 24) } }

    /// The bounding box and the set of grey levels of every non-white pixel of `canvas`.
    private func ink(of canvas: Canvas) -> (minX: Int, maxX: Int, minY: Int, maxY: Int, greys: Set<UInt8>) {
        var box = (minX: Int.max, maxX: Int.min, minY: Int.max, maxY: Int.min, greys: Set<UInt8>())
        for y in 0..<canvas.height { for x in 0..<canvas.width {
            guard let color = canvas.color(x: x, y: y), color != .white else { continue }
            box.minX = min(box.minX, x); box.maxX = max(box.maxX, x)
            box.minY = min(box.minY, y); box.maxY = max(box.maxY, y)
            if color.red == color.green && color.green == color.blue { box.greys.insert(color.red) }
        } }
        return box
    }

    func testDejaVuSansCoversASCIIAndTheSymbolsThePicturesUse() throws {
        let typeface = try Typeface.standard()
        XCTAssertEqual(typeface.path, Typeface.dejaVuSansPath)
        for character in (32...126).map({ Character(UnicodeScalar(UInt8($0))) }) + ["α", "β", "λ", "×", "–", "≤", "…"] {
            XCTAssertTrue(typeface.covers(character), "DejaVu Sans has no glyph for \(character)")
        }
        XCTAssertFalse(typeface.covers("\u{E000}"), "a private-use character is not in the font")
    }

    func testAMissingFontFileIsAClearError() {
        XCTAssertThrowsError(try Typeface(path: "/nonexistent/DejaVuSans.ttf")) { error in
            guard case RenderError.fontUnavailable(let message) = error else { return XCTFail("got \(error)") }
            XCTAssertTrue(message.contains("/nonexistent/DejaVuSans.ttf") && message.contains("fonts-dejavu-core"), message)
        }
    }

    func testWidthsAreProportionalAndTextIsShortenedOrWrappedToFit() throws {
        let font = try font
        XCTAssertEqual(font.width(of: ""), 0)
        XCTAssertLessThan(font.width(of: "iiii"), font.width(of: "mmmm"))
        XCTAssertEqual(font.width(of: "0000"), font.width(of: "1111"), "DejaVu's digits share one advance, so numbers line up")
        XCTAssertGreaterThan(font.capitalHeight, 12)
        XCTAssertGreaterThan(font.descent, 2)
        let shortened = font.truncated("a very long caption indeed", toWidth: 120)
        XCTAssertTrue(shortened.hasSuffix("…"))
        XCTAssertLessThanOrEqual(font.width(of: shortened), 120)
        XCTAssertEqual(font.truncated("fits", toWidth: 500), "fits")
        let lines = font.wrapped("interpolations after 40 epochs: latent vs pixel, critic scores", toWidth: 300)
        XCTAssertGreaterThan(lines.count, 1)
        XCTAssertEqual(lines.joined(separator: " "), "interpolations after 40 epochs: latent vs pixel, critic scores")
        for line in lines { XCTAssertLessThanOrEqual(font.width(of: line), 300, line) }
        XCTAssertEqual(font.wrapped("", toWidth: 100), [""])
        XCTAssertLessThanOrEqual(font.width(of: font.wrapped("Supercalifragilistic", toWidth: 80)[0]), 80)
    }

    func testTextIsAntialiasedAndStaysInItsMeasuredBox() throws {
        let font = try font
        var canvas = try Canvas(width: 200, height: 60)
        let text = "Hg α≤β×λ"
        canvas.text(text, x: 10, y: 12, font: font, color: .black)
        let box = ink(of: canvas)
        XCTAssertGreaterThan(box.greys.count, 2, "anti-aliased edges blend black into white")
        XCTAssertGreaterThanOrEqual(box.minX, 10)
        XCTAssertLessThanOrEqual(box.maxX, 10 + font.width(of: text))
        XCTAssertEqual(Double(box.minY), 12, accuracy: 1, "y is the top of the capitals")
        XCTAssertLessThanOrEqual(box.maxY, 12 + font.lineHeight, "descenders end within the line")
        XCTAssertGreaterThan(box.maxY, 12 + font.capitalHeight, "g descends below the baseline")

        var centred = try Canvas(width: 200, height: 60)
        centred.text("Hg", x: 100, y: 12, font: font, color: .black, alignment: .center)
        let middle = ink(of: centred)
        XCTAssertEqual(Double(middle.minX + middle.maxX) / 2, 100, accuracy: 3)
    }

    func testVerticalTextReadsUpwardsAroundItsCentre() throws {
        let font = try font
        var canvas = try Canvas(width: 60, height: 200)
        canvas.verticalText("loss", centerX: 30, centerY: 100, font: font, color: .black)
        let box = ink(of: canvas)
        XCTAssertGreaterThan(box.maxY - box.minY, box.maxX - box.minX, "turned text is taller than wide")
        XCTAssertEqual(Double(box.minY + box.maxY) / 2, 100, accuracy: 3)
        XCTAssertGreaterThanOrEqual(box.minX, 30 - font.capitalHeight / 2 - 1, "ascenders point left")
        XCTAssertLessThanOrEqual(box.maxX, 30 + font.capitalHeight / 2 + font.descent + 1)
    }

    func testDrawingTextIsFastOnceGlyphsAreCached() throws {
        let font = try font
        var canvas = try Canvas(width: 800, height: 60)
        canvas.text("warm the cache: 0123456789 abcdefghijklmnopqrstuvwxyz", x: 0, y: 10, font: font, color: .black)
        let start = Date()
        for _ in 0..<200 {
            canvas.text("t-SNE of the embedding, coloured by label", x: 5, y: 10, font: font, color: .black)
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 1.0, "200 lines of text should take well under a second")
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
        let font = Font(try Typeface.standard(), pixelSize: 20)
        canvas.text("clipped text", x: -30, y: 15, font: font, color: .black)
        canvas.verticalText("up", centerX: 25, centerY: -3, font: font, color: .black)
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
