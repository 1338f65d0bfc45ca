// Layer: render. The chart figures (embedding scatter, loss curves, confusion heatmap); pure drawing.

/// One named curve for `Figures.lossCurves`: a value per epoch, NaN or infinity where absent.
public struct LossSeries: Sendable {
    /// Legend name, e.g. "reconstruction".
    public var name: String
    /// One value per epoch, the first for epoch 1 (drawn at x = 1, as progress and `history`
    /// count); NaN (or any non-finite value) = not recorded.
    public var values: [Float]

    /// A series called `name`.
    public init(name: String, values: [Float]) {
        self.name = name
        self.values = values
    }
}

/// Where one training phase gives way to the next on an epoch axis.
public struct PhaseBoundary: Sendable, Equatable {
    /// The epoch number (1-based over all phases) where the line is drawn, e.g. 10.5 between
    /// epochs 10 and 11.
    public var position: Double
    /// What it marks, e.g. "pretrain | refine".
    public var label: String

    /// A boundary at `position` labelled `label`.
    public init(position: Double, label: String) {
        self.position = position
        self.label = label
    }
}

/// How the vertical axis of a loss plot is scaled.
public enum LossAxisScale: Sendable {
    /// Evenly spaced values.
    case linear
    /// Powers of ten evenly spaced; non-positive values are left out.
    case logarithmic
    /// Logarithmic when every value is positive and they span at least two decades, else linear.
    case automatic
}

extension Figures {
    /// Logical size of the plotting area of the scatter and loss charts.
    private static let scatterPlotSize = (width: Style.px(400), height: Style.px(320))
    private static let lossPlotSize = (width: Style.px(440), height: Style.px(280))

    /// A scatter of 2-D points coloured by group, with axes, ticks and a legend naming the
    /// groups present (colours from `Palette.categoryColor`, cycling past the palette).
    /// `points` holds x, y pairs; `groups[i]` indexes `groupNames` for point i. The points of
    /// `noiseGroup` (DBSCAN's noise) are drawn first, small and grey, so they never hide a
    /// cluster, and the other groups keep the colours they would have without it. Throws if
    /// there are no points, the arrays disagree in length, a coordinate is not finite, or a
    /// group index has no name.
    public static func embedding(points: [Float], groups: [Int], groupNames: [String], title: String,
                                 xLabel: String = "dimension 1", yLabel: String = "dimension 2",
                                 noiseGroup: Int? = nil) throws -> RenderedImage {
        try require(!points.isEmpty, "embedding needs at least one point")
        try require(points.count % 2 == 0, "embedding points must be x, y pairs, got an odd count \(points.count)")
        let pointCount = points.count / 2
        try require(groups.count == pointCount, "embedding has \(pointCount) points but \(groups.count) group indices")
        if let bad = points.firstIndex(where: { !$0.isFinite }) {
            throw RenderError.invalidInput("embedding point \(bad / 2) has a non-finite coordinate \(points[bad])")
        }
        if let bad = groups.firstIndex(where: { $0 < 0 || $0 >= groupNames.count }) {
            throw RenderError.invalidInput(
                "embedding point \(bad) is in group \(groups[bad]) but only \(groupNames.count) group names were given")
        }
        var xRange = (Double(points[0]), Double(points[0])), yRange = (Double(points[1]), Double(points[1]))
        for index in 0..<pointCount {
            let x = Double(points[2 * index]), y = Double(points[2 * index + 1])
            xRange = (min(xRange.0, x), max(xRange.1, x))
            yRange = (min(yRange.0, y), max(yRange.1, y))
        }
        let xAxis = AxisScale.linear(dataMin: xRange.0, dataMax: xRange.1, targetTicks: 6, padding: 0.04)
        let yAxis = AxisScale.linear(dataMin: yRange.0, dataMax: yRange.1, targetTicks: 5, padding: 0.04)
        let present = Set(groups).sorted()
        let colour = { (group: Int) -> RGB in
            guard let noiseGroup else { return Palette.categoryColor(group) }
            return group == noiseGroup ? Palette.noise : Palette.categoryColor(group > noiseGroup ? group - 1 : group)
        }
        let fonts = try FigureFonts.standard()
        let legend = Legend(entries: present.map { (groupNames[$0], colour($0)) }, marker: .dot,
                            maxRows: scatterPlotSize.height / Legend.rowHeight, font: fonts.label)

        var sheet = try chartSheet(title: title, fonts: fonts, plotSize: scatterPlotSize, y: yAxis, legend: legend)
        let plot = chartArea(in: sheet, plotSize: scatterPlotSize, x: xAxis, y: yAxis)
        plot.drawAxes(on: &sheet.canvas, xTitle: xLabel, yTitle: yLabel)
        let radius = Double(Style.density) * 1.6
        let noiseFirst = (0..<pointCount).filter { groups[$0] == noiseGroup } + (0..<pointCount).filter { groups[$0] != noiseGroup }
        for index in noiseFirst {
            let center = plot.point(Double(points[2 * index]), Double(points[2 * index + 1]))
            sheet.canvas.disc(center: center, radius: groups[index] == noiseGroup ? radius * 0.7 : radius, color: colour(groups[index]))
        }
        legend.draw(on: &sheet.canvas, x: plot.left + plot.width + Style.px(12), y: plot.top)
        return try sheet.rendered()
    }

