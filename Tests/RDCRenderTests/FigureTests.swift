// Layer: render tests. Every figure kind from small synthetic arrays, checked through an independent decoder.
import Foundation
import RDCRender
import SafeFiles
import XCTest

/// The sample figures, built once per use from deterministic synthetic arrays.
enum SampleFigures {
    static let fashionNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

    static func samplesGrid() throws -> RenderedImage {
        let images = try Synthetic.rings(count: 16)
        return try Figures.samplesGrid(images: images, columns: 8, title: "Samples (decoder, 16 draws)",
                                       captions: (0..<16).map { "#\($0) p=0.\($0 % 10)" })
    }

    static func reconstructions() throws -> RenderedImage {
        let originals = try Synthetic.gradients(count: 12)
        var noisy = originals.values
        for index in noisy.indices { noisy[index] = noisy[index] * 0.8 + 0.1 }
        let outputs = try ImageBatch(count: 12, channels: 3, height: 32, width: 32, values: noisy)
        return try Figures.reconstructions(originals: originals, reconstructions: outputs, columns: 8,
                                           title: "Reconstructions after 40 epochs")
    }

    static func interpolations() throws -> RenderedImage {
        let endpoints = try Synthetic.rings(count: 4)
        let alphas: [Float] = [0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1]
        var rows: [InterpolationRow] = []
        for (pair, (first, second)) in [(0, 3), (1, 2)].enumerated() {
            let pixel = try Synthetic.crossFade(endpoints, from: first, to: second, alphas: alphas)
            let ringSteps = try Synthetic.rings(count: alphas.count, offset: pair * 2)
            rows.append(InterpolationRow(latent: ringSteps, pixel: pixel, alphas: alphas,
                                         criticScores: pair == 0 ? alphas.map { min($0, 1 - $0) * 0.8 } : nil))
        }
        return try Figures.interpolations(rows: rows, title: "Interpolations: latent vs pixel (α)")
    }

    static func clusterGrid() throws -> RenderedImage {
        let rows = try (0..<6).map { cluster -> ClusterRow in
            let members = try Synthetic.rings(count: cluster == 4 ? 0 : 10, offset: cluster)
            return ClusterRow(cluster: cluster, size: 800 + cluster * 37,
                              majorityLabel: cluster == 5 ? nil : fashionNames[cluster],
                              purity: cluster == 5 ? nil : 0.93 - Float(cluster) * 0.1, members: members)
        }
        return try Figures.clusterGrid(rows: rows, title: "Clusters with 10 members each")
    }

    static func embedding(pointsPerGroup: Int = 60) throws -> RenderedImage {
        let blobs = Synthetic.blobs(pointsPerGroup: pointsPerGroup, groups: 10)
        return try Figures.embedding(points: blobs.points, groups: blobs.groups, groupNames: fashionNames,
                                     title: "t-SNE of the embedding, coloured by label", xLabel: "t-SNE 1", yLabel: "t-SNE 2")
    }

    static func lossCurves() throws -> RenderedImage {
        let epochs = 60
        let reconstruction: [Float] = (0..<epochs).map { epoch in
            let decay: Double = exp(-Double(epoch) / 15)
            return Float(0.08 * decay + 0.01)
        }
        let clustering: [Float] = (0..<epochs).map { epoch in
            if epoch < 30 { return Float.nan }
            let decay: Double = exp(-Double(epoch - 30) / 8)
            return Float(2.5 * decay + 0.3)
        }
        let critic: [Float] = (0..<epochs).map { epoch in
            if epoch % 7 == 3 { return Float.nan }
            let wave: Double = sin(Double(epoch) / 4)
            return Float(0.5 + 0.2 * wave)
        }
        return try Figures.lossCurves(series: [LossSeries(name: "reconstruction", values: reconstruction),
                                               LossSeries(name: "clustering", values: clustering),
                                               LossSeries(name: "critic", values: critic)],
                                      phaseBoundaries: [PhaseBoundary(position: 30.5, label: "pretrain | refine")], title: "Training losses", yLabel: "loss")
    }

