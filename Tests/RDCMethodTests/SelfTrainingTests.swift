import Foundation
import XCTest
import RDCMethod
import NumericCore

/// The ablation's pieces: Phase 3 (DEC/IDEC self-training), Phase 2's input target, per-epoch
/// tracking and the three feature problems.
final class SelfTrainingTests: XCTestCase {
    /// `perClass` points around each of `classes` corners of [0, 1]^16, as 1×4×4 images.
    private func blobs(classes: Int, perClass: Int, noise: Float = 0.06, seed: UInt64 = 1) -> (samples: Tensor, labels: [Int]) {
        var generator = SeededGenerator(seed: seed)
        let centres = (0..<classes).map { _ in (0..<16).map { _ in generator.nextUniform() < 0.5 ? Float(0.1) : 0.9 } }
        var values: [Float] = [], labels: [Int] = []
        for index in 0..<(classes * perClass) {
            let label = index % classes
            labels.append(label)
            values += centres[label].map { min(1, max(0, $0 + noise * generator.nextNormal())) }
        }
        return (Tensor(shape: [classes * perClass, 1, 4, 4], storage: values), labels)
    }

    private func pretrained(_ samples: Tensor, seed: UInt64 = 3, epochs: Int = 8) throws -> TrainingState {
        var state = TrainingState(blueprint: try ModelBlueprint(kind: .dense, inputShape: [1, 4, 4], latentSize: 4), seed: seed)
        _ = try Trainer.pretrain(&state, samples: samples, epochs: epochs,
                                 settings: PretrainSettings(batchSize: 32, acai: ACAISettings(criticEnabled: false)),
                                 cancellation: CancellationToken())
        return state
    }

    func testSelfTrainingSeparatesSeparableDataAndItsAssignmentsReadOff() throws {
        let (samples, labels) = blobs(classes: 4, perClass: 100)
        var state = try pretrained(samples)
        let settings = SelfTrainSettings(clusterCount: 4, batchSize: 32, updateInterval: 20, tolerance: 0)
        var start = state
        _ = try Trainer.selftrain(&start, samples: samples, epochs: 0, settings: settings, cancellation: CancellationToken())
        let outcome = try Trainer.selftrain(&state, samples: samples, epochs: 6, settings: settings, cancellation: CancellationToken())
        XCTAssertEqual(outcome, .finished)
        XCTAssertEqual(state.selftrainEpochs, 6)
        XCTAssertEqual(state.history.filter { $0.phase == .selftrain }.map(\.epoch), Array(1...6))
        let selfTraining = try XCTUnwrap(state.selfTraining)
        let clusters = selfTraining.clusters(of: Trainer.embed(state.autoencoder, samples: samples))
        let scores = try ClusteringMetrics.evaluate(labels: labels, clusters: clusters)
        XCTAssertGreaterThanOrEqual(scores.accuracy, 0.95)
        XCTAssertEqual(state.history.last?.losses.map(\.name), ["kl"])
        // Self-training sharpens the assignments: the mean largest q grows from the k-means start.
        func meanLargestAssignment(_ state: TrainingState) throws -> Float {
            let q = Trainer.softAssignments(state.autoencoder, centres: try XCTUnwrap(state.selfTraining).centres, samples: samples)
            return (0..<q.batchSize).reduce(0) { $0 + q.storage[($1 * 4)..<($1 * 4 + 4)].max()! } / Float(q.batchSize)
        }
        XCTAssertGreaterThan(try meanLargestAssignment(state), try meanLargestAssignment(start) + 0.05)
    }

    func testIDECAddsTheReconstructionTermAndDECLeavesTheDecoderAlone() throws {
        let (samples, _) = blobs(classes: 3, perClass: 40)
        var dec = try pretrained(samples)
        let decoderBefore = dec.autoencoder.decoder.parameterValues
        _ = try Trainer.selftrain(&dec, samples: samples, epochs: 1, settings: SelfTrainSettings(clusterCount: 3, batchSize: 30),
                                  cancellation: CancellationToken())
        XCTAssertEqual(dec.autoencoder.decoder.parameterValues, decoderBefore, "γ = 0: no gradient reaches the decoder")
        var idec = try pretrained(samples)
        _ = try Trainer.selftrain(&idec, samples: samples, epochs: 1,
                                  settings: SelfTrainSettings(clusterCount: 3, batchSize: 30, reconstructionWeight: 0.1),
                                  cancellation: CancellationToken())
        XCTAssertEqual(idec.history.last?.losses.map(\.name), ["kl", "recon"])
        XCTAssertNotEqual(idec.autoencoder.decoder.parameterValues, decoderBefore)
    }

