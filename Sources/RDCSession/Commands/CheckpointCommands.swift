// Layer: session (commands). May use RDCMethod; never sockets or terminals. `save FILE` and
// `load FILE` through the method's checkpoints. The data set is not in a checkpoint: `load`
// keeps the current data and checks that it fits the saved model.

import Foundation
import SafeFiles
import RDCMethod

extension SessionState {
    func save(_ context: CommandContext) throws {
        let (_, model) = try requireModel()
        let path = context.resolve(context.invocation[SessionCommandOptions.saveFile])
        do {
            try Checkpoint(state: model, clustering: clustering?.record).write(to: path)
        } catch {
            throw CommandFailure("cannot save: \(CommandFailure.describe(error)); nothing was written and any earlier file is unchanged")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        context.say("saved \(model.blueprint.kind.rawValue) model (\(trainingPosition))"
                    + (clustering == nil ? "" : " and the clustering") + " to \(path) (\(formatCount(size)) bytes)")
    }

    mutating func load(_ context: CommandContext) throws {
        let path = context.resolve(context.invocation[SessionCommandOptions.loadFile])
        let data = try requireData()
        var checkpoint = try Checkpoint.read(from: path)
        let inputShape = checkpoint.state.blueprint.inputShape
        guard inputShape == data.layout.itemShape else {
            throw CommandFailure("the checkpoint's model takes \(Self.shapeText(inputShape)) inputs but the data are "
                                 + "\(data.layout); load the data it was trained on first")
        }
        var notes: [String] = []
        if let reference = checkpoint.state.phase1Embeddings, reference.batchSize != data.count {
            checkpoint.state.phase1Embeddings = nil
            notes.append("the Phase 1 reference covers \(reference.batchSize) images, the data \(data.count): twist is unavailable")
        }
        if let proximity = checkpoint.state.proximity, proximity.targets.targetRow.count != data.count {
            checkpoint.state.proximity = nil
            notes.append("Phase 2 targets will be recomputed for these \(data.count) images")
        }
        model = checkpoint.state
        modelChanged()
        forgetClusterings()
        if let record = checkpoint.clustering {
            if record.assignments.count == data.count {
                let space = EmbeddingSpace(rawValue: record.space) ?? .normalized
                let points = Self.points(of: try embedding(), in: space)
                clustering = ClusteringSnapshot(record: record, points: points, madeAfter: trainingPosition)
            } else {
                notes.append("the saved clustering covers \(record.assignments.count) images, the data \(data.count): not restored")
            }
        }
        context.say("loaded \(checkpoint.state.blueprint.kind.rawValue) model (\(trainingPosition))"
                    + (clustering == nil ? "" : " and its \(clustering!.record.method) clustering") + " from \(path)")
        for note in notes { context.say(note) }
    }
}
