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
    /// A UMAP layout of the raw embeddings (`dims`, `neighbours`, `min_dist`), as N2D lays them
    /// out; on Fashion-MNIST it read clusters better than a layout of the normalised ones (RESULTS.md).
    case umap
}

extension CovarianceType: ChoiceWord {}
extension ClusterCountCriterion: ChoiceWord {}

/// `cluster [k=] [kmin=] [kmax=] [criterion=] [method=] [restarts=] [space=] [dims=] [neighbours=] [min_dist=]
/// [covariance=] [eps=] [minpts=]`.
struct ClusterOptions {
    static let k = OptionalOptionKey("k", .automaticOr(.integer(1...10_000)), computed: "the number of label classes, else 10",
                                  help: "Number of clusters (kmeans, gmm); auto scans kmin…kmax with k-means and keeps the best by `criterion`.")
    static let smallestK = OptionKey("kmin", .integer(1...10_000), default: 2, help: "Smallest K a k=auto scan tries.")
    static let largestK = OptionKey("kmax", .integer(1...10_000), default: 20, help: "Largest K a k=auto scan tries.")
    static let criterion = OptionKey("criterion", .choice, default: ClusterCountCriterion.silhouette,
                                     help: "How k=auto scores each K: mean silhouette, or the gap statistic (sample of ≤ 5000 points).")
    static let method = OptionalOptionKey("method", ValueCodec<ClusterMethod>.choice,
                                          computed: "gmm with space=umap, else kmeans",
                                          help: "Clustering algorithm; `assignments` reads self-training's centres (raw space).")
    static let restarts = OptionKey("restarts", .integer(1...1000), default: 20,
                                 help: "Independent runs; the best by inertia (or likelihood) is kept.")
    static let space = OptionKey("space", .choice, default: EmbeddingSpace.normalized,
                              help: "Cluster L2-normalised embeddings, the raw ones, or a UMAP layout of the raw ones.")
    static let dimensions = OptionalOptionKey("dims", .integer(1...100), computed: "k, the number of clusters",
                                           help: "Dimensions of the UMAP layout (space=umap).")
    static let neighbours = OptionKey("neighbours", .integer(2...200), default: UMAPSettings.readOffNeighbours,
                                   help: "UMAP neighbours per point, the point itself included (space=umap).")
    static let minimumDistance = OptionKey("min_dist", ValueCodec<Double>.decimal(.from(0, to: 1)), default: UMAPSettings.readOffMinimumDistance,
                                        help: "UMAP's smallest distance between laid-out points (space=umap).")
    static let covariance = OptionalOptionKey("covariance", ValueCodec<CovarianceType>.choice,
                                              computed: "full with space=umap, else diagonal",
                                              help: "Covariance matrices of the mixture's components (gmm).")
    static let eps = OptionKey("eps", .automaticOr(ValueCodec<Float>.decimal(.above(0))), default: .given(0.5),
                               help: "Neighbourhood radius (dbscan); auto takes the knee of the sorted minpts-distances.")
    static let minimumPoints = OptionKey("minpts", .integer(1...10_000), default: 5,
                                      help: "Neighbours that make a core point (dbscan).")
    static let declarations = [k.spec, smallestK.spec, largestK.spec, criterion.spec, method.spec, restarts.spec, space.spec, dimensions.spec, neighbours.spec,
                               minimumDistance.spec, covariance.spec, eps.spec, minimumPoints.spec]

    /// Clusters asked for, `auto` for a scan, or nil for the session's rule.
    let k: Automatic<Int>?
    /// The K range and criterion of a k=auto scan.
    let smallestK: Int, largestK: Int
    let criterion: ClusterCountCriterion
    let method: ClusterMethod
    let restarts: Int
    let space: EmbeddingSpace
    /// UMAP dimensions asked for, or nil for k.
    let dimensions: Int?
    let neighbours: Int
    let minimumDistance: Double
    let covariance: CovarianceType
    /// Radius asked for, or `auto` for the k-distance knee.
    let eps: Automatic<Float>
    let minimumPoints: Int

    init(_ invocation: Invocation) {
        k = invocation[Self.k]
        smallestK = invocation[Self.smallestK]
        largestK = invocation[Self.largestK]
        criterion = invocation[Self.criterion]
        restarts = invocation[Self.restarts]
        space = invocation[Self.space]
        // A K scan runs k-means whatever the space; a UMAP layout is read off by a full mixture.
        let scans = invocation[Self.k].map { $0.given == nil } ?? false
        method = invocation[Self.method] ?? (space == .umap && !scans ? .gmm : .kmeans)
        dimensions = invocation[Self.dimensions]
        neighbours = invocation[Self.neighbours]
        minimumDistance = invocation[Self.minimumDistance]
        covariance = invocation[Self.covariance] ?? (space == .umap ? .full : .diagonal)
        eps = invocation[Self.eps]
        minimumPoints = invocation[Self.minimumPoints]
    }

    /// kmin…kmax, or nil when kmin > kmax.
    var scannedK: ClosedRange<Int>? { smallestK <= largestK ? smallestK...largestK : nil }
}

/// `diagnose [M=]`.
enum DiagnoseOptions {
    static let declarations = [SharedOptions.neighbours.spec]
}