    /// Loss curves per epoch index, one colour per series with a legend, gaps where values
    /// are absent, and a labelled dashed vertical line at each of `phaseBoundaries`. Throws if
    /// there are no series or no drawable values, or a boundary is negative or not finite.
    public static func lossCurves(series: [LossSeries], phaseBoundaries: [PhaseBoundary] = [], title: String,
                                  xLabel: String = "epoch", yLabel: String = "loss",
                                  yScale: LossAxisScale = .automatic) throws -> RenderedImage {
        try require(!series.isEmpty, "loss curves need at least one series")
        try requireValid(phaseBoundaries)
        let finite = series.flatMap(\.values).filter(\.isFinite).map(Double.init)
        try require(!finite.isEmpty, "loss curves have no finite values to draw")
        let logarithmic: Bool
        switch yScale {
        case .linear: logarithmic = false
        case .logarithmic: logarithmic = true
        case .automatic: logarithmic = finite.min()! > 0 && finite.max()! / finite.min()! >= 100
        }
        let drawable = logarithmic ? finite.filter { $0 > 0 } : finite
        try require(!drawable.isEmpty, "a logarithmic loss axis needs at least one positive value")
        let longest = series.map(\.values.count).max()!
        let xAxis = AxisScale.linear(dataMin: 1, dataMax: max(Double(longest), phaseBoundaries.map(\.position).max() ?? 0, 2),
                                     targetTicks: 8, integerSteps: true)
        let yAxis = logarithmic
            ? AxisScale.logarithmic(dataMin: drawable.min()!, dataMax: drawable.max()!)
            : AxisScale.linear(dataMin: drawable.min()!, dataMax: drawable.max()!, targetTicks: 5, padding: 0.05)
        let fonts = try FigureFonts.standard()
        let legend = Legend(entries: series.enumerated().map { ($1.name, Palette.categoryColor($0)) }, marker: .line,
                            maxRows: lossPlotSize.height / Legend.rowHeight, font: fonts.label)

        var sheet = try chartSheet(title: title, fonts: fonts, plotSize: lossPlotSize, y: yAxis, legend: legend)
        let plot = chartArea(in: sheet, plotSize: lossPlotSize, x: xAxis, y: yAxis)
        plot.drawAxes(on: &sheet.canvas, xTitle: xLabel, yTitle: yLabel)
        drawPhaseBoundaries(phaseBoundaries, in: plot, on: &sheet.canvas)
        let lineWidth = Double(Style.density) * 1.25
        for (index, curve) in series.enumerated() {
            let color = Palette.categoryColor(index)
            let isDrawn = { (value: Float) in value.isFinite && (!logarithmic || value > 0) }
            let showMarkers = curve.values.count <= 40
            for (epoch, value) in curve.values.enumerated() where isDrawn(value) {
                let here = plot.point(Double(epoch + 1), Double(value))
                if epoch + 1 < curve.values.count, isDrawn(curve.values[epoch + 1]) {
                    let next = plot.point(Double(epoch + 2), Double(curve.values[epoch + 1]))
                    sheet.canvas.line(from: here, to: next, color: color, width: lineWidth)
                }
                let isolated = (epoch == 0 || !isDrawn(curve.values[epoch - 1]))
                    && (epoch + 1 == curve.values.count || !isDrawn(curve.values[epoch + 1]))
                if showMarkers || isolated {
                    sheet.canvas.disc(center: here, radius: lineWidth * 1.2, color: color)
                }
            }
        }
        legend.draw(on: &sheet.canvas, x: plot.left + plot.width + Style.px(12), y: plot.top)
        return try sheet.rendered()
    }