    static func confusion() throws -> RenderedImage {
        let matrix: [[Int]] = (0..<10).map { row in
            (0..<10).map { column -> Int in row == (column * 3) % 10 ? 900 + row * 11 : (row * 7 + column * 13) % 40 }
        }
        return try Figures.confusion(matrix: matrix, rowLabels: fashionNames, columnLabels: (0..<10).map(String.init),
                                     title: "Labels vs clusters")
    }

    static var all: [(name: String, make: () throws -> RenderedImage)] {
        [("samples", samplesGrid), ("reconstructions", reconstructions), ("interpolations", interpolations),
         ("clusters", clusterGrid), ("embedding", { try embedding() }), ("losses", lossCurves), ("confusion", confusion)]
    }
}

final class FigureTests: XCTestCase {
    func testSamplesGridDecodesAndShowsGreyImages() throws {
        let image = try SampleFigures.samplesGrid()
        let decoded = try assertValidFigure(image)
        var greys = Set<UInt8>()
        for y in 0..<decoded.height { for x in 0..<decoded.width {
            let color = decoded.color(x: x, y: y)
            if color.red == color.green && color.green == color.blue { greys.insert(color.red) }
        } }
        XCTAssertGreaterThan(greys.count, 100, "grey ring images should contribute many grey levels")
        XCTAssertEqual(image.title, "Samples (decoder, 16 draws)")
    }

    func testReconstructionsDecodeWithColourImages() throws {
        let decoded = try assertValidFigure(try SampleFigures.reconstructions(), minimumColors: 500)
        XCTAssertGreaterThan(decoded.height, decoded.width / 3, "two blocks of input/output rows")
    }

    func testInterpolationsDecode() throws {
        try assertValidFigure(try SampleFigures.interpolations(), minimumColors: 100)
    }

    func testClusterGridDecodesIncludingAnEmptyCluster() throws {
        try assertValidFigure(try SampleFigures.clusterGrid(), minimumColors: 100)
    }

    func testEmbeddingUsesOneColourPerGroup() throws {
        let image = try SampleFigures.embedding()
        XCTAssertEqual(image.logicalWidth > 480, true, "scatter plus legend")
        let decoded = try assertValidFigure(image)
        var counts = [RGB: Int]()
        for y in 0..<decoded.height { for x in 0..<decoded.width { counts[decoded.color(x: x, y: y), default: 0] += 1 } }
        for group in 0..<10 {
            XCTAssertGreaterThan(counts[Palette.categoryColor(group)] ?? 0, 50, "group \(group) colour missing")
        }
        XCTAssertNil(counts[Palette.categoryColor(10)], "only the ten groups present should be drawn")
    }

    func testLossCurvesDrawEverySeriesAndTheBoundary() throws {
        let decoded = try assertValidFigure(try SampleFigures.lossCurves())
        var counts = [RGB: Int]()
        for y in 0..<decoded.height { for x in 0..<decoded.width { counts[decoded.color(x: x, y: y), default: 0] += 1 } }
        for series in 0..<3 {
            XCTAssertGreaterThan(counts[Palette.categoryColor(series)] ?? 0, 100, "series \(series) colour missing")
        }
    }

    func testLossCurvesAcceptSinglePointAndLinearScale() throws {
        let image = try Figures.lossCurves(series: [LossSeries(name: "only", values: [0.5])], title: "one epoch",
                                           yScale: .linear)
        try assertValidFigure(image)
        let log = try Figures.lossCurves(series: [LossSeries(name: "log", values: [1, 0.1, 0.01, 0.001])],
                                         title: "log", yScale: .logarithmic)
        try assertValidFigure(log)
    }

    func testConfusionHeatmapUsesTheFullRamp() throws {
        let decoded = try assertValidFigure(try SampleFigures.confusion())
        var colors = Set<RGB>()
        for y in 0..<decoded.height { for x in 0..<decoded.width { colors.insert(decoded.color(x: x, y: y)) } }
        XCTAssertTrue(colors.contains(Palette.sequential(1)), "the largest count gets the darkest cell")
        XCTAssertTrue(colors.contains(Palette.sequential(0)), "zero counts get the lightest cell")
    }

