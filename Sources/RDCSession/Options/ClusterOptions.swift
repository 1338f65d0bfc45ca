// Layer: session (command options). May use RDCMethod's types; no I/O. The options of `cluster`
// and `diagnose`, declared once for the registry and decoded once for the executors.

import RDCMethod

/// How `cluster` reads clusters off the embeddings.
enum ClusterMethod: String, ChoiceWord {
    case kmeans, gmm, dbscan
    /// The argmax of self-training's soft assignments to its centres (after `selftrain`).
    case assignments
}

/// Which embeddings a clustering works on.
enum EmbeddingSpace: String, ChoiceWord {
    /// Rows L2-normalised (method.md's default).
    case normalized
    /// E(X) as the encoder gives it.
    case raw
    /// A UMAP layout of the L2-normalised embeddings (`dims`, `neighbours`, `min_dist`).
    case umap
}

extension CovarianceType: ChoiceWord {}

/// `cluster [k=] [method=] [restarts=] [space=] [dims=] [neighbours=] [min_dist=] [covariance=] [eps=] [minpts=]`.
struct ClusterOptions {
    static let k = OptionalOptionKey("k", .integer(1...10_000), computed: "the number of label classes, else 10",
                                  help: "Number of clusters (kmeans, gmm).")
    static let method = OptionKey("method", .choice, default: ClusterMethod.kmeans,
                               help: "Clustering algorithm; `assignments` reads self-training's centres (raw space).")
    static let restarts = OptionKey("restarts", .integer(1...1000), default: 20,
                                 help: "Independent runs; the best by inertia (or likelihood) is kept.")
    static let space = OptionKey("space", .choice, default: EmbeddingSpace.normalized,
                              help: "Cluster L2-normalised embeddings, the raw ones, or a UMAP of the normalised ones.")
    static let dimensions = OptionalOptionKey("dims", .integer(1...100), computed: "k, the number of clusters",
                                           help: "Dimensions of the UMAP layout (space=umap).")
    static let neighbours = OptionKey("neighbours", .integer(2...200), default: 20,
                                   help: "UMAP neighbours per point, the point itself included (space=umap).")
    static let minimumDistance = OptionKey("min_dist", ValueCodec<Double>.decimal(.from(0, to: 1)), default: 0,
                                        help: "UMAP's smallest distance between laid-out points (space=umap).")
    static let covariance = OptionKey("covariance", .choice, default: CovarianceType.diagonal,
                                   help: "Covariance matrices of the mixture's components (gmm).")
    static let eps = OptionKey("eps", ValueCodec<Float>.decimal(.above(0)), default: 0.5, help: "Neighbourhood radius (dbscan).")
    static let minimumPoints = OptionKey("minpts", .integer(1...10_000), default: 5,
                                      help: "Neighbours that make a core point (dbscan).")
    static let declarations = [k.spec, method.spec, restarts.spec, space.spec, dimensions.spec, neighbours.spec,
                               minimumDistance.spec, covariance.spec, eps.spec, minimumPoints.spec]

    /// Clusters asked for, or nil for the session's rule.
    let k: Int?
    let method: ClusterMethod
    let restarts: Int
    let space: EmbeddingSpace
    /// UMAP dimensions asked for, or nil for k.
    let dimensions: Int?
    let neighbours: Int
    let minimumDistance: Double
    let covariance: CovarianceType
    let eps: Float
    let minimumPoints: Int

    init(_ invocation: Invocation) {
        k = invocation[Self.k]
        method = invocation[Self.method]
        restarts = invocation[Self.restarts]
        space = invocation[Self.space]
        dimensions = invocation[Self.dimensions]
        neighbours = invocation[Self.neighbours]
        minimumDistance = invocation[Self.minimumDistance]
        covariance = invocation[Self.covariance]
        eps = invocation[Self.eps]
        minimumPoints = invocation[Self.minimumPoints]
    }
}

/// `diagnose [M=]`.
enum DiagnoseOptions {
    static let declarations = [SharedOptions.neighbours.spec]
}
