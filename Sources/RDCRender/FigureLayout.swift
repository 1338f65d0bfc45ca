// Layer: render. Shared figure layout (density, margins, title band, thumbnails); pure drawing, no I/O.

/// The figure functions. Each takes plain arrays, validates them (throwing
/// `RenderError.invalidInput` with a message naming the problem), and returns a
/// `RenderedImage` with its title drawn at the top, rendered at 2 device pixels per logical
/// pixel. Nothing here knows about training; callers pass arrays.
public enum Figures {}

/// Sizes, scales and colours shared by all figures. Sizes are in device pixels, written as
/// `px(logical)` so the 2x density lives in one place.
enum Style {
    /// Device pixels per logical pixel.
    static let density = 2
    static func px(_ logical: Int) -> Int { logical * density }

    /// Em sizes of the figure text in device pixels: titles, labels and legends, small annotations.
    static let titleSize = px(15)
    static let labelSize = px(12)
    static let smallSize = px(10)
    /// Narrowest width a title may wrap to, so a small figure's title is not a tall column.
    static let narrowestTitle = px(240)

    static let margin = px(12)
    static let gap = px(4)
    /// Thumbnails are scaled by the integer that brings their longer side nearest this size.
    static let thumbnailTarget = px(56)

    static let ink = RGB(hex: 0x222222)
    static let secondaryInk = RGB(hex: 0x606060)
    static let axis = RGB(hex: 0x8A8A8A)
    static let frame = RGB(hex: 0xC4C4C4)
    static let grid = RGB(hex: 0xECECEC)

    /// Width of the widest of `labels` in `font`.
    static func widest(_ labels: [String], font: Font) -> Int {
        labels.map { font.width(of: $0) }.max() ?? 0
    }

    /// The y at which to draw text in `font` so its capitals are centred on `centerY`.
    static func textTop(centeredOn centerY: Int, font: Font) -> Int {
        centerY - font.capitalHeight / 2
    }
}

/// The three sizes of DejaVu Sans every figure uses.
struct FigureFonts {
    let title: Font
    let label: Font
    let small: Font

    /// The standard fonts; throws `RenderError.fontUnavailable` if DejaVu Sans is missing.
    static func standard() throws -> FigureFonts {
        let typeface = try Typeface.standard()
        return FigureFonts(title: Font(typeface, pixelSize: Style.titleSize),
                           label: Font(typeface, pixelSize: Style.labelSize),
                           small: Font(typeface, pixelSize: Style.smallSize))
    }
}

/// A white canvas with the title drawn centred at its top, sized to hold a content box of
/// the given size below the title, with margins all round. The title wraps onto more lines
/// rather than run wider than `titleWidth` (the content width by default, never narrower
/// than `Style.narrowestTitle`), so it fits its figure.
struct TitledSheet {
    var canvas: Canvas
    let title: String
    let fonts: FigureFonts
    /// Left edge of the content box (centred horizontally).
    let contentLeft: Int
    /// Top edge of the content box, below the title band.
    let contentTop: Int

    init(title: String, fonts: FigureFonts, contentWidth: Int, contentHeight: Int, titleWidth: Int? = nil) throws {
        let font = fonts.title
        let lines = font.wrapped(title, toWidth: max(titleWidth ?? contentWidth, Style.narrowestTitle))
        let lineHeight = font.lineHeight + Style.px(3)
        let titleBand = lines.count * lineHeight + Style.px(6)
        // Even sides keep the logical size (pixels / 2) exact.
        let width = evenUp(max(contentWidth, Style.widest(lines, font: font)) + 2 * Style.margin)
        let height = evenUp(Style.margin + titleBand + contentHeight + Style.margin)
        canvas = try Canvas(width: width, height: height)
        for (index, line) in lines.enumerated() {
            canvas.text(line, x: width / 2, y: Style.margin + index * lineHeight, font: font, color: Style.ink,
                        alignment: .center)
        }
        self.title = title
        self.fonts = fonts
        contentLeft = (width - contentWidth) / 2
        contentTop = Style.margin + titleBand
    }

    func rendered() throws -> RenderedImage {
        try RenderedImage(canvas: canvas, title: title, density: Style.density)
    }
}

private func evenUp(_ value: Int) -> Int { value + (value & 1) }

/// How the images of one batch are shown as thumbnails: integer nearest-neighbour scale and
/// the resulting size in device pixels.
struct Thumbnails {
    let scale: Int
    let width: Int
    let height: Int

    init(height imageHeight: Int, width imageWidth: Int) {
        let side = Double(max(imageHeight, imageWidth))
        scale = max(1, Int((Double(Style.thumbnailTarget) / side).rounded()))
        width = imageWidth * scale
        height = imageHeight * scale
    }

    init(for batch: ImageBatch) {
        self.init(height: batch.height, width: batch.width)
    }

    /// Draws image `item` with a hairline frame around it, top-left at (`x`, `y`).
    func draw(_ batch: ImageBatch, item: Int, on canvas: inout Canvas, x: Int, y: Int) throws {
        canvas.strokeRect(x: x - 1, y: y - 1, width: width + 2, height: height + 2, color: Style.frame)
        try canvas.blit(batch, item: item, x: x, y: y, scale: scale)
    }
}

/// Throws unless all non-empty batches share one image shape; each entry's `name` labels it
/// in the error message.
func requireSameImageShape(_ batches: [(name: String, batch: ImageBatch)]) throws {
    guard let reference = batches.first(where: { $0.batch.count > 0 }) else { return }
    for entry in batches where entry.batch.count > 0 && !entry.batch.hasSameImageShape(as: reference.batch) {
        throw RenderError.invalidInput(
            "\(entry.name) has images of shape \(entry.batch.imageShapeDescription) but \(reference.name) has "
                + reference.batch.imageShapeDescription + "; all images in one figure must share a shape")
    }
}