    static func requireValid(_ boundaries: [PhaseBoundary]) throws {
        for boundary in boundaries {
            try require(boundary.position.isFinite && boundary.position >= 0,
                        "phase boundary must be a finite epoch number >= 0, got \(boundary.position)")
        }
    }

    /// Dashed vertical lines at the boundaries, each label in a white box near the top, one row
    /// lower for each boundary so that close boundaries do not overwrite each other's labels.
    static func drawPhaseBoundaries(_ boundaries: [PhaseBoundary], in plot: PlotArea, on canvas: inout Canvas) {
        drawPhaseLines(boundaries, in: plot, on: &canvas)
        drawPhaseLabels(boundaries, over: plot, top: plot.top + Style.px(4), rowLimit: plot.height, on: &canvas)
    }

    /// The dashed vertical line of each boundary across the plot.
    static func drawPhaseLines(_ boundaries: [PhaseBoundary], in plot: PlotArea, on canvas: inout Canvas) {
        for boundary in boundaries {
            let x = plot.point(boundary.position, plot.y.upper).x
            canvas.dashedLine(from: PixelPoint(x: x, y: Double(plot.top)), to: PixelPoint(x: x, y: Double(plot.top + plot.height)),
                              color: Style.secondaryInk, width: Double(Style.px(1)), dash: Double(Style.px(5)), gap: Double(Style.px(3)))
        }
    }

    /// The height of one row of boundary labels.
    static func phaseLabelRowHeight(_ fonts: FigureFonts) -> Int {
        fonts.label.lineHeight + 3 * Style.px(3)
    }

    /// Each boundary's label centred on its x (kept inside the plot's width) in a white box, the
    /// first at `top` and each next one row lower, wrapping within `rowLimit` pixels.
    static func drawPhaseLabels(_ boundaries: [PhaseBoundary], over plot: PlotArea, top: Int, rowLimit: Int, on canvas: inout Canvas) {
        let padding = Style.px(3)
        let font = plot.fonts.label
        let rowHeight = phaseLabelRowHeight(plot.fonts)
        for (row, boundary) in boundaries.enumerated() {
            let x = plot.point(boundary.position, plot.y.upper).x
            let labelWidth = font.width(of: boundary.label)
            let centerX = min(max(Int(x.rounded()), plot.left + labelWidth / 2 + padding),
                              plot.left + plot.width - labelWidth / 2 - padding)
            let labelTop = top + (row * rowHeight) % max(rowLimit - rowHeight, 1)
            canvas.fillRect(x: centerX - labelWidth / 2 - padding, y: labelTop - padding, width: labelWidth + 2 * padding,
                            height: font.lineHeight + 2 * padding, color: .white)
            canvas.text(boundary.label, x: centerX, y: labelTop, font: font, color: Style.ink, alignment: .center)
        }
    }

    /// The titled sheet for a chart: y gutter, plot, then legend to the right. The title
    /// wraps to the plot's width, so it never runs wider than the plot.
    static func chartSheet(title: String, fonts: FigureFonts, plotSize: (width: Int, height: Int), y: AxisScale,
                                   legend: Legend) throws -> TitledSheet {
        let width = PlotArea.leftGutter(for: y, fonts: fonts) + plotSize.width + Style.px(12) + legend.width
        // A little headroom so the top tick label is not clipped by the title band.
        let height = Style.px(4) + max(plotSize.height, legend.height) + PlotArea.bottomGutter(fonts: fonts)
        return try TitledSheet(title: title, fonts: fonts, contentWidth: width, contentHeight: height,
                               titleWidth: plotSize.width)
    }

    static func chartArea(in sheet: TitledSheet, plotSize: (width: Int, height: Int), x: AxisScale,
                                  y: AxisScale) -> PlotArea {
        PlotArea(left: sheet.contentLeft + PlotArea.leftGutter(for: y, fonts: sheet.fonts), top: sheet.contentTop + Style.px(4),
                 width: plotSize.width, height: plotSize.height, x: x, y: y, fonts: sheet.fonts)
    }

