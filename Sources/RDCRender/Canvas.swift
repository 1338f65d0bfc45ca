// Layer: render. Pure Swift raster drawing into an in-memory RGB buffer; no I/O.

/// A point in canvas pixel coordinates. Pixel (i, j) covers [i, i+1) × [j, j+1), so its
/// centre is (i + 0.5, j + 0.5); y grows downwards.
public struct PixelPoint: Sendable, Equatable {
    /// Horizontal position in pixels.
    public var x: Double
    /// Vertical position in pixels, downwards.
    public var y: Double

    /// A point at (`x`, `y`).
    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// Where a line of text sits relative to the x coordinate it is drawn at.
public enum TextAlignment: Sendable {
    /// The text starts at x.
    case left
    /// The text is centred on x.
    case center
    /// The text ends at x.
    case right
}

/// An RGB8 raster, row-major, three bytes per pixel. Every drawing call clips to the canvas,
/// so shapes partly or wholly outside it are drawn in part or not at all, never crash.
public struct Canvas: Sendable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// `width * height * 3` bytes: red, green, blue for each pixel, rows top to bottom.
    public private(set) var pixels: [UInt8]

    /// Largest accepted width or height, to keep a mistaken size from allocating gigabytes.
    public static let maximumSide = 16_384

    /// A canvas filled with `background`; throws unless both sides are in 1...`maximumSide`.
    public init(width: Int, height: Int, background: RGB = .white) throws {
        try require(width > 0 && height > 0, "canvas size must be positive, got \(width)x\(height)")
        try require(width <= Canvas.maximumSide && height <= Canvas.maximumSide,
                    "canvas \(width)x\(height) exceeds the \(Canvas.maximumSide)-pixel limit per side")
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        fill(background)
    }

    /// The colour at (`x`, `y`), or nil outside the canvas.
    public func color(x: Int, y: Int) -> RGB? {
        guard x >= 0, y >= 0, x < width, y < height else { return nil }
        let index = (y * width + x) * 3
        return RGB(red: pixels[index], green: pixels[index + 1], blue: pixels[index + 2])
    }

    /// Paints every pixel `color`.
    public mutating func fill(_ color: RGB) {
        fillRect(x: 0, y: 0, width: width, height: height, color: color)
    }

    /// Paints the axis-aligned rectangle with top-left (`x`, `y`), clipped to the canvas.
    public mutating func fillRect(x: Int, y: Int, width rectWidth: Int, height rectHeight: Int, color: RGB) {
        let left = max(x, 0), right = min(x + rectWidth, width)
        let top = max(y, 0), bottom = min(y + rectHeight, height)
        guard left < right, top < bottom else { return }
        let canvasWidth = width
        pixels.withUnsafeMutableBufferPointer { buffer in
            for row in top..<bottom {
                var index = (row * canvasWidth + left) * 3
                for _ in left..<right {
                    buffer[index] = color.red
                    buffer[index + 1] = color.green
                    buffer[index + 2] = color.blue
                    index += 3
                }
            }
        }
    }

    /// Draws the outline of a rectangle, `thickness` pixels wide, inside its bounds.
    public mutating func strokeRect(x: Int, y: Int, width rectWidth: Int, height rectHeight: Int,
                                    color: RGB, thickness: Int = 1) {
        let t = max(1, thickness)
        fillRect(x: x, y: y, width: rectWidth, height: t, color: color)
        fillRect(x: x, y: y + rectHeight - t, width: rectWidth, height: t, color: color)
        fillRect(x: x, y: y, width: t, height: rectHeight, color: color)
        fillRect(x: x + rectWidth - t, y: y, width: t, height: rectHeight, color: color)
    }

    /// Mixes `color` into the in-bounds pixel (`x`, `y`) with opacity `coverage` (0...1).
    @inline(__always)
    private mutating func blend(x: Int, y: Int, color: RGB, coverage: Double) {
        let index = (y * width + x) * 3
        if coverage >= 1 {
            pixels[index] = color.red
            pixels[index + 1] = color.green
            pixels[index + 2] = color.blue
            return
        }
        func mix(_ old: UInt8, _ new: UInt8) -> UInt8 {
            UInt8((Double(old) + (Double(new) - Double(old)) * coverage).rounded())
        }
        pixels[index] = mix(pixels[index], color.red)
        pixels[index + 1] = mix(pixels[index + 1], color.green)
        pixels[index + 2] = mix(pixels[index + 2], color.blue)
    }

