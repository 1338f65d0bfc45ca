// Layer: session (commands). May use RDCMethod; never sockets or terminals. `data NAME`: loads a
// data set with the method's loaders, keeps a random subset on `limit`, and decides what of the
// model and clusterings survive the change.

import Foundation

extension SessionState {
    mutating func loadData(_ context: CommandContext) throws {
        let invocation = context.invocation
        guard let name = invocation.choice(DatasetName.self) else {
            preconditionFailure("the parser accepts only declared data sets")
        }
        let subsetSeed = invocation.integer("seed").map(UInt64.init) ?? seed
        var loaded = try Self.load(name, invocation: invocation, seed: subsetSeed, context: context)
        let limit = invocation.integer("limit") ?? 0
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

    private static func split(_ invocation: Invocation) -> DatasetSplit {
        invocation.word("split", as: DatasetSplit.self) ?? .all
    }

    private static func load(_ name: DatasetName, invocation: Invocation, seed: UInt64,
                             context: CommandContext) throws -> Dataset {
        func path(_ key: String) -> String? { invocation.path(key).map(context.resolve) }
        switch name {
        case .fashionMNIST:
            let directory = path("path") ?? Dataset.debianFashionMNISTDirectory
            do {
                return try Dataset.fashionMNIST(directory: directory, split: split(invocation))
            } catch let error as DatasetError {
                guard invocation.word("fallback") == "synthetic", !fashionMNISTFilesExist(in: directory) else { throw error }
                let limit = invocation.integer("limit") ?? 0
                let count = limit > 0 ? limit : 2000
                context.warn("Fashion-MNIST is not in \(directory) (\(error.problem)); using \(count) synthetic 28×28 shapes instead (fallback=synthetic)")
                var shapes = try Dataset.syntheticShapes(count: count, classes: SyntheticShape.allCases.count, size: 28,
                                                         noise: 0.1, seed: seed)
                shapes.name = "synthetic shapes (Fashion-MNIST fallback)"
                return shapes
            }
        case .mnist:
            return try Dataset.mnist(directory: path("path")!, split: split(invocation))
        case .idx:
            return try Dataset.idx(images: path("images")!, labels: path("labels"))
        case .csv:
            let layout = try invocation.shape("shape").map(csvLayout)
            return try Dataset.csv(path: path("path")!, labelColumn: invocation.word("label", as: CSVLabelColumn.self) ?? .last,
                                   layout: layout, scale: invocation.decimal("scale").map(Float.init))
        case .npz:
            return try Dataset.npz(path: path("path")!, split: split(invocation))
        case .cifar10:
            return try Dataset.cifar10(directory: path("path")!, split: split(invocation))
        case .digits:
            return try Dataset.digits(path: path("path"))
        case .synthetic:
            return try Dataset.syntheticShapes(count: invocation.integer("n")!, classes: invocation.integer("classes")!,
                                               size: invocation.integer("size")!,
                                               noise: Float(invocation.decimal("noise")!), seed: seed)
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