    func testSelfTrainingStopsEarlyWhenTooFewAssignmentsChange() throws {
        let (samples, _) = blobs(classes: 3, perClass: 40)
        var state = try pretrained(samples)
        // Any change below 100% counts as settled: the first update (after 2 batches) stops it.
        let settings = SelfTrainSettings(clusterCount: 3, batchSize: 30, updateInterval: 2, tolerance: 1)
        let outcome = try Trainer.selftrain(&state, samples: samples, epochs: 5, settings: settings, cancellation: CancellationToken())
        guard case .converged(let epoch, let batches, let reason) = outcome else { return XCTFail("got \(outcome)") }
        XCTAssertEqual(epoch, 1)
        XCTAssertEqual(batches, 2)
        XCTAssertTrue(reason.contains("below tol=100%"), reason)
        XCTAssertEqual(state.selftrainEpochs, 0)
        XCTAssertEqual(state.partialBatches(of: .selftrain), 2)
    }

    func testSelfTrainingContinuesThroughACheckpointWithTheSameNumbers() throws {
        let (samples, _) = blobs(classes: 3, perClass: 40)
        let settings = SelfTrainSettings(clusterCount: 3, batchSize: 24, updateInterval: 3, tolerance: 0)
        var straight = try pretrained(samples)
        _ = try Trainer.selftrain(&straight, samples: samples, epochs: 3, settings: settings, cancellation: CancellationToken())

        var split = try pretrained(samples)
        let token = CancellationToken()
        var seen = 0
        let outcome = try Trainer.selftrain(&split, samples: samples, epochs: 3, settings: settings, cancellation: token,
                                            observer: TrainingObserver { if $0.moment == .batch { seen += 1; if seen == 7 { token.cancel() } } })
        XCTAssertEqual(outcome, .cancelled(epoch: 2, batches: 2))
        split = try Checkpoint.decode(Checkpoint(state: split, clustering: nil).encoded()).state
        token.reset()
        _ = try Trainer.selftrain(&split, samples: samples, epochs: 2, settings: settings, cancellation: token)
        XCTAssertEqual(split.selftrainEpochs, 3)
        XCTAssertEqual(split.autoencoder.parameterValues, straight.autoencoder.parameterValues)
        XCTAssertEqual(split.selfTraining, straight.selfTraining)
    }

    func testTrackingRecordsEveryNthEpochSurvivesACheckpointAndChangesNoTrainingNumber() throws {
        let (samples, labels) = blobs(classes: 3, perClass: 40)
        var plain = try pretrained(samples, epochs: 0)
        _ = try Trainer.pretrain(&plain, samples: samples, epochs: 4, settings: PretrainSettings(batchSize: 32), cancellation: CancellationToken())
        var tracked = try pretrained(samples, epochs: 0)
        var progress: [TrainingProgress] = []
        _ = try Trainer.pretrain(&tracked, samples: samples, epochs: 4, settings: PretrainSettings(batchSize: 32),
                                 cancellation: CancellationToken(), observer: TrainingObserver { progress.append($0) },
                                 tracking: TrackingSettings(every: 2, clusterCount: 3, labels: labels))
        XCTAssertEqual(tracked.autoencoder.parameterValues, plain.autoencoder.parameterValues, "tracking draws no training random numbers")
        XCTAssertEqual(tracked.history.map { $0.tracked != nil }, [false, true, false, true])
        let measures = try XCTUnwrap(tracked.history[3].tracked)
        XCTAssertNotNil(measures.accuracy)
        XCTAssertNotNil(measures.twist, "against the embeddings at the phase's start")
        XCTAssertNotNil(measures.drift, "against the epoch-2 clustering")
        XCTAssertNil(measures.randomness, "Phase 1 has no training targets")
        XCTAssertEqual(progress.filter { $0.moment == .epochEnd }.map { $0.tracked != nil }, [false, true, true, true],
                       "progress carries the latest tracked measures")
        let restored = try Checkpoint.decode(Checkpoint(state: tracked, clustering: nil).encoded()).state
        XCTAssertEqual(restored.history, tracked.history)
        XCTAssertEqual(restored.trackingReference, tracked.trackingReference)

        // Phase 2 and Phase 3 measure their randomness.
        _ = try Trainer.refine(&tracked, samples: samples, epochs: 1, settings: RefineSettings(batchSize: 32, neighbourhood: .fixed(5)),
                               cancellation: CancellationToken(), tracking: TrackingSettings(every: 1, clusterCount: 3, labels: labels))
        XCTAssertNotNil(tracked.history.last?.tracked?.randomness)
        _ = try Trainer.selftrain(&tracked, samples: samples, epochs: 1, settings: SelfTrainSettings(clusterCount: 3, batchSize: 32),
                                  cancellation: CancellationToken(), tracking: TrackingSettings(every: 1, clusterCount: 3, labels: nil))
        let unlabelled = try XCTUnwrap(tracked.history.last?.tracked)
        XCTAssertNil(unlabelled.accuracy)
        XCTAssertNil(unlabelled.randomness, "without labels: the share of changed assignments, unknown before the first update")
    }

