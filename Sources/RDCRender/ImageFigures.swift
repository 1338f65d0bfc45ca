// Layer: render. The thumbnail figures (samples, reconstructions, interpolations, clusters); pure drawing.

/// One interpolation between two images: the decoded latent interpolation and, for
/// comparison, the plain pixel cross-fade at the same steps.
public struct InterpolationRow: Sendable {
    /// The decoder's output at each step of the latent interpolation, one image per step.
    public var latent: ImageBatch
    /// The pixel-space cross-fade at the same steps.
    public var pixel: ImageBatch
    /// The mixing coefficient α of each step (0 = first endpoint, 1 = second).
    public var alphas: [Float]
    /// Optional critic estimate for each latent step (e.g. ACAI's predicted α).
    public var criticScores: [Float]?

    /// A row; all arrays must have one entry per step (checked when drawn).
    public init(latent: ImageBatch, pixel: ImageBatch, alphas: [Float], criticScores: [Float]? = nil) {
        self.latent = latent
        self.pixel = pixel
        self.alphas = alphas
        self.criticScores = criticScores
    }
}

/// One cluster's line in a cluster grid.
public struct ClusterRow: Sendable {
    /// Cluster index, shown as "c3"; a negative one is DBSCAN's noise, shown as "noise".
    public var cluster: Int
    /// Number of points assigned to the cluster.
    public var size: Int
    /// Name of the most common ground-truth label among its members, if labels are known.
    public var majorityLabel: String?
    /// Fraction (0...1) of members carrying the majority label, if labels are known.
    public var purity: Float?
    /// Member images to show (may be empty).
    public var members: ImageBatch

    /// A row describing cluster `cluster`.
    public init(cluster: Int, size: Int, majorityLabel: String? = nil, purity: Float? = nil, members: ImageBatch) {
        self.cluster = cluster
        self.size = size
        self.majorityLabel = majorityLabel
        self.purity = purity
        self.members = members
    }

    /// The left-column text, e.g. `c3  n=812  'Trouser' 93%`.
    var summary: String {
        var text = (cluster < 0 ? "noise" : "c\(cluster)") + "  n=\(size)"
        if let majorityLabel { text += "  '\(majorityLabel)'" }
        if let purity { text += (majorityLabel == nil ? "  " : " ") + "\(Int((purity * 100).rounded()))%" }
        return text
    }
}

extension Figures {
    /// A grid of `images`, `columns` per row, each optionally captioned in small type.
    /// Throws if there are no images, `columns` is not positive, or `captions` does not
    /// have one entry per image.
    public static func samplesGrid(images: ImageBatch, columns: Int = 10, title: String,
                                   captions: [String]? = nil) throws -> RenderedImage {
        try require(images.count > 0, "samples grid needs at least one image")
        try require(columns > 0, "samples grid needs a positive number of columns, got \(columns)")
        if let captions {
            try require(captions.count == images.count,
                        "samples grid got \(captions.count) captions for \(images.count) images")
        }
        var strips: [Strip] = []
        for start in stride(from: 0, to: images.count, by: columns) {
            let items = start..<min(start + columns, images.count)
            strips.append(.images(label: "", batch: images, items: items))
            if let captions { strips += [.annotations(label: "", texts: Array(captions[items])), .spacer(Style.px(4))] }
        }
        return try StripLayout(strips: strips).render(title: title)
    }

    /// Originals above their reconstructions, `columns` pairs per block, rows labelled
    /// "input" and "output". Throws if the batches are empty, differ in count or shape, or
    /// `columns` is not positive.
    public static func reconstructions(originals: ImageBatch, reconstructions: ImageBatch, columns: Int = 10,
                                       title: String) throws -> RenderedImage {
        try require(originals.count > 0, "reconstructions figure needs at least one original image")
        try require(originals.count == reconstructions.count,
                    "reconstructions figure got \(originals.count) originals but \(reconstructions.count) reconstructions")
        try require(columns > 0, "reconstructions figure needs a positive number of columns, got \(columns)")
        try requireSameImageShape([("originals", originals), ("reconstructions", reconstructions)])
        var strips: [Strip] = []
        for start in stride(from: 0, to: originals.count, by: columns) {
            let items = start..<min(start + columns, originals.count)
            if start > 0 { strips.append(.spacer(Style.px(8))) }
            strips += [.images(label: "input", batch: originals, items: items),
                       .images(label: "output", batch: reconstructions, items: items)]
        }
        return try StripLayout(strips: strips).render(title: title)
    }

    /// For each row, the latent interpolation ("latent") above the pixel cross-fade
    /// ("pixel"), with α printed under each step and the critic score too when given.
    /// Throws if there are no rows, a row has no steps, its arrays disagree in length, or
    /// images differ in shape.
    public static func interpolations(rows: [InterpolationRow], title: String) throws -> RenderedImage {
        try require(!rows.isEmpty, "interpolations figure needs at least one row")
        var strips: [Strip] = []
        for (index, row) in rows.enumerated() {
            let steps = row.alphas.count
            try require(steps > 0, "interpolation row \(index) has no steps (empty alphas)")
            try require(row.latent.count == steps && row.pixel.count == steps,
                        "interpolation row \(index) has \(steps) alphas but \(row.latent.count) latent and \(row.pixel.count) pixel images")
            if let scores = row.criticScores {
                try require(scores.count == steps,
                            "interpolation row \(index) has \(steps) alphas but \(scores.count) critic scores")
            }
            try requireSameImageShape([("row 0 latent images", rows[0].latent),
                                       ("row \(index) latent images", row.latent),
                                       ("row \(index) pixel images", row.pixel)])
            if index > 0 { strips.append(.spacer(Style.px(10))) }
            strips += [.images(label: "latent", batch: row.latent, items: 0..<steps),
                       .images(label: "pixel", batch: row.pixel, items: 0..<steps),
                       .annotations(label: "α", texts: row.alphas.map { formatFixed(Double($0), decimals: 2) })]
            if let scores = row.criticScores {
                strips.append(.annotations(label: "critic", texts: scores.map { formatFixed(Double($0), decimals: 2) }))
            }
        }
        return try StripLayout(strips: strips).render(title: title)
    }

    /// One row per cluster: a left column such as `c3  n=812  'Trouser' 93%`, then its
    /// member thumbnails. Throws if there are no rows, a size is negative, a purity is
    /// outside 0...1, or member images differ in shape.
    public static func clusterGrid(rows: [ClusterRow], title: String) throws -> RenderedImage {
        try require(!rows.isEmpty, "cluster grid needs at least one cluster row")
        for row in rows {
            try require(row.size >= 0, "cluster \(row.cluster) has negative size \(row.size)")
            if let purity = row.purity {
                try require(purity >= 0 && purity <= 1, "cluster \(row.cluster) has purity \(purity), outside 0...1")
            }
        }
        try requireSameImageShape(rows.map { ("cluster \($0.cluster) members", $0.members) })
        let strips = rows.map { Strip.images(label: $0.summary, batch: $0.members, items: 0..<$0.members.count) }
        return try StripLayout(strips: strips).render(title: title)
    }
}
