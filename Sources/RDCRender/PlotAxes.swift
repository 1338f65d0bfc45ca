// Layer: render. Axes, tick choice and legends for the chart figures; pure drawing, no I/O.
import Foundation

/// One labelled tick on an axis.
struct AxisTick {
    let value: Double
    let label: String
}

/// A numeric axis: the shown range, how values map onto it, and its ticks.
struct AxisScale {
    let lower: Double
    let upper: Double
    let logarithmic: Bool
    let ticks: [AxisTick]

    /// Where `value` falls along the axis, 0 at `lower` and 1 at `upper`.
    func fraction(_ value: Double) -> Double {
        if logarithmic { return (log10(value) - log10(lower)) / (log10(upper) - log10(lower)) }
        return (value - lower) / (upper - lower)
    }

    /// A linear axis covering `dataMin...dataMax` widened by `padding` (a fraction of the
    /// span) and then out to "nice" tick values (1, 2 or 5 times a power of ten), aiming at
    /// about `targetTicks` ticks. `integerSteps` keeps the step at least 1 (epochs).
    static func linear(dataMin: Double, dataMax: Double, targetTicks: Int, padding: Double = 0,
                       integerSteps: Bool = false) -> AxisScale {
        var low = dataMin, high = dataMax
        if high - low <= max(abs(low), abs(high)) * 1e-9 {
            let spread = low == 0 ? 1 : abs(low) * 0.1
            low -= spread
            high += spread
        } else {
            let span = high - low
            low -= span * padding
            high += span * padding
        }
        var step = niceStep((high - low) / Double(max(targetTicks, 1)))
        if integerSteps { step = max(step, 1) }
        let lower = (low / step).rounded(.down) * step
        let upper = (high / step).rounded(.up) * step
        let decimals = max(0, Int(-(log10(step) + 1e-9).rounded(.down)))
        let count = Int(((upper - lower) / step).rounded())
        let ticks = (0...count).map { index -> AxisTick in
            let value = lower + Double(index) * step
            return AxisTick(value: value, label: typographicMinus(formatFixed(value, decimals: decimals)))
        }
        return AxisScale(lower: lower, upper: upper, logarithmic: false, ticks: ticks)
    }

    /// A base-10 logarithmic axis from the decade at or below `dataMin` to the decade at or
    /// above `dataMax` (both must be positive). Ticks at each power of ten, plus 2x and 5x
    /// when the axis spans at most two decades.
    static func logarithmic(dataMin: Double, dataMax: Double) -> AxisScale {
        let lowDecade = Int(log10(dataMin).rounded(.down))
        var highDecade = Int(log10(dataMax).rounded(.up))
        if highDecade == lowDecade { highDecade += 1 }
        let mantissas: [Double] = highDecade - lowDecade <= 2 ? [1, 2, 5] : [1]
        var ticks: [AxisTick] = []
        for decade in lowDecade...highDecade {
            for mantissa in mantissas where decade < highDecade || mantissa == 1 {
                let value = mantissa * pow(10, Double(decade))
                let label = (-4...5).contains(decade)
                    ? formatFixed(value, decimals: max(0, -decade))
                    : "\(Int(mantissa))e\(decade)"
                ticks.append(AxisTick(value: value, label: label))
            }
        }
        return AxisScale(lower: pow(10, Double(lowDecade)), upper: pow(10, Double(highDecade)),
                         logarithmic: true, ticks: ticks)
    }

    /// The smallest of 1, 2, 5 times a power of ten that is at least `raw`.
    private static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let magnitude = pow(10, log10(raw).rounded(.down))
        let normalised = raw / magnitude
        let factor: Double = normalised <= 1 ? 1 : normalised <= 2 ? 2 : normalised <= 5 ? 5 : 10
        return factor * magnitude
    }
}

/// `text` with a leading hyphen-minus replaced by the minus sign (U+2212), which is as wide
/// as a digit and sits at the height of a plus, as tick labels should.
func typographicMinus(_ text: String) -> String {
    text.hasPrefix("-") ? "\u{2212}" + text.dropFirst() : text
}

/// `value` with `decimals` digits after the point, never "-0".
func formatFixed(_ value: Double, decimals: Int) -> String {
    let text = String(format: "%.\(decimals)f", value)
    let isNegativeZero = text.hasPrefix("-") && text.dropFirst().allSatisfy { $0 == "0" || $0 == "." }
    return isNegativeZero ? String(text.dropFirst()) : text
}

/// A rectangular chart area with two axes; maps data to canvas pixels and draws the frame,
/// grid, ticks, tick labels and axis titles around it.
struct PlotArea {
    let left: Int
    let top: Int
    let width: Int
    let height: Int
    let x: AxisScale
    let y: AxisScale
    let fonts: FigureFonts

    static let tickLength = Style.px(4)