    func testTheInputTargetReconstructsEachAnchorsNeighbourhoodAndSurvivesACheckpoint() throws {
        // Neighbourhood images: anchor 0 with kept neighbours 1 and 2 gets their mean; 3 is no anchor.
        let samples = Tensor(shape: [4, 2], storage: [0, 0, 3, 3, 6, 0, 9, 9])
        let targets = ProximityTargets(targetRow: [0, -1, -1, -1], targets: Tensor(shape: [1, 2], storage: [1, 0]),
                                       meanKeptNeighbours: 0.5, members: [[1, 2]])
        let images = targets.neighbourhoodImages(batch: samples.gathering(rows: [3, 0]), batchRows: [3, 0], samples: samples)
        XCTAssertEqual(images.storage, [9, 9, 3, 1])

        let (data, _) = blobs(classes: 3, perClass: 40)
        var state = try pretrained(data)
        for target in RefineTarget.allCases {
            var copy = state
            _ = try Trainer.refine(&copy, samples: data, epochs: 1, settings: RefineSettings(batchSize: 30, neighbourhood: .fixed(5), target: target),
                                   cancellation: CancellationToken())
            let names: [String] = switch target {
            case .input: ["recon"]
            case .graph: ["recon", "graph"]
            case .latent, .both: ["recon", "proximity"]
            }
            XCTAssertEqual(copy.history.last?.losses.map(\.name), names, "\(target)")
            XCTAssertEqual(copy.proximity?.targets.members != nil, target.reconstructsNeighbourhoods, "\(target)")
            XCTAssertEqual(copy.proximity?.targets.graph != nil, target == .graph, "\(target)")
        }
        let settings = RefineSettings(batchSize: 30, neighbourhood: .fixed(5), refreshEvery: 5, target: .input)
        _ = try Trainer.refine(&state, samples: data, epochs: 1, settings: settings, cancellation: CancellationToken())
        var restored = try Checkpoint.decode(Checkpoint(state: state, clustering: nil).encoded()).state
        XCTAssertEqual(restored.proximity?.targets, state.proximity?.targets)
        _ = try Trainer.refine(&state, samples: data, epochs: 1, settings: settings, cancellation: CancellationToken())
        _ = try Trainer.refine(&restored, samples: data, epochs: 1, settings: settings, cancellation: CancellationToken())
        XCTAssertEqual(restored.autoencoder.parameterValues, state.autoencoder.parameterValues)
    }

    // MARK: The three feature problems on constructed cases

    func testIdenticalEmbeddingsHaveTwistOneAndARelabelledClusteringHasNoDrift() throws {
        let (samples, _) = blobs(classes: 3, perClass: 20)
        let embedding = samples.reshaped([60, 16])
        XCTAssertEqual(try Diagnostics.twist(embedding, embedding, neighbours: 5), 1, accuracy: 1e-12)
        let clusters = (0..<60).map { $0 % 3 }
        XCTAssertEqual(try Diagnostics.drift(clusters, clusters), 0, accuracy: 1e-12)
        XCTAssertEqual(try Diagnostics.drift(clusters, clusters.map { (2 - $0) * 7 }), 0, accuracy: 1e-12, "cluster ids are names only")
        XCTAssertGreaterThan(try Diagnostics.drift(clusters, (0..<60).map { $0 % 2 }), 0.5)
    }

    func testNeighbourImpurityAndPseudoLabelErrorOnKnownCases() throws {
        // Two tight pairs on the unit circle, far apart: each point's mutual 1-NN is its pair.
        let angles: [Float] = [0, 0.01, 3, 3.01]
        let unit = Tensor(shape: [4, 2], storage: angles.flatMap { [cos($0), sin($0)] })
        let neighbourhood = try MutualNeighbourhood(unitEmbeddings: unit, rule: .fixed(1), quantile: 1)
        XCTAssertEqual(neighbourhood.kept, [[1], [0], [3], [2]])
        XCTAssertEqual(neighbourhood.anchors, [0, 1, 2, 3])
        XCTAssertEqual(neighbourhood.impurity(labels: [0, 0, 1, 1]), 0)
        XCTAssertEqual(neighbourhood.impurity(labels: [0, 1, 1, 1]), 0.5, "the first pair's two links cross labels")

        // Pseudo-labels are names: a relabelled perfect assignment has no error; one mistake in 8 is 1/8.
        let labels = [0, 0, 1, 1, 2, 2, 3, 3]
        XCTAssertEqual(try Tracker.pseudoLabelError(pseudoLabels: labels.map { 3 - $0 }, labels: labels), 0)
        XCTAssertEqual(try Tracker.pseudoLabelError(pseudoLabels: [3, 3, 2, 2, 1, 1, 0, 1], labels: labels), 1.0 / 8)
    }
}
