import Foundation
import XCTest
import RDCMethod
import NumericCore

/// An observer that hears only the batches.
private func onBatch(_ body: @escaping (TrainingProgress) -> Void) -> TrainingObserver {
    TrainingObserver { if $0.moment == .batch { body($0) } }
}

/// Training behaviour of the R-DC method: it learns, it is reproducible, it can be saved,
/// cancelled and continued.
final class TrainingTests: XCTestCase {
    override class func setUp() {
        super.setUp()
        ComputeThreads.set(2)
    }

    private func shapes(_ count: Int, size: Int = 28) throws -> Tensor {
        try Dataset.syntheticShapes(count: count, classes: 4, size: size, noise: 0.02, seed: 3).samples
    }

    func testConvAutoencoderOverfitsSixtyFourImages() throws {
        let images = try shapes(64)
        let blueprint = try ModelBlueprint(kind: .conv, inputShape: [1, 28, 28], latentSize: 10)
        var state = TrainingState(blueprint: blueprint, seed: 0)
        var losses: [Float] = []
        let settings = PretrainSettings(batchSize: 64, acai: ACAISettings(criticEnabled: false))
        let enough = CancellationToken()
        func recentMean() -> Float { losses.suffix(10).reduce(0, +) / Float(min(losses.count, 10)) }
        // Up to 300 steps; stop as soon as the mean of the last 10 losses is 10x below the first.
        _ = try Trainer.pretrain(&state, samples: images, epochs: 300, settings: settings, cancellation: enough,
                             observer: onBatch({ report in
                                 losses.append(report.losses[0].value)
                                 if losses.count >= 10 && recentMean() < losses[0] / 10 { enough.cancel() }
                             }))
        XCTAssertLessThan(recentMean(), losses[0] / 10, "MSE fell from \(losses[0]) to \(recentMean()) in \(losses.count) steps")
        XCTAssertLessThanOrEqual(losses.count, 300)
    }

    func testSameSeedGivesBitIdenticalLosses() throws {
        let images = try shapes(128, size: 16)
        func run() throws -> [Float] {
            var state = TrainingState(blueprint: try ModelBlueprint(kind: .conv, inputShape: [1, 16, 16], latentSize: 6), seed: 42)
            var losses: [Float] = []
            _ = try Trainer.pretrain(&state, samples: images, epochs: 5, settings: PretrainSettings(batchSize: 32),
                                 cancellation: CancellationToken(),
                                 observer: onBatch({ losses += $0.losses.map(\.value) }))
            return losses
        }
        defer { ConvolutionBackend.current = .onednn }
        for backend in ConvolutionBackend.allCases {
            ConvolutionBackend.current = backend
            let first = try run(), second = try run()
            XCTAssertEqual(first.count, 20 * 3, "20 steps of recon, acai and critic losses")
            XCTAssertEqual(first.map(\.bitPattern), second.map(\.bitPattern), "\(backend)")
        }
    }

    func testSaveLoadContinueIsBitIdentical() throws {
        let images = try shapes(96, size: 16)
        let blueprint = try ModelBlueprint(kind: .dense, inputShape: [1, 16, 16], latentSize: 5)
        var state = TrainingState(blueprint: blueprint, seed: 7)
        let pretrain = PretrainSettings(batchSize: 32)
        let refine = RefineSettings(batchSize: 32, neighbourhood: .fixed(5), acai: ACAISettings(criticEnabled: true))
        _ = try Trainer.pretrain(&state, samples: images, epochs: 2, settings: pretrain, cancellation: CancellationToken())
        _ = try Trainer.refine(&state, samples: images, epochs: 1, settings: refine, cancellation: CancellationToken())
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rdc-\(UUID()).ckpt").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let clustering = ClusteringRecord(method: "kmeans", clusterCount: 3, assignments: (0..<96).map { $0 % 3 },
                                          space: "normalized", inertia: 1.5)
        try Checkpoint(state: state, clustering: clustering).write(to: path)