    /// A heatmap of `matrix` (rows = ground-truth labels, columns = clusters by default) with
    /// each count printed in its cell, dark text on light cells and white on dark ones.
    /// Throws if the matrix is empty or ragged, a count is negative, or the label lists do
    /// not match its size.
    public static func confusion(matrix: [[Int]], rowLabels: [String], columnLabels: [String], title: String,
                                 rowAxisLabel: String = "label", columnAxisLabel: String = "cluster") throws -> RenderedImage {
        try require(!matrix.isEmpty, "confusion matrix has no rows")
        let columns = matrix[0].count
        try require(columns > 0, "confusion matrix has no columns")
        if let ragged = matrix.firstIndex(where: { $0.count != columns }) {
            throw RenderError.invalidInput("confusion matrix row \(ragged) has \(matrix[ragged].count) entries, row 0 has \(columns)")
        }
        if let row = matrix.firstIndex(where: { $0.contains { $0 < 0 } }) {
            throw RenderError.invalidInput("confusion matrix row \(row) has a negative count")
        }
        try require(rowLabels.count == matrix.count, "confusion matrix has \(matrix.count) rows but \(rowLabels.count) row labels")
        try require(columnLabels.count == columns,
                    "confusion matrix has \(columns) columns but \(columnLabels.count) column labels")

        let fonts = try FigureFonts.standard()
        let labelFont = fonts.label
        let countTexts = matrix.map { $0.map(String.init) }
        let widestCount = Style.widest(countTexts.flatMap { $0 }, font: labelFont)
        let countFont = widestCount + Style.px(6) <= Style.px(32) ? labelFont : fonts.small
        let cell = max(Style.px(32), Style.widest(countTexts.flatMap { $0 }, font: countFont) + Style.px(8))
        let labelHeight = labelFont.lineHeight
        let widestColumnLabel = Style.widest(columnLabels, font: labelFont)
        let rotateColumnLabels = widestColumnLabel > cell - Style.px(2)
        let columnLabelBand = rotateColumnLabels ? widestColumnLabel : labelHeight
        let rowLabelWidth = Style.widest(rowLabels, font: labelFont)
        let matrixLeftOffset = labelHeight + Style.px(8) + rowLabelWidth + Style.px(6)
        let contentWidth = matrixLeftOffset + columns * cell
        let contentHeight = matrix.count * cell + Style.px(6) + columnLabelBand + Style.px(8) + labelFont.lineHeight

        var sheet = try TitledSheet(title: title, fonts: fonts, contentWidth: contentWidth, contentHeight: contentHeight)
        let left = sheet.contentLeft + matrixLeftOffset, top = sheet.contentTop
        let largest = max(matrix.flatMap { $0 }.max() ?? 0, 1)
        for (row, counts) in matrix.enumerated() {
            let centerY = top + row * cell + cell / 2
            sheet.canvas.text(rowLabels[row], x: left - Style.px(6), y: Style.textTop(centeredOn: centerY, font: labelFont),
                              font: labelFont, color: Style.ink, alignment: .right)
            for (column, count) in counts.enumerated() {
                let background = Palette.sequential(Double(count) / Double(largest))
                let cellX = left + column * cell, cellY = top + row * cell
                sheet.canvas.fillRect(x: cellX + 1, y: cellY + 1, width: cell - 2, height: cell - 2, color: background)
                sheet.canvas.text(countTexts[row][column], x: cellX + cell / 2,
                                  y: Style.textTop(centeredOn: centerY, font: countFont), font: countFont,
                                  color: background.luminance < 0.5 ? .white : Style.ink, alignment: .center)
            }
        }
        let matrixBottom = top + matrix.count * cell
        for (column, label) in columnLabels.enumerated() {
            let centerX = left + column * cell + cell / 2
            if rotateColumnLabels {
                let labelWidth = labelFont.width(of: label)
                sheet.canvas.verticalText(label, centerX: centerX, centerY: matrixBottom + Style.px(6) + labelWidth / 2,
                                          font: labelFont, color: Style.ink)
            } else {
                sheet.canvas.text(label, x: centerX, y: matrixBottom + Style.px(6), font: labelFont,
                                  color: Style.ink, alignment: .center)
            }
        }
        sheet.canvas.text(columnAxisLabel, x: left + columns * cell / 2, y: matrixBottom + Style.px(6) + columnLabelBand + Style.px(8),
                          font: labelFont, color: Style.ink, alignment: .center)
        sheet.canvas.verticalText(rowAxisLabel, centerX: sheet.contentLeft + labelFont.capitalHeight / 2,
                                  centerY: top + matrix.count * cell / 2, font: labelFont, color: Style.ink)
        return try sheet.rendered()
    }
}