    /// Draws a straight segment `width` pixels thick with round ends. Anti-aliased edges blend
    /// by coverage; otherwise pixels whose centre lies within the stroke are painted.
    /// Segments with non-finite ends are skipped.
    public mutating func line(from start: PixelPoint, to end: PixelPoint, color: RGB,
                              width strokeWidth: Double = 1, antialiased: Bool = true) {
        guard start.x.isFinite, start.y.isFinite, end.x.isFinite, end.y.isFinite, strokeWidth > 0 else { return }
        let halfWidth = strokeWidth / 2
        // Walk along the major axis (u) and, per step, over the few pixels across it (v);
        // `swapped` maps (u, v) back to (x, y).
        let swapped = abs(end.y - start.y) > abs(end.x - start.x)
        let (u0, v0, u1, v1) = swapped ? (start.y, start.x, end.y, end.x) : (start.x, start.y, end.x, end.y)
        let (uLimit, vLimit) = swapped ? (height, width) : (width, height)
        let du = u1 - u0, dv = v1 - v0
        let lengthSquared = du * du + dv * dv
        let secant = lengthSquared > 0 ? (lengthSquared.squareRoot() / abs(du == 0 ? 1 : du)) : 1
        let reach = halfWidth * secant + 1.5
        let uFirst = max(Int((min(u0, u1) - halfWidth - 1).rounded(.down)), 0)
        let uLast = min(Int((max(u0, u1) + halfWidth + 1).rounded(.up)), uLimit - 1)
        guard uFirst <= uLast else { return }
        for u in uFirst...uLast {
            let centreU = Double(u) + 0.5
            let t = du == 0 ? 0 : min(max((centreU - u0) / du, 0), 1)
            let lineV = v0 + t * dv
            let vFirst = max(Int((lineV - reach).rounded(.down)), 0)
            let vLast = min(Int((lineV + reach).rounded(.up)), vLimit - 1)
            guard vFirst <= vLast else { continue }
            for v in vFirst...vLast {
                let distance = Canvas.distance(fromU: centreU, v: Double(v) + 0.5,
                                               toSegmentU0: u0, v0: v0, du: du, dv: dv, lengthSquared: lengthSquared)
                let coverage = antialiased ? min(max(halfWidth + 0.5 - distance, 0), 1) : (distance <= halfWidth ? 1 : 0)
                guard coverage > 0 else { continue }
                if swapped { blend(x: v, y: u, color: color, coverage: coverage) } else { blend(x: u, y: v, color: color, coverage: coverage) }
            }
        }
    }

    private static func distance(fromU u: Double, v: Double, toSegmentU0 u0: Double, v0: Double,
                                 du: Double, dv: Double, lengthSquared: Double) -> Double {
        let t = lengthSquared > 0 ? min(max(((u - u0) * du + (v - v0) * dv) / lengthSquared, 0), 1) : 0
        let eu = u - (u0 + t * du), ev = v - (v0 + t * dv)
        return (eu * eu + ev * ev).squareRoot()
    }

    /// Draws a dashed segment: `dash` pixels drawn, `gap` pixels skipped, starting with a dash.
    public mutating func dashedLine(from start: PixelPoint, to end: PixelPoint, color: RGB,
                                    width strokeWidth: Double = 1, dash: Double = 8, gap: Double = 6) {
        let dx = end.x - start.x, dy = end.y - start.y
        let length = (dx * dx + dy * dy).squareRoot()
        guard length.isFinite, length > 0, dash > 0, gap >= 0 else { return }
        var offset = 0.0
        while offset < length {
            let stop = min(offset + dash, length)
            line(from: PixelPoint(x: start.x + dx * offset / length, y: start.y + dy * offset / length),
                 to: PixelPoint(x: start.x + dx * stop / length, y: start.y + dy * stop / length),
                 color: color, width: strokeWidth, antialiased: false)
            offset = stop + gap
        }
    }

    /// Draws a filled disc (a dot), anti-aliased at the rim unless `antialiased` is false.
    public mutating func disc(center: PixelPoint, radius: Double, color: RGB, antialiased: Bool = true) {
        guard center.x.isFinite, center.y.isFinite, radius > 0 else { return }
        let left = max(Int((center.x - radius - 1).rounded(.down)), 0)
        let right = min(Int((center.x + radius + 1).rounded(.up)), width - 1)
        let top = max(Int((center.y - radius - 1).rounded(.down)), 0)
        let bottom = min(Int((center.y + radius + 1).rounded(.up)), height - 1)
        guard left <= right, top <= bottom else { return }
        for y in top...bottom {
            let dy = Double(y) + 0.5 - center.y
            for x in left...right {
                let dx = Double(x) + 0.5 - center.x
                let distance = (dx * dx + dy * dy).squareRoot()
                let coverage = antialiased ? min(max(radius + 0.5 - distance, 0), 1) : (distance <= radius ? 1 : 0)
                if coverage > 0 { blend(x: x, y: y, color: color, coverage: coverage) }
            }
        }
    }

    /// Draws one line of `text` in `font`, anti-aliased. `y` is the top of capital letters
    /// (the baseline is `font.capitalHeight` below it); `alignment` says how the text sits
    /// around `x`.
    public mutating func text(_ text: String, x: Int, y: Int, font: Font, color: RGB,
                              alignment: TextAlignment = .left) {
        let placed = font.typeface.layout(text, pixelSize: font.pixelSize)
        let textWidth = placed.last.map { $0.penX + $0.glyph.advance } ?? 0
        let startX: Int
        switch alignment {
        case .left: startX = x
        case .center: startX = x - textWidth / 2
        case .right: startX = x - textWidth
        }
        let baseline = y + font.capitalHeight
        for (glyph, penX) in placed {
            drawGlyph(glyph, color: color) { column, row in
                (startX + penX + glyph.left + column, baseline - glyph.top + row)
            }
        }
    }

