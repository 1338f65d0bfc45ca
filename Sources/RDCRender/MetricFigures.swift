// Layer: render. The tracked-measures figure: one small panel per measure over the epochs of
// every phase, with the phase boundaries marked; pure drawing.

/// One measure for `Figures.metricPanels`: a value per epoch, NaN where it was not tracked.
public struct MetricSeries: Sendable {
    /// Panel title, e.g. "ACC" or "twist".
    public var name: String
    /// One value per epoch, the first for epoch 1 (drawn at x = 1); non-finite = not measured.
    public var values: [Double]

    /// A series called `name`.
    public init(name: String, values: [Double]) {
        self.name = name
        self.values = values
    }
}

extension Figures {
    private static let metricPlotSize = (width: Style.px(250), height: Style.px(130))
    private static let metricColumns = 2

    /// A grid of panels, two per row, one per series: each measured value as a dot joined to the
    /// next measured one, the phase boundaries dashed in every panel and named once, in a strip
    /// above each column (so no label covers a measure), the epoch axis shared.
    /// Throws if there are no series, a series has no finite value, or a boundary is invalid.
    public static func metricPanels(series: [MetricSeries], phaseBoundaries: [PhaseBoundary], title: String,
                                    xLabel: String = "epoch (all phases)") throws -> RenderedImage {
        try require(!series.isEmpty, "metric panels need at least one series")
        try requireValid(phaseBoundaries)
        for measure in series {
            try require(measure.values.contains(where: \.isFinite), "the measure \(measure.name) has no finite value")
        }
        let longest = series.map(\.values.count).max()!
        let xAxis = AxisScale.linear(dataMin: 1, dataMax: max(Double(longest), phaseBoundaries.map(\.position).max() ?? 0, 2),
                                     targetTicks: 6, integerSteps: true)
        let yAxes = series.map { measure -> AxisScale in
            let finite = measure.values.filter(\.isFinite)
            let low = finite.min()!, high = finite.max()!, margin = 0.08 * (high - low)
            // Measures that cannot be negative keep their axis at or above zero.
            return AxisScale.linear(dataMin: low >= 0 ? max(0, low - margin) : low - margin, dataMax: high + margin, targetTicks: 4)
        }
        let fonts = try FigureFonts.standard()
        let gutter = yAxes.map { PlotArea.leftGutter(for: $0, fonts: fonts) }.max()!
        let panelTitleBand = fonts.label.lineHeight + Style.px(4)
        let cellWidth = gutter + metricPlotSize.width + Style.px(16)
        let cellHeight = panelTitleBand + metricPlotSize.height + PlotArea.bottomGutter(fonts: fonts) + Style.px(8)
        let rows = (series.count + metricColumns - 1) / metricColumns
        let columns = min(series.count, metricColumns)
        let labelRowHeight = phaseLabelRowHeight(fonts)
        let labelStrip = phaseBoundaries.isEmpty ? 0 : phaseBoundaries.count * labelRowHeight + Style.px(2)
        var sheet = try TitledSheet(title: title, fonts: fonts, contentWidth: columns * cellWidth,
                                    contentHeight: labelStrip + rows * cellHeight)
        let lineWidth = Double(Style.density) * 1.25
        for (index, measure) in series.enumerated() {
            let cellLeft = sheet.contentLeft + (index % metricColumns) * cellWidth
            let cellTop = sheet.contentTop + labelStrip + (index / metricColumns) * cellHeight
            let plot = PlotArea(left: cellLeft + gutter, top: cellTop + panelTitleBand, width: metricPlotSize.width,
                                height: metricPlotSize.height, x: xAxis, y: yAxes[index], fonts: fonts)
            sheet.canvas.text(measure.name, x: plot.left + plot.width / 2, y: cellTop, font: fonts.label,
                              color: Style.ink, alignment: .center)
            // The epoch axis is shared: only the bottom row names it.
            plot.drawAxes(on: &sheet.canvas, xTitle: index / metricColumns == rows - 1 ? xLabel : "", yTitle: "")
            drawPhaseLines(phaseBoundaries, in: plot, on: &sheet.canvas)
            if index < metricColumns, labelStrip > 0 {
                drawPhaseLabels(phaseBoundaries, over: plot, top: sheet.contentTop + Style.px(3), rowLimit: labelStrip + labelRowHeight,
                                on: &sheet.canvas)
            }
            let color = Palette.categoryColor(index)
            var previous: PixelPoint?
            for (epoch, value) in measure.values.enumerated() where value.isFinite {
                let here = plot.point(Double(epoch + 1), value)
                if let previous { sheet.canvas.line(from: previous, to: here, color: color, width: lineWidth) }
                sheet.canvas.disc(center: here, radius: lineWidth * 1.4, color: color)
                previous = here
            }
        }
        return try sheet.rendered()
    }
}
