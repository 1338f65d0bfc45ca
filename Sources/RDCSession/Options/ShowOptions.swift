// Layer: session (command options). No I/O. The options of each `show KIND`, declared once for
// the registry and read by the figure executors.

/// What colours the points of `show embedding`.
enum PointColouring: String, ChoiceWord {
    case cluster, label
}

/// How `show embedding` flattens the embeddings to two dimensions.
enum EmbeddingProjection: String, ChoiceWord {
    /// The top two principal components.
    case pca
    /// A 2-D UMAP layout of the raw embeddings of every image.
    case umap
}

extension ShowKind: ChoiceWord {}

/// The options of `show`'s kinds.
enum ShowOptions {
    static let sampleCount = OptionKey("count", .integer(1...1024), default: 32, help: "Number of images.")
    static let sampleColumns = OptionKey("columns", .integer(1...64), default: 8, help: "Images per row.")
    static let reconstructionCount = OptionKey("count", .integer(1...256), default: 10, help: "Number of image pairs.")
    static let interpolationPairs = OptionKey("pairs", .integer(1...64), default: 4, help: "Number of image pairs (rows).")
    static let interpolationSteps = OptionKey("steps", .integer(2...64), default: 9, help: "Images per row, both ends included.")
    static let clusterMembers = OptionKey("members", .integer(1...100), default: 10, help: "Images per cluster.")
    static let embeddingColour = OptionKey("color", .choice, default: PointColouring.cluster,
                                        help: "Colour points by cluster or by true label.")
    static let embeddingPoints = OptionKey("points", .integer(1...100_000), default: 2000,
                                        help: "Number of points drawn (a random sample).")
    static let embeddingProjection = OptionKey("space", .choice, default: EmbeddingProjection.pca,
                                            help: "Project by PCA (a clustering of a 2-D space is drawn as it is), or lay out every image by UMAP.")
    static let umapNeighbours = OptionKey("neighbours", .integer(2...200), default: 15,
                                       help: "UMAP neighbours per point, the point itself included (space=umap).")
    static let umapMinimumDistance = OptionKey("min_dist", ValueCodec<Double>.decimal(.from(0, to: 1)), default: 0.1,
                                            help: "UMAP's smallest distance between laid-out points (space=umap).")

    /// The options each kind accepts.
    static func declarations(for kind: ShowKind) -> [OptionSpec] {
        switch kind {
        case .samples: return [sampleCount.spec, sampleColumns.spec]
        case .reconstructions: return [reconstructionCount.spec]
        case .interpolations: return [interpolationPairs.spec, interpolationSteps.spec]
        case .clusters: return [clusterMembers.spec]
        case .embedding:
            return [embeddingColour.spec, embeddingPoints.spec, embeddingProjection.spec, umapNeighbours.spec,
                    umapMinimumDistance.spec]
        case .losses, .metrics, .confusion, .kscan, .kdistance: return []
        }
    }
}