    func testConfusionRotatesLongColumnLabels() throws {
        let image = try Figures.confusion(matrix: [[5, 0], [1, 7]], rowLabels: ["a", "b"],
                                          columnLabels: ["Ankle boot", "Sneaker"], title: "rotated")
        let decoded = try assertValidFigure(image, minimumColors: 5)
        XCTAssertGreaterThan(decoded.height, decoded.width / 2, "rotated labels make the figure taller")
    }

    func testBadInputsThrowClearErrors() throws {
        let rings = try Synthetic.rings(count: 3)
        let colour = try Synthetic.gradients(count: 3)
        let cases: [(String, () throws -> RenderedImage)] = [
            ("at least one image", { try Figures.samplesGrid(images: ImageBatch(count: 0, channels: 1, height: 2, width: 2, values: []), title: "t") }),
            ("2 captions for 3 images", { try Figures.samplesGrid(images: rings, title: "t", captions: ["a", "b"]) }),
            ("positive number of columns", { try Figures.samplesGrid(images: rings, columns: 0, title: "t") }),
            ("3 originals but 2 reconstructions", { try Figures.reconstructions(originals: rings, reconstructions: Synthetic.rings(count: 2), title: "t") }),
            ("must share a shape", { try Figures.reconstructions(originals: rings, reconstructions: colour, title: "t") }),
            ("at least one row", { try Figures.interpolations(rows: [], title: "t") }),
            ("2 alphas but 3 latent", { try Figures.interpolations(rows: [InterpolationRow(latent: rings, pixel: rings, alphas: [0, 1])], title: "t") }),
            ("3 alphas but 1 critic", { try Figures.interpolations(rows: [InterpolationRow(latent: rings, pixel: rings, alphas: [0, 0.5, 1], criticScores: [1])], title: "t") }),
            ("outside 0...1", { try Figures.clusterGrid(rows: [ClusterRow(cluster: 1, size: 3, purity: 1.5, members: rings)], title: "t") }),
            ("at least one cluster", { try Figures.clusterGrid(rows: [], title: "t") }),
            ("odd count", { try Figures.embedding(points: [1, 2, 3], groups: [0], groupNames: ["a"], title: "t") }),
            ("only 1 group names", { try Figures.embedding(points: [1, 2], groups: [1], groupNames: ["a"], title: "t") }),
            ("non-finite coordinate", { try Figures.embedding(points: [1, .nan], groups: [0], groupNames: ["a"], title: "t") }),
            ("2 points but 1 group", { try Figures.embedding(points: [1, 2, 3, 4], groups: [0], groupNames: ["a"], title: "t") }),
            ("at least one series", { try Figures.lossCurves(series: [], title: "t") }),
            ("no finite values", { try Figures.lossCurves(series: [LossSeries(name: "a", values: [.nan])], title: "t") }),
            ("needs at least one positive", { try Figures.lossCurves(series: [LossSeries(name: "a", values: [-1])], title: "t", yScale: .logarithmic) }),
            ("phase boundary", { try Figures.lossCurves(series: [LossSeries(name: "a", values: [1])], phaseBoundaries: [PhaseBoundary(position: -2, label: "x")], title: "t") }),
            ("no rows", { try Figures.confusion(matrix: [], rowLabels: [], columnLabels: [], title: "t") }),
            ("row 1 has 1 entries", { try Figures.confusion(matrix: [[1, 2], [3]], rowLabels: ["a", "b"], columnLabels: ["x", "y"], title: "t") }),
            ("negative count", { try Figures.confusion(matrix: [[1, -2]], rowLabels: ["a"], columnLabels: ["x", "y"], title: "t") }),
            ("1 column labels", { try Figures.confusion(matrix: [[1, 2]], rowLabels: ["a"], columnLabels: ["x"], title: "t") }),
        ]
        for (expected, make) in cases {
            XCTAssertThrowsError(try make(), expected) { error in
                guard case RenderError.invalidInput(let message) = error else {
                    return XCTFail("expected invalidInput for '\(expected)', got \(error)")
                }
                XCTAssertTrue(message.contains(expected), "message '\(message)' should mention '\(expected)'")
            }
        }
    }

