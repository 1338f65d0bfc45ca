// Layer: render. A single curve with one point singled out (a K scan's score per K, a
// k-distance curve with its knee); pure drawing.

/// The point a `Figures.markedCurve` singles out, with dashed guides to both axes.
public struct CurveMark: Sendable, Equatable {
    /// Where it is, in data coordinates.
    public var x: Double, y: Double
    /// Its legend text, e.g. "chosen: K=4" or "eps=0.21 (knee)".
    public var label: String

    /// A mark at (x, y) called `label`.
    public init(x: Double, y: Double, label: String) {
        self.x = x
        self.y = y
        self.label = label
    }
}

extension Figures {
    private static let curvePlotSize = (width: Style.px(440), height: Style.px(280))
    private static let markColor = RGB(hex: 0xD62839)

    /// A curve through (x[i], y[i]) in the order given, with vertical error bars of ± `errors[i]`
    /// when given, and `mark` drawn as a red dot with dashed guides to both axes; a legend names
    /// the curve and the mark. Dots mark each point when there are at most 40. Throws if there
    /// are no points, the arrays disagree in length, or a value is not finite.
    public static func markedCurve(x: [Double], y: [Double], errors: [Double]? = nil, curveName: String, mark: CurveMark,
                                   title: String, xLabel: String, yLabel: String, integerX: Bool = false) throws -> RenderedImage {
        try require(!x.isEmpty, "a curve needs at least one point")
        try require(x.count == y.count, "a curve has \(x.count) x values but \(y.count) y values")
        try require(errors.map { $0.count == x.count } ?? true, "a curve has \(x.count) points but \(errors?.count ?? 0) error bars")
        let values = x + y + (errors ?? []) + [mark.x, mark.y]
        try require(values.allSatisfy(\.isFinite), "a curve's values and its mark must be finite")
        let spread = errors ?? [Double](repeating: 0, count: y.count)
        let lows = zip(y, spread).map { $0 - abs($1) } + [mark.y], highs = zip(y, spread).map { $0 + abs($1) } + [mark.y]
        // A few points (a K scan) get half a step of room at each end, so no dot sits on the frame;
        // a dense curve none (a k-distance curve of 2,000 points would round out to −500).
        let xLow = min(x.min()!, mark.x), xHigh = max(x.max()!, mark.x)
        let xPadding = x.count > 40 ? 0 : integerX ? 0.5 : 0.03 * (xHigh - xLow)
        let xAxis = AxisScale.linear(dataMin: xLow - xPadding, dataMax: xHigh + xPadding, targetTicks: 8, integerSteps: integerX)
        let yAxis = AxisScale.linear(dataMin: lows.min()!, dataMax: highs.max()!, targetTicks: 5, padding: 0.05)
        let fonts = try FigureFonts.standard()
        let curveColor = Palette.categoryColor(0)
        let legend = Legend(entries: [(curveName, curveColor), (mark.label, markColor)], marker: .dot,
                            maxRows: curvePlotSize.height / Legend.rowHeight, font: fonts.label)
        var sheet = try chartSheet(title: title, fonts: fonts, plotSize: curvePlotSize, y: yAxis, legend: legend)
        let plot = chartArea(in: sheet, plotSize: curvePlotSize, x: xAxis, y: yAxis)
        plot.drawAxes(on: &sheet.canvas, xTitle: xLabel, yTitle: yLabel)

        let guide = { (from: PixelPoint, to: PixelPoint, canvas: inout Canvas) in
            canvas.dashedLine(from: from, to: to, color: markColor.mixed(with: .white, fraction: 0.35),
                              width: Double(Style.px(1)), dash: Double(Style.px(5)), gap: Double(Style.px(3)))
        }
        let marked = plot.point(mark.x, mark.y)
        guide(PixelPoint(x: marked.x, y: Double(plot.top + plot.height)), PixelPoint(x: marked.x, y: Double(plot.top)), &sheet.canvas)
        guide(PixelPoint(x: Double(plot.left), y: marked.y), PixelPoint(x: Double(plot.left + plot.width), y: marked.y), &sheet.canvas)

        let lineWidth = Double(Style.density) * 1.25
        for index in x.indices {
            let here = plot.point(x[index], y[index])
            if index + 1 < x.count { sheet.canvas.line(from: here, to: plot.point(x[index + 1], y[index + 1]), color: curveColor, width: lineWidth) }
            if spread[index] != 0 {
                let top = plot.point(x[index], y[index] + abs(spread[index])), bottom = plot.point(x[index], y[index] - abs(spread[index]))
                let cap = Double(Style.px(3))
                sheet.canvas.line(from: top, to: bottom, color: curveColor, width: lineWidth * 0.8)
                for end in [top, bottom] {
                    sheet.canvas.line(from: PixelPoint(x: end.x - cap, y: end.y), to: PixelPoint(x: end.x + cap, y: end.y),
                                      color: curveColor, width: lineWidth * 0.8)
                }
            }
            if x.count <= 40 { sheet.canvas.disc(center: here, radius: lineWidth * 1.4, color: curveColor) }
        }
        sheet.canvas.disc(center: marked, radius: lineWidth * 2.6, color: markColor)
        legend.draw(on: &sheet.canvas, x: plot.left + plot.width + Style.px(12), y: plot.top)
        return try sheet.rendered()
    }
}
