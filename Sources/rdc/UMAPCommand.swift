// Layer: executable. `rdc umap`: our UMAP on rows from a .npy file, the layout written as .npy,
// for benchmarks/umap_compare.py to score against umap-learn on the same input.

import ArgumentParser
import Foundation
import RDCMethod
import NumericCore
import RDCSession
import SafeFiles

extension UMAPInitialisation: ExpressibleByArgument {}

/// Lays out the rows of a `.npy` matrix by UMAP and writes the layout as float32 `.npy`; prints
/// the settings and the time of each stage as one JSON object.
struct UMAPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "umap",
        abstract: "Lay out the rows of a .npy matrix by UMAP and write the layout (.npy), with timings as JSON.")

    @Argument(help: "Input .npy file of shape [n, d].")
    var input: String

    @Argument(help: "Output .npy file for the [n, dims] float32 layout.")
    var output: String

    @Option(help: "Output dimensions.")
    var dims = 2

    @Option(help: "Neighbours per point, the point itself included (umap-learn's n_neighbors).")
    var neighbours = 15

    @Option(help: "Smallest distance between laid-out points (umap-learn's min_dist).")
    var minDist = 0.1

    @Option(help: "SGD epochs (default: 500 up to 10,000 points, else 200).")
    var epochs: Int?

    @Option(help: "The layout's start.")
    var initialisation: UMAPInitialisation = .spectral

    @Flag(help: "L2-normalise the rows first (as `cluster space=normalized` does; `cluster space=umap` lays out the rows as they are).")
    var normalise = false

    @Option(help: "Seed.")
    var seed: UInt64 = 0

    @Option(help: "Compute threads (default: all cores).")
    var threads: Int?

    func validate() throws {
        guard dims >= 1, neighbours >= 2, minDist >= 0 else { throw ValidationError("need --dims ≥ 1, --neighbours ≥ 2, --min-dist ≥ 0") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        ComputeThreads.set(threads ?? ComputeThreads.processors)
        var points = try NPYMatrix.read(path: input)
        if normalise { points = ProximityTargets.normalisedRows(points) }
        let settings = UMAPSettings(dimensions: dims, neighbours: neighbours, minimumDistance: minDist, epochs: epochs,
                                    initialisation: initialisation, seed: seed)
        let start = DispatchTime.now().uptimeNanoseconds
        let result = try UMAP.embed(points, settings: settings)
        let total = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let layout = result.embedding
        try SafeFile.write(NumericArray.float32(layout.storage, rows: layout.batchSize, columns: layout.itemSize).npyBytes,
                           to: output)
        var report: [String: Any] = [
            "n": points.batchSize, "d": points.itemSize, "dims": dims, "neighbours": neighbours, "min_dist": minDist,
            "epochs": result.epochs, "initialisation": result.initialisation.rawValue, "a": result.curve.a, "b": result.curve.b,
            "graph_entries": result.graphEntries, "graph_components": result.graphComponents, "threads": ComputeThreads.count,
            "seconds": ["total": total, "knn": result.seconds.neighbours, "graph": result.seconds.graph,
                        "init": result.seconds.initialisation, "layout": result.seconds.layout],
            "cpu": MachineDescription.cpuModel,
        ]
        if let spectral = result.spectralStart {
            report["lanczos"] = ["steps": spectral.steps, "residual": spectral.residual, "converged": spectral.converged]
        }
        let json = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }
}