    /// Space needed left of the area for the y tick labels and the rotated y-axis title.
    static func leftGutter(for y: AxisScale, fonts: FigureFonts) -> Int {
        fonts.label.lineHeight + Style.px(6)
            + Style.widest(y.ticks.map(\.label), font: fonts.label) + Style.px(3) + tickLength
    }

    /// Space needed below the area for the x tick labels and the x-axis title.
    static func bottomGutter(fonts: FigureFonts) -> Int {
        tickLength + Style.px(3) + fonts.label.lineHeight + Style.px(4) + fonts.label.lineHeight
    }

    /// The canvas position of the data point (`xValue`, `yValue`).
    func point(_ xValue: Double, _ yValue: Double) -> PixelPoint {
        PixelPoint(x: Double(left) + x.fraction(xValue) * Double(width),
                   y: Double(top + height) - y.fraction(yValue) * Double(height))
    }

    /// Draws grid lines, the frame, ticks with labels and both axis titles.
    func drawAxes(on canvas: inout Canvas, xTitle: String, yTitle: String) {
        let bottom = top + height
        let label = fonts.label
        let labelHeight = label.capitalHeight
        for tick in x.ticks {
            let tickX = Int(point(tick.value, y.lower).x.rounded())
            canvas.fillRect(x: tickX - 1, y: top, width: 2, height: height, color: Style.grid)
            canvas.fillRect(x: tickX - 1, y: bottom, width: 2, height: PlotArea.tickLength, color: Style.axis)
            canvas.text(tick.label, x: tickX, y: bottom + PlotArea.tickLength + Style.px(3),
                        font: label, color: Style.ink, alignment: .center)
        }
        for tick in y.ticks {
            let tickY = Int(point(x.lower, tick.value).y.rounded())
            canvas.fillRect(x: left, y: tickY - 1, width: width, height: 2, color: Style.grid)
            canvas.fillRect(x: left - PlotArea.tickLength, y: tickY - 1, width: PlotArea.tickLength, height: 2, color: Style.axis)
            canvas.text(tick.label, x: left - PlotArea.tickLength - Style.px(3), y: tickY - labelHeight / 2,
                        font: label, color: Style.ink, alignment: .right)
        }
        canvas.strokeRect(x: left - 1, y: top - 1, width: width + 2, height: height + 2, color: Style.axis, thickness: 2)
        canvas.text(xTitle, x: left + width / 2, y: top + height + PlotArea.bottomGutter(fonts: fonts) - label.lineHeight,
                    font: label, color: Style.ink, alignment: .center)
        let yTitleCenterX = left - PlotArea.leftGutter(for: y, fonts: fonts) + labelHeight / 2
        canvas.verticalText(yTitle, centerX: yTitleCenterX, centerY: top + height / 2, font: label, color: Style.ink)
    }
}

/// A column of coloured swatches with names, for scatter groups or line series.
struct Legend {
    enum Marker { case dot, line }

    let entries: [(name: String, color: RGB?)]
    let marker: Marker
    let font: Font

    static let rowHeight = Style.px(14)
    static let swatchWidth = Style.px(16)

    /// Longest name drawn in full; longer ones end in "…" so the legend fits beside its plot.
    static let widestName = Style.px(150)

    /// A legend of `entries` in `font`; when there are more than `maxRows`, the last row
    /// reads "+N more" instead.
    init(entries allEntries: [(name: String, color: RGB)], marker: Marker, maxRows: Int, font: Font) {
        let rows = max(maxRows, 1)
        let fitted = allEntries.map { (name: font.truncated($0.name, toWidth: Legend.widestName), color: Optional($0.color)) }
        if fitted.count <= rows {
            entries = fitted
        } else {
            let shown = fitted.prefix(rows - 1)
            entries = shown + [(name: "+\(fitted.count - shown.count) more", color: nil)]
        }
        self.marker = marker
        self.font = font
    }

    var width: Int {
        Legend.swatchWidth + Style.px(6) + Style.widest(entries.map(\.name), font: font)
    }

    var height: Int { entries.count * Legend.rowHeight }

    /// Draws the legend with its top-left at (`x`, `y`).
    func draw(on canvas: inout Canvas, x: Int, y: Int) {
        for (row, entry) in entries.enumerated() {
            let centerY = y + row * Legend.rowHeight + Legend.rowHeight / 2
            if let color = entry.color {
                switch marker {
                case .dot:
                    canvas.disc(center: PixelPoint(x: Double(x + Legend.swatchWidth / 2), y: Double(centerY)),
                                radius: Double(Style.px(4)), color: color)
                case .line:
                    canvas.line(from: PixelPoint(x: Double(x), y: Double(centerY)),
                                to: PixelPoint(x: Double(x + Legend.swatchWidth), y: Double(centerY)),
                                color: color, width: Double(Style.px(2)))
                }
            }
            canvas.text(entry.name, x: x + Legend.swatchWidth + Style.px(6),
                        y: Style.textTop(centeredOn: centerY, font: font),
                        font: font, color: entry.color == nil ? Style.secondaryInk : Style.ink)
        }
    }
}