    func testTitlesAreAntialiasedAndNoTextRunsPastItsFigure() throws {
        let longName = "a legend name far longer than any legend should ever be"
        let stressed: [(name: String, make: () throws -> RenderedImage)] = SampleFigures.all + [
            ("long embedding title", {
                try Figures.embedding(points: [0, 0, 1, 1, 2, 0], groups: [0, 1, 2], groupNames: ["α", "β ≤ λ", longName],
                                      title: "embedding of 60000 points after pretrain 40 and refine 20 epochs, coloured by cluster ×3")
            }),
            ("long loss names", {
                try Figures.lossCurves(series: [LossSeries(name: longName, values: [3, 2, 1])],
                                       title: "lossesWithAVeryLongUnbrokenWordThatCannotWrapAtAllAnywhereInIt", yLabel: "λ × loss")
            }),
            ("tiny samples grid, long title", {
                try Figures.samplesGrid(images: try Synthetic.rings(count: 1), title: "one sample with a title much wider than the image")
            }),
        ]
        for (name, make) in stressed {
            let decoded = try assertValidFigure(try make(), minimumColors: 5)
            // The title band (the top rows, above any plot) holds only title text: anti-aliased
            // text has grey edge pixels between its ink and the white paper.
            var titleGreys = Set<UInt8>()
            for y in 0..<min(56, decoded.height) { for x in 0..<decoded.width {
                let color = decoded.color(x: x, y: y)
                if color.red == color.green && color.green == color.blue { titleGreys.insert(color.red) }
            } }
            XCTAssertGreaterThan(titleGreys.count, 2, "\(name): title text should use several grey levels")
            // Every figure keeps a white margin; text that ran past the figure would ink it.
            let band = 16
            for y in 0..<decoded.height { for x in 0..<decoded.width
                where x < band || y < band || x >= decoded.width - band || y >= decoded.height - band {
                if decoded.color(x: x, y: y) != .white {
                    return XCTFail("\(name): ink at (\(x), \(y)) in the margin of a \(decoded.width)x\(decoded.height) figure")
                }
            } }
        }
    }

    func testChartTitlesWrapToThePlotWidthInsteadOfWideningTheFigure() throws {
        let short = try Figures.embedding(points: [0, 0, 1, 1], groups: [0, 1], groupNames: ["a", "b"], title: "t")
        let long = try Figures.embedding(points: [0, 0, 1, 1], groups: [0, 1], groupNames: ["a", "b"],
                                         title: String(repeating: "a long title ", count: 12))
        XCTAssertEqual(long.logicalWidth, short.logicalWidth, "a long title wraps rather than widening the figure")
        XCTAssertGreaterThan(long.logicalHeight, short.logicalHeight, "the wrapped title takes more lines")
    }

    func testAFigureRendersInAFewMilliseconds() throws {
        _ = try SampleFigures.lossCurves()
        let start = Date()
        for _ in 0..<10 { _ = try SampleFigures.lossCurves() }
        let each = Date().timeIntervalSince(start) / 10
        XCTAssertLessThan(each, 0.1, "loss curves took \(each) s each")
    }

    /// Writes every sample figure to /tmp/rdc-render-samples for a human to look at, and
    /// checks the files read back as the same bytes.
    func testWritesSampleFiguresToDisk() throws {
        let folder = "/tmp/rdc-render-samples"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (name, make) in SampleFigures.all {
            let image = try make()
            let path = "\(folder)/\(name).png"
            try image.write(to: path)
            let written = try Data(contentsOf: URL(fileURLWithPath: path))
            XCTAssertEqual([UInt8](written), image.png, name)
        }
        XCTAssertThrowsError(try SampleFigures.confusion().write(to: "/nonexistent-folder/x.png")) { error in
            XCTAssertEqual(error as? FileProblem, FileProblem(path: "/nonexistent-folder", kind: .doesNotExist))
        }
    }
}
