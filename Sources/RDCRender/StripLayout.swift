// Layer: render. Row-by-row layout shared by the thumbnail figures; pure drawing, no I/O.

/// One horizontal strip of a thumbnail figure, with an optional label in a left column.
enum Strip {
    /// Images `items` of `batch` side by side.
    case images(label: String, batch: ImageBatch, items: Range<Int>)
    /// Short texts in small type, one centred under each thumbnail column.
    case annotations(label: String, texts: [String])
    /// Extra vertical space (device pixels) separating groups of strips.
    case spacer(Int)
}

/// Stacks strips under a title: a label column on the left (absent when every label is
/// empty), then thumbnails on a common column pitch.
struct StripLayout {
    let strips: [Strip]
    let thumbnails: Thumbnails
    let fonts: FigureFonts

    /// `strips` drawn at the thumbnail size of their first non-empty image batch; throws
    /// `RenderError.fontUnavailable` if the figure font is missing.
    init(strips: [Strip]) throws {
        self.strips = strips
        fonts = try FigureFonts.standard()
        let firstBatch = strips.lazy.compactMap { strip -> ImageBatch? in
            if case .images(_, let batch, let items) = strip, !items.isEmpty { return batch }
            return nil
        }.first
        // With no images at all, strips still need a height; use the size of a 28x28 image.
        thumbnails = firstBatch.map { Thumbnails(for: $0) } ?? Thumbnails(height: 28, width: 28)
    }

    private var columnPitch: Int { thumbnails.width + Style.gap }
    /// Annotation rows hold small text under the thumbnails and a label-sized row name.
    private var annotationHeight: Int { max(fonts.small.lineHeight, fonts.label.lineHeight) + Style.px(2) }

    private var labelColumnWidth: Int {
        let labels = strips.compactMap { strip -> String? in
            switch strip {
            case .images(let label, _, _), .annotations(let label, _): return label
            case .spacer: return nil
            }
        }
        let widest = Style.widest(labels, font: fonts.label)
        return widest == 0 ? 0 : widest + Style.px(10)
    }

    private func height(of strip: Strip) -> Int {
        switch strip {
        case .images: return thumbnails.height + Style.gap
        case .annotations: return annotationHeight
        case .spacer(let space): return space
        }
    }

    private func columnCount(of strip: Strip) -> Int {
        switch strip {
        case .images(_, _, let items): return items.count
        case .annotations(_, let texts): return texts.count
        case .spacer: return 0
        }
    }

    /// Draws every strip below `title` and encodes the result.
    func render(title: String) throws -> RenderedImage {
        let columns = strips.map(columnCount).max() ?? 0
        let labelWidth = labelColumnWidth
        let contentWidth = max(labelWidth + columns * columnPitch - Style.gap, 1)
        let contentHeight = strips.map(height).reduce(0, +)
        var sheet = try TitledSheet(title: title, fonts: fonts, contentWidth: contentWidth, contentHeight: contentHeight)
        let left = sheet.contentLeft + labelWidth
        var top = sheet.contentTop
        for strip in strips {
            switch strip {
            case .images(let label, let batch, let items):
                sheet.canvas.text(label, x: sheet.contentLeft,
                                  y: Style.textTop(centeredOn: top + thumbnails.height / 2, font: fonts.label),
                                  font: fonts.label, color: Style.ink)
                for (column, item) in items.enumerated() {
                    try thumbnails.draw(batch, item: item, on: &sheet.canvas, x: left + column * columnPitch, y: top)
                }
            case .annotations(let label, let texts):
                let textTop = top + Style.px(1)
                sheet.canvas.text(label, x: sheet.contentLeft,
                                  y: Style.textTop(centeredOn: textTop + fonts.small.capitalHeight / 2, font: fonts.label),
                                  font: fonts.label, color: Style.secondaryInk)
                for (column, text) in texts.enumerated() {
                    let fitted = fonts.small.truncated(text, toWidth: columnPitch - Style.px(2))
                    sheet.canvas.text(fitted, x: left + column * columnPitch + thumbnails.width / 2, y: textTop,
                                      font: fonts.small, color: Style.ink, alignment: .center)
                }
            case .spacer:
                break
            }
            top += height(of: strip)
        }
        return try sheet.rendered()
    }
}
