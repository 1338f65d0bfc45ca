// Layer: session (command options). May use RDCMethod's types; no I/O. The options of `cluster`
// and `diagnose`, declared once for the registry and decoded once for the executors.

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
}

/// `cluster [k=] [method=] [restarts=] [space=] [eps=] [minpts=]`.
struct ClusterOptions {
    static let k = OptionalOptionKey("k", .integer(1...10_000), computed: "the number of label classes, else 10",
                                  help: "Number of clusters (kmeans, gmm).")
    static let method = OptionKey("method", .choice, default: ClusterMethod.kmeans,
                               help: "Clustering algorithm; `assignments` reads self-training's centres (raw space).")
    static let restarts = OptionKey("restarts", .integer(1...1000), default: 20,
                                 help: "Independent runs; the best by inertia (or likelihood) is kept.")
    static let space = OptionKey("space", .choice, default: EmbeddingSpace.normalized,
                              help: "Cluster L2-normalised embeddings or the raw ones.")
    static let eps = OptionKey("eps", ValueCodec<Float>.decimal(.above(0)), default: 0.5, help: "Neighbourhood radius (dbscan).")
    static let minimumPoints = OptionKey("minpts", .integer(1...10_000), default: 5,
                                      help: "Neighbours that make a core point (dbscan).")
    static let declarations = [k.spec, method.spec, restarts.spec, space.spec, eps.spec, minimumPoints.spec]

    /// Clusters asked for, or nil for the session's rule.
    let k: Int?
    let method: ClusterMethod
    let restarts: Int
    let space: EmbeddingSpace
    let eps: Float
    let minimumPoints: Int

    init(_ invocation: Invocation) {
        k = invocation[Self.k]
        method = invocation[Self.method]
        restarts = invocation[Self.restarts]
        space = invocation[Self.space]
        eps = invocation[Self.eps]
        minimumPoints = invocation[Self.minimumPoints]
    }
}

/// `diagnose [M=]`.
enum DiagnoseOptions {
    static let declarations = [SharedOptions.neighbours.spec]
}
