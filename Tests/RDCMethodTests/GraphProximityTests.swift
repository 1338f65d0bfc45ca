// Layer: tests of the method layer: Phase 2's graph target (`refine target=graph`): its
// filtered edges, its loss's gradient against finite differences, training and checkpoints.

import XCTest
@testable import RDCMethod
import NumericCore

final class GraphProximityTests: XCTestCase {
    /// `perClass` points near each of three orthogonal directions in 4-D.
    private func clusters(perClass: Int, seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        var values: [Float] = []
        for direction in 0..<3 {
            for _ in 0..<perClass {
                values += (0..<4).map { ($0 == direction ? 1 : 0) + 0.1 * generator.nextNormal() }
            }
        }
        return Tensor(shape: [3 * perClass, 4], storage: values)
    }

    func testEdgesAreTheFuzzyGraphThroughTheMutualAndAnchorFilters() throws {
        let unit = ProximityTargets.normalisedRows(clusters(perClass: 12, seed: 1))
        let neighbourhood = try MutualNeighbourhood(unitEmbeddings: unit, rule: .fixed(5), quantile: 0.8)
        let graph = ProximityGraph(unit: unit, neighbourhood: neighbourhood)
        let fuzzy = FuzzySimplicialSet.graph(neighbourhood.lists)
        let anchors = Set(neighbourhood.anchors)
        XCTAssertEqual(graph.edgeStarts.count, 37)
        for i in 0..<36 {
            let edges = Array(graph.neighbours[graph.edgeStarts[i]..<graph.edgeStarts[i + 1]])
            XCTAssertEqual(edges, anchors.contains(i) ? neighbourhood.kept[i] : [], "point \(i)")
            for (edge, j) in zip(graph.edgeStarts[i]..<graph.edgeStarts[i + 1], edges) {
                XCTAssertEqual(graph.weights[edge], fuzzy.weight(i, Int(j)))
                XCTAssertEqual(Int(j) / 12, i / 12, "edges stay inside a cluster")
            }
        }
        XCTAssertLessThan(anchors.count, 36, "the anchor filter drops the loosest points")
        XCTAssertGreaterThan(graph.edgeCount, 0)
    }

    func testLossGradientMatchesFiniteDifferences() throws {
        let unit = ProximityTargets.normalisedRows(clusters(perClass: 6, seed: 2))
        let neighbourhood = try MutualNeighbourhood(unitEmbeddings: unit, rule: .fixed(3), quantile: 1)
        let graph = ProximityGraph(unit: unit, neighbourhood: neighbourhood)
        var generator = SeededGenerator(seed: 4)
        let rows = [0, 7, 13, 2]
        let negatives = graph.negatives(for: rows, using: &generator)
        XCTAssertEqual(negatives.count, rows.map { graph.edgeStarts[$0 + 1] - graph.edgeStarts[$0] }.reduce(0, +) * 5)
        // Raw (not unit) latent codes near the rows' own embeddings, so every term is in play.
        var latent = Tensor(shape: [4, 4], storage: rows.flatMap { row in (0..<4).map { 2 * unit.storage[row * 4 + $0] } })
        for index in latent.storage.indices { latent.storage[index] += 0.2 * generator.nextNormal() }
        let result = graph.loss(latent: latent, batchRows: rows, negatives: negatives, beta: 2)
        XCTAssertGreaterThan(result.value, 0)
        for index in 0..<latent.storage.count {
            var plus = latent, minus = latent
            plus.storage[index] += 1e-3
            minus.storage[index] -= 1e-3
            let numeric = (graph.loss(latent: plus, batchRows: rows, negatives: negatives, beta: 2).value
                           - graph.loss(latent: minus, batchRows: rows, negatives: negatives, beta: 2).value) / 2e-3
            XCTAssertEqual(result.gradient.storage[index], numeric, accuracy: 2e-2 * max(1, abs(numeric)), "z[\(index)]")
        }
    }

    func testGraphTargetTrainsAndContinuesThroughACheckpointWithTheSameNumbers() throws {
        let data = clusters(perClass: 30, seed: 3).reshaped([90, 1, 2, 2])
        var state = TrainingState(blueprint: try ModelBlueprint(kind: .dense, inputShape: [1, 2, 2], latentSize: 3), seed: 5)
        _ = try Trainer.pretrain(&state, samples: data, epochs: 2, settings: PretrainSettings(batchSize: 30), cancellation: CancellationToken())
        let settings = RefineSettings(batchSize: 30, neighbourhood: .fixed(5), refreshEvery: 3, target: .graph)
        _ = try Trainer.refine(&state, samples: data, epochs: 1, settings: settings, cancellation: CancellationToken())
        XCTAssertEqual(state.history.last?.losses.map(\.name), ["recon", "graph"])
        XCTAssertTrue(state.history.last!.losses.allSatisfy { $0.value.isFinite })
        var restored = try Checkpoint.decode(Checkpoint(state: state, clustering: nil).encoded()).state
        XCTAssertEqual(restored.proximity?.targets.graph, state.proximity?.targets.graph)
        _ = try Trainer.refine(&state, samples: data, epochs: 1, settings: settings, cancellation: CancellationToken())
        _ = try Trainer.refine(&restored, samples: data, epochs: 1, settings: settings, cancellation: CancellationToken())
        XCTAssertEqual(restored.autoencoder.parameterValues, state.autoencoder.parameterValues)
    }
}
