// Layer: session (commands). May use RDCMethod; never sockets or terminals. The commands about
// the session itself: status, history, seed, threads, backend, help, reset, echo, export.

import Foundation

extension SessionState {
    func showStatus(_ context: CommandContext) {
        var rows: [[String]] = []
        if let data {
            rows.append(["data", Self.summary(of: data).replacingOccurrences(of: "loaded ", with: "")])
        } else {
            rows.append(["data", "none (load with `data NAME`)"])
        }
        if let model {
            let blueprint = model.blueprint
            rows.append(["model", "\(blueprint.kind.rawValue), \(Self.shapeText(blueprint.inputShape)) → latent \(blueprint.latentSize)"])
            rows.append(["pretrain epochs", String(model.pretrainEpochs)])
            rows.append(["refine epochs", String(model.refineEpochs)])
            if let last = model.history.last {
                rows.append(["last losses", "\(last.phase.rawValue) epoch \(last.epoch): "
                             + last.losses.map { "\($0.name)=\(formatFigure(Double($0.value)))" }.joined(separator: " ")])
            }
        } else {
            rows.append(["model", "none (build with `model dense` or `model conv`)"])
        }
        if let clustering {
            let record = clustering.record
            rows.append(["clustering", "\(record.method), \(record.clusterCount) clusters, \(record.space) space, after \(clustering.madeAfter)"])
        } else {
            rows.append(["clustering", "none"])
        }
        if !lastScores.isEmpty {
            rows.append(["scores", lastScores.map { "\($0.0)=\(String(format: "%.4f", $0.1))" }.joined(separator: " ")])
        }
        rows.append(["threads", String(ComputeThreads.count)])
        rows.append(["backend", "\(ConvolutionBackend.current.rawValue) (\(ConvolutionBackend.oneDNNDescription))"])
        rows.append(["seed", String(seed)])
        context.emit(.table(Table(title: "session", header: ["item", "value"], rows: rows)))
    }

    func showHistory(_ context: CommandContext) throws {
        let (_, model) = try requireModel()
        guard !model.history.isEmpty else {
            context.say("no finished epoch yet")
            return
        }
        var names: [String] = []
        for record in model.history { for loss in record.losses where !names.contains(loss.name) { names.append(loss.name) } }
        let rows = model.history.map { record in
            [record.phase.rawValue, String(record.epoch)]
                + names.map { name in record.losses.first { $0.name == name }.map { formatFigure(Double($0.value)) } ?? "" }
                + [String(format: "%.1f", record.seconds)]
        }
        context.emit(.table(Table(title: "training history", header: ["phase", "epoch"] + names + ["seconds"], rows: rows)))
    }

    mutating func setSeed(_ context: CommandContext) {
        let value = UInt64(context.invocation.integer("seed")!)
        seed = value
        // Batches and ACAI's α of further training follow the new seed too.
        model?.generator = SeededGenerator(seed: value)
        context.say("seed \(value)")
    }

    func setThreads(_ context: CommandContext) {
        let count = context.invocation.integer("count")!
        ComputeThreads.set(count)
        let note = count > ComputeThreads.processors ? " (more than the \(ComputeThreads.processors) processors: expect it to be slower)" : ""
        context.say("compute threads: \(ComputeThreads.count)\(note)")
    }

    func setBackend(_ context: CommandContext) {
        if let backend = context.invocation.word("name", as: ConvolutionBackend.self) {
            ConvolutionBackend.current = backend
        }
        let details = [ConvolutionBackend.oneDNNDescription] + ConvolutionBackend.oneDNNImplementations
            + ConvolutionBackend.fallbackNotes
        context.say("convolution backend: \(ConvolutionBackend.current.rawValue)\n  " + details.joined(separator: "\n  "))
    }

    func showHelp(_ context: CommandContext) {
        let text = context.invocation.word("command").flatMap(CommandName.init(rawValue:)).map(CommandLanguage.helpText(for:))
            ?? CommandLanguage.helpText()
        context.emit(context.invocation.asksForPager ? .page(text) : .text(text + "\n", stream: .stdout))
    }

    mutating func reset(_ context: CommandContext) {
        self = SessionState(seed: seed)
        context.say("session reset: no data, no model (seed \(seed) and \(ComputeThreads.count) threads kept)")
    }

    func echo(_ context: CommandContext) {
        let stream = StandardStream(rawValue: context.invocation.word("stream")!) ?? .stdout
        context.emit(.text((context.invocation.text("text") ?? "") + "\n", stream: stream))
    }

    mutating func export(_ context: CommandContext) throws {
        let invocation = context.invocation
        let path = context.resolve(invocation.path("file")!)
        let array: NumericArray
        switch invocation.choice(ExportKind.self)! {
        case .embeddings:
            let embedding = try self.embedding()
            array = .float32(embedding.storage, rows: embedding.batchSize, columns: embedding.itemSize)
        case .labels:
            array = .int64(try requireClustering().record.assignments.map(Int64.init))
        }
        try array.write(to: path)
        context.say("wrote \(array.shapeText) \(array.typeName) to \(path)")
    }
}