    /// Draws one line of `text` in `font` turned a quarter anticlockwise (reading bottom to
    /// top), its middle at (`centerX`, `centerY`); used for vertical axis labels. Capitals
    /// span `font.capitalHeight` pixels across, centred on `centerX`.
    public mutating func verticalText(_ text: String, centerX: Int, centerY: Int, font: Font, color: RGB) {
        let placed = font.typeface.layout(text, pixelSize: font.pixelSize)
        let textLength = placed.last.map { $0.penX + $0.glyph.advance } ?? 0
        let capitals = font.capitalHeight
        // Horizontal text (h, v) relative to its baseline start maps to (baselineX + v, startY - h).
        let baselineX = centerX - capitals / 2 + capitals
        let startY = centerY + textLength / 2
        for (glyph, penX) in placed {
            drawGlyph(glyph, color: color) { column, row in
                (baselineX - glyph.top + row, startY - (penX + glyph.left + column) - 1)
            }
        }
    }

    /// Blends `glyph`'s coverage in `color`; `place` maps a (column, row) of its bitmap to the
    /// canvas pixel it covers. Pixels outside the canvas are skipped.
    private mutating func drawGlyph(_ glyph: Typeface.Glyph, color: RGB, place: (Int, Int) -> (Int, Int)) {
        guard glyph.width > 0, glyph.rows > 0 else { return }
        for row in 0..<glyph.rows {
            for column in 0..<glyph.width {
                let coverage = glyph.coverage[row * glyph.width + column]
                guard coverage > 0 else { continue }
                let (x, y) = place(column, row)
                guard x >= 0, y >= 0, x < width, y < height else { continue }
                blend(x: x, y: y, color: color, coverage: Double(coverage) / 255)
            }
        }
    }

    /// Copies image `item` of `batch` with its top-left at (`x`, `y`), each image pixel a
    /// `scale`×`scale` block (nearest neighbour), clipped to the canvas. Grey images are drawn
    /// as equal RGB; values are clamped to 0...1. Throws if `item` or `scale` is out of range.
    public mutating func blit(_ batch: ImageBatch, item: Int, x: Int, y: Int, scale: Int) throws {
        try require(item >= 0 && item < batch.count, "image index \(item) is outside a batch of \(batch.count)")
        try require(scale >= 1, "image scale must be at least 1, got \(scale)")
        let firstColumn = max(0, -x), endColumn = min(batch.width * scale, width - x)
        guard firstColumn < endColumn else { return }
        let plane = batch.height * batch.width
        let base = item * batch.valuesPerImage
        let greenOffset = batch.channels == 3 ? plane : 0, blueOffset = batch.channels == 3 ? 2 * plane : 0
        // Each source row is converted once into a scaled, clipped canvas row, then copied
        // into the `scale` canvas rows it covers.
        var scaledRow = [UInt8](repeating: 0, count: (endColumn - firstColumn) * 3)
        let canvasWidth = width, canvasHeight = height
        batch.values.withUnsafeBufferPointer { source in
            pixels.withUnsafeMutableBufferPointer { destination in
                scaledRow.withUnsafeMutableBufferPointer { row in
                    for sourceRow in 0..<batch.height {
                        let rowTop = y + sourceRow * scale
                        guard rowTop + scale > 0, rowTop < canvasHeight else { continue }
                        let rowStart = base + sourceRow * batch.width
                        // Step through source columns with a repeat counter (no per-pixel division).
                        var sourceColumn = firstColumn / scale, repeatsLeft = scale - firstColumn % scale
                        var red: UInt8 = 0, green: UInt8 = 0, blue: UInt8 = 0
                        var index = 0
                        for column in firstColumn..<endColumn {
                            if column == firstColumn || repeatsLeft == 0 {
                                if column != firstColumn { sourceColumn += 1; repeatsLeft = scale }
                                red = ImageBatch.intensity(source[rowStart + sourceColumn])
                                green = ImageBatch.intensity(source[rowStart + sourceColumn + greenOffset])
                                blue = ImageBatch.intensity(source[rowStart + sourceColumn + blueOffset])
                            }
                            row[index] = red
                            row[index + 1] = green
                            row[index + 2] = blue
                            index += 3
                            repeatsLeft -= 1
                        }
                        for canvasY in max(rowTop, 0)..<min(rowTop + scale, canvasHeight) {
                            let start = (canvasY * canvasWidth + x + firstColumn) * 3
                            UnsafeMutableRawPointer(destination.baseAddress! + start)
                                .copyMemory(from: row.baseAddress!, byteCount: row.count)
                        }
                    }
                }
            }
        }
    }
}
