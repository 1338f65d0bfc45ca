// Layer: session (commands). May use RDCMethod; never sockets or terminals. `data NAME`: loads a
// data set with the method's loaders, keeps a random subset on `limit`, and decides what of the
// model and clusterings survive the change.

import Foundation
import RDCMethod

extension SessionState {
    mutating func loadData(_ context: CommandContext) throws {
        let invocation = context.invocation
        let name = invocation.choice(as: DatasetName.self)
        let subsetSeed = invocation[DataOptions.seed].map(UInt64.init) ?? seed
        var loaded = try Self.load(name, invocation: invocation, seed: subsetSeed, context: context)
        let limit = invocation[DataOptions.limit]
        if limit > 0 { loaded = try loaded.limited(to: limit, seed: subsetSeed) }

        var notes: [String] = []
        if let model {
            if model.blueprint.inputShape == loaded.layout.itemShape {
                // Phase 2's neighbour targets and the twist reference index the old samples.
                self.model?.proximity = nil
                self.model?.phase1Embeddings = nil
                notes.append("kept the \(model.blueprint.kind.rawValue) model (same input shape)")
            } else {
                self.model = nil
                notes.append("dropped the model, built for \(Self.shapeText(model.blueprint.inputShape)) inputs; build a new one with `model`")
            }
        }
        if clustering != nil { notes.append("forgot the clustering of the previous data") }
        data = loaded
        forgetClusterings()
        modelChanged()
        context.say(Self.summary(of: loaded))
        for note in notes { context.say(note) }
    }

    /// One line: name, count, shape, classes.
    static func summary(of data: Dataset) -> String {
        var line = "loaded \(data.name): \(data.count) images of \(data.layout)"
        if let classes = data.classCount { line += ", \(classes) classes" } else { line += ", no labels" }
        return line
    }

    static func shapeText(_ shape: [Int]) -> String {
        shape.map(String.init).joined(separator: "x")
    }

    private static func load(_ name: DatasetName, invocation: Invocation, seed: UInt64,
                             context: CommandContext) throws -> Dataset {
        func path(_ option: OptionKey<String>) -> String { context.resolve(invocation[option]) }
        func path(_ option: OptionalOptionKey<String>) -> String? { invocation[option].map(context.resolve) }
        switch name {
        case .fashionMNIST:
            let directory = path(DataOptions.fashionMNISTFolder)
            do {
                return try Dataset.fashionMNIST(directory: directory, split: invocation[DataOptions.trainTestSplit])
            } catch let error as DatasetError {
                guard invocation[DataOptions.fallback] == .synthetic, !fashionMNISTFilesExist(in: directory) else { throw error }
                let limit = invocation[DataOptions.limit]
                let count = limit > 0 ? limit : 2000
                context.warn("Fashion-MNIST is not in \(directory) (\(error.problem)); using \(count) synthetic 28×28 shapes instead (fallback=synthetic)")
                var shapes = try Dataset.syntheticShapes(count: count, classes: SyntheticShape.allCases.count, size: 28,
                                                         noise: 0.1, seed: seed)
                shapes.name = "synthetic shapes (Fashion-MNIST fallback)"
                return shapes
            }
        case .mnist:
            return try Dataset.mnist(directory: path(DataOptions.mnistFolder), split: invocation[DataOptions.trainTestSplit])
        case .idx:
            return try Dataset.idx(images: path(DataOptions.idxImages), labels: path(DataOptions.idxLabels))
        case .csv:
            let layout = try invocation[DataOptions.csvShape].map(csvLayout)
            return try Dataset.csv(path: path(DataOptions.csvFile), labelColumn: invocation[DataOptions.csvLabel],
                                   layout: layout, scale: invocation[DataOptions.csvScale])
        case .npz:
            return try Dataset.npz(path: path(DataOptions.npzFile), split: invocation[DataOptions.trainValidationTestSplit])
        case .cifar10:
            return try Dataset.cifar10(directory: path(DataOptions.cifarFolder), split: invocation[DataOptions.trainTestSplit])
        case .digits:
            return try Dataset.digits(path: path(DataOptions.digitsFile))
        case .synthetic:
            return try Dataset.syntheticShapes(count: invocation[DataOptions.syntheticCount],
                                               classes: invocation[DataOptions.syntheticClasses],
                                               size: invocation[DataOptions.syntheticSize],
                                               noise: invocation[DataOptions.syntheticNoise], seed: seed)
        }
    }

    /// Whether any of Fashion-MNIST's image files is in `directory`: the fallback is for a
    /// missing data set, never for a broken one.
    private static func fashionMNISTFilesExist(in directory: String) -> Bool {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.contains { $0.hasPrefix("train-images") || $0.hasPrefix("t10k-images") }
    }

    private static func csvLayout(_ shape: [Int]) throws -> SampleLayout {
        switch shape.count {
        case 3: return .image(channels: shape[0], height: shape[1], width: shape[2])
        case 2: return .image(channels: 1, height: shape[0], width: shape[1])
        case 1: return .vector(length: shape[0])
        default: throw CommandFailure("`shape` must be CxHxW, HxW or a length, got \(shapeText(shape))")
        }
    }
}