        func continueTraining(_ state: inout TrainingState) throws -> [UInt32] {
            var losses: [Float] = []
            let observer = onBatch({ losses += $0.losses.map(\.value) })
            _ = try Trainer.refine(&state, samples: images, epochs: 2, settings: refine, cancellation: CancellationToken(), observer: observer)
            _ = try Trainer.pretrain(&state, samples: images, epochs: 1, settings: pretrain, cancellation: CancellationToken(), observer: observer)
            return losses.map(\.bitPattern)
        }
        let loaded = try Checkpoint.read(from: path)
        XCTAssertEqual(loaded.clustering, clustering)
        XCTAssertEqual(loaded.state.history, state.history)
        var restored = loaded.state
        var original = state
        XCTAssertEqual(try continueTraining(&restored), try continueTraining(&original))
        XCTAssertEqual(restored.autoencoder.parameterValues, original.autoencoder.parameterValues)
    }

    func testDamagedCheckpointIsRejectedWithItsPath() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rdc-\(UUID()).ckpt").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let state = TrainingState(blueprint: try ModelBlueprint(kind: .dense, inputShape: [4], latentSize: 2), seed: 1)
        var bytes = Checkpoint(state: state, clustering: nil).encoded()
        bytes[bytes.count / 2] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try Checkpoint.read(from: path)) { error in
            XCTAssertEqual("\(error)", "cannot load checkpoint \(path): checksum mismatch: the file is damaged or truncated")
        }
        XCTAssertThrowsError(try Checkpoint.read(from: path + ".missing"))
    }

    func testCancellingMidEpochKeepsFinishedBatchesAndTrainingContinues() throws {
        let images = try shapes(160, size: 16)
        var state = TrainingState(blueprint: try ModelBlueprint(kind: .dense, inputShape: [1, 16, 16], latentSize: 4), seed: 2)
        let token = CancellationToken()
        var batches = 0
        let before = state.autoencoder.parameterValues
        let outcome = try Trainer.pretrain(&state, samples: images, epochs: 3, settings: PretrainSettings(batchSize: 32),
                                       cancellation: token,
                                       observer: onBatch({ report in
                                           batches += 1
                                           if report.epoch == 2 && report.batch == 2 { token.cancel() }
                                       }))
        XCTAssertEqual(outcome, .cancelled(epoch: 2, batches: 2))
        XCTAssertEqual(batches, 7)
        XCTAssertEqual(state.pretrainEpochs, 1, "only the complete epoch counts")
        XCTAssertNotEqual(state.autoencoder.parameterValues, before)
        XCTAssertTrue(state.autoencoder.parameterValues.allSatisfy { $0.storage.allSatisfy(\.isFinite) })
        token.reset()
        XCTAssertEqual(try Trainer.pretrain(&state, samples: images, epochs: 1, settings: PretrainSettings(batchSize: 32),
                                        cancellation: token), .finished)
        XCTAssertEqual(state.pretrainEpochs, 2)
        XCTAssertEqual(state.history.map(\.epoch), [1, 2])
    }

    func testAnInterruptedEpochIsFinishedFirstWithItsOwnOrder() throws {
        let images = try shapes(160, size: 16)
        let blueprint = try ModelBlueprint(kind: .dense, inputShape: [1, 16, 16], latentSize: 4)
        let settings = PretrainSettings(batchSize: 32)
        var uninterrupted = TrainingState(blueprint: blueprint, seed: 3)
        _ = try Trainer.pretrain(&uninterrupted, samples: images, epochs: 2, settings: settings, cancellation: CancellationToken())

        var state = TrainingState(blueprint: blueprint, seed: 3)
        let token = CancellationToken()
        let outcome = try Trainer.pretrain(&state, samples: images, epochs: 2, settings: settings, cancellation: token,
                                           observer: onBatch({ if $0.batch == 2 { token.cancel() } }))
        XCTAssertEqual(outcome, .cancelled(epoch: 1, batches: 2))
        XCTAssertEqual(state.partialBatches(of: .pretrain), 2)
        XCTAssertEqual(state.progressDescription, "pretrain 0 epochs + 2 batches, refine 0 epochs")
        // Through a checkpoint, then the rest: the same numbers as without the interrupt.
        state = try Checkpoint.decode(Checkpoint(state: state, clustering: nil).encoded()).state
        XCTAssertEqual(state.partialEpoch?.batchesDone, 2)
        token.reset()
        var reported: [Int] = []
        XCTAssertEqual(try Trainer.pretrain(&state, samples: images, epochs: 2, settings: settings, cancellation: token,
                                            observer: onBatch({ reported.append($0.batch) })), .finished)
        XCTAssertEqual(reported, [3, 4, 5, 1, 2, 3, 4, 5])
        XCTAssertNil(state.partialEpoch)
        XCTAssertEqual(state.pretrainEpochs, 2)
        XCTAssertEqual(state.autoencoder.parameterValues, uninterrupted.autoencoder.parameterValues)
    }

    func testAnUnfinishedEpochLeftForTheOtherPhaseIsBookedAsAbandoned() throws {
        let images = try shapes(96, size: 16)
        var state = TrainingState(blueprint: try ModelBlueprint(kind: .dense, inputShape: [1, 16, 16], latentSize: 4), seed: 5)
        let token = CancellationToken()
        _ = try Trainer.pretrain(&state, samples: images, epochs: 1, settings: PretrainSettings(batchSize: 32), cancellation: token,
                                 observer: onBatch({ if $0.batch == 1 { token.cancel() } }))
        token.reset()
        _ = try Trainer.refine(&state, samples: images, epochs: 1, settings: RefineSettings(batchSize: 32, neighbourhood: .fixed(3)),
                               cancellation: token)
        XCTAssertEqual(state.history.map(\.phase), [.pretrain, .refine])
        XCTAssertEqual(state.history.map(\.partialBatches), [1, nil])
        XCTAssertEqual(state.pretrainEpochs, 0)
        let restored = try Checkpoint.decode(Checkpoint(state: state, clustering: nil).encoded()).state
        XCTAssertEqual(restored.history, state.history)
    }

    func testACopyOfTheStateIsACompleteSnapshotOptimisersIncluded() throws {
        let images = try shapes(64, size: 16)
        var state = TrainingState(blueprint: try ModelBlueprint(kind: .dense, inputShape: [1, 16, 16], latentSize: 4), seed: 8)
        _ = try Trainer.pretrain(&state, samples: images, epochs: 1, settings: PretrainSettings(batchSize: 32),
                                 cancellation: CancellationToken())
        let snapshot = state
        let moments = snapshot.pretrainOptimizers.autoencoder.secondMoments.map { $0.map(\.bitPattern) }
        _ = try Trainer.pretrain(&state, samples: images, epochs: 1, settings: PretrainSettings(batchSize: 32, learningRate: 0.01),
                                 cancellation: CancellationToken())
        _ = try Trainer.refine(&state, samples: images, epochs: 1, settings: RefineSettings(batchSize: 32, neighbourhood: .fixed(3)),
                               cancellation: CancellationToken())
        XCTAssertEqual(snapshot.pretrainOptimizers.autoencoder.secondMoments.map { $0.map(\.bitPattern) }, moments)
        XCTAssertEqual(snapshot.pretrainOptimizers.autoencoder.step, 2)
        XCTAssertEqual(snapshot.pretrainOptimizers.autoencoder.learningRate, 1e-3)
        XCTAssertNil(snapshot.refineOptimizers)
        XCTAssertEqual(state.pretrainOptimizers.autoencoder.step, 4)
    }

    func testADivergingBatchIsNotAppliedAndStopsTheRun() throws {
        let images = try shapes(128, size: 16)
        let blueprint = try ModelBlueprint(kind: .dense, inputShape: [1, 16, 16], latentSize: 4)
        // Adam moves every weight by about lr on its first step: 1e30 overflows the next forward pass.
        let settings = PretrainSettings(batchSize: 32, learningRate: 1e30)
        var state = TrainingState(blueprint: blueprint, seed: 6)
        let outcome = try Trainer.pretrain(&state, samples: images, epochs: 5, settings: settings, cancellation: CancellationToken())
        guard case .diverged(let epoch, let batch, let losses) = outcome else { return XCTFail("got \(outcome)") }
        XCTAssertFalse(losses.allSatisfy { $0.value.isFinite } && batch == 1)
        let applied = (epoch - 1) * 4 + batch - 1
        XCTAssertGreaterThanOrEqual(applied, 1)
        XCTAssertEqual(state.pretrainOptimizers.autoencoder.step, applied, "only the batches before the bad one were applied")
        XCTAssertEqual(state.pretrainOptimizers.critic.step, applied)
        XCTAssertTrue(state.autoencoder.parameterValues.allSatisfy(\.isFinite))
        XCTAssertEqual(state.partialBatches(of: .pretrain), batch - 1)

        // The same run stopped by hand just before that batch holds exactly the same weights.
        var reference = TrainingState(blueprint: blueprint, seed: 6)
        let token = CancellationToken()
        var seen = 0
        _ = try Trainer.pretrain(&reference, samples: images, epochs: 5, settings: settings, cancellation: token,
                                 observer: onBatch({ _ in
                                     seen += 1
                                     if seen == applied { token.cancel() }
                                 }))
        XCTAssertEqual(state.autoencoder.parameterValues, reference.autoencoder.parameterValues)
        XCTAssertEqual(state.critic.network.parameterValues, reference.critic.network.parameterValues)
        XCTAssertEqual(state.pretrainOptimizers.autoencoder.firstMoments, reference.pretrainOptimizers.autoencoder.firstMoments)
        XCTAssertEqual(state.pretrainOptimizers.autoencoder.secondMoments, reference.pretrainOptimizers.autoencoder.secondMoments)
    }

    func testProximityLossGradientMatchesFiniteDifferences() {
        var generator = SeededGenerator(seed: 4)
        let latent = Tensor(shape: [4, 3], storage: (0..<12).map { _ in generator.nextUniform(-1, 1) })
        let targets = ProximityTargets.normalisedRows(Tensor(shape: [2, 3], storage: (0..<6).map { _ in generator.nextUniform(-1, 1) }))
        let proximity = ProximityTargets(targetRow: [1, -1, 0, -1, 1], targets: targets, meanKeptNeighbours: 1, neighbourCounts: nil)
        let rows = [0, 1, 4, 3]
        let result = proximity.loss(latent: latent, batchRows: rows, beta: 3)
        for index in 0..<12 {
            var plus = latent, minus = latent
            plus.storage[index] += 1e-3
            minus.storage[index] -= 1e-3
            let numeric = (proximity.loss(latent: plus, batchRows: rows, beta: 3).value
                           - proximity.loss(latent: minus, batchRows: rows, beta: 3).value) / 2e-3
            XCTAssertEqual(result.gradient.storage[index], numeric, accuracy: 2e-2 * max(1, abs(numeric)))
        }
        XCTAssertEqual(result.gradient.storage[3..<6].allSatisfy { $0 == 0 }, true, "row 1 is not an anchor")
    }

    func testProximityTargetsKeepMutualNeighboursAndDropFarAnchors() throws {
        // Two tight pairs and one far point: mutual 1-NN keeps the pairs; the loner's only
        // neighbour does not choose it back, so it is no anchor.
        let points = Tensor(shape: [5, 2], storage: [1, 0, 1, 0.05, 0, 1, 0.05, 1, -1, -0.2])
        let targets = try ProximityTargets.compute(embeddings: points, neighbourhood: .fixed(1), quantile: 1)
        XCTAssertEqual(targets.targetRow.map { $0 >= 0 }, [true, true, true, true, false])
        XCTAssertEqual(targets.activeCount, 4)
        for row in 0..<targets.activeCount {
            let norm = (0..<2).reduce(Float(0)) { $0 + targets.targets.storage[row * 2 + $1] * targets.targets.storage[row * 2 + $1] }
            XCTAssertEqual(norm, 1, accuracy: 1e-5)
        }
    }

    func testRefineRejectsTooManyNeighbours() throws {
        var state = TrainingState(blueprint: try ModelBlueprint(kind: .dense, inputShape: [3], latentSize: 2), seed: 0)
        let samples = Tensor(shape: [4, 3], repeating: 0.5)
        XCTAssertThrowsError(try Trainer.refine(&state, samples: samples, epochs: 1, settings: RefineSettings(neighbourhood: .fixed(10)),
                                                cancellation: CancellationToken()))
        XCTAssertEqual(state.refineEpochs, 0)
    }

    func testConvBlueprintMatchesInputSizes() throws {
        for size in [28, 32, 16] {
            let blueprint = try ModelBlueprint(kind: .conv, inputShape: [3, size, size], latentSize: 10)
            var generator = SeededGenerator(seed: 0)
            var autoencoder = blueprint.makeAutoencoder(generator: &generator)
            XCTAssertEqual(autoencoder.forward(Tensor(shape: [2, 3, size, size])).shape, [2, 3, size, size])
        }
        XCTAssertThrowsError(try ModelBlueprint(kind: .conv, inputShape: [64], latentSize: 10)) { error in
            XCTAssertTrue("\(error)".contains("use `model dense`"))
        }
    }
}
