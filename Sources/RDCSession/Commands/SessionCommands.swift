// Layer: session (commands). May use RDCMethod; never sockets or terminals. The commands about
// the session itself: status, history, seed, threads, backend, help, reset, echo, export.

import Foundation
import ModelExchange
import RDCMethod
import NumericCore
import SafeFiles

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
            // Self-training, the ablation's arm, appears once it has run.
            for phase in TrainingPhase.allCases where phase != .selftrain || model.selfTraining != nil {
                let epochs = model.epochs(of: phase)
                let partial = model.partialEpoch.flatMap { $0.phase == phase ? $0 : nil }
                rows.append(["\(phase.rawValue) epochs", String(epochs) + (partial.map {
                    " + \(formatBatches($0.batchesDone)) of epoch \($0.epoch) (\(formatCount($0.samplesDone)) of \(formatCount($0.order.count)) images)"
                } ?? "")])
            }
            if let targets = model.proximity?.targets {
                rows.append(["refine targets", "from refine epoch \(model.proximity!.computedAtEpoch + 1): " + Self.describe(targets)])
            }
            if let last = model.history.last {
                rows.append(["last losses", "\(last.phase.rawValue) epoch \(last.epoch): " + NamedLoss.text(last.losses)])
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
        if trackEvery > 0 { rows.append(["tracking", trackingDescription.replacingOccurrences(of: "tracking ", with: "")]) }
        rows.append(["threads", String(ComputeThreads.count)])
        // The instruction set differs between machines; `backend` alone shows it with the kernels.
        rows.append(["backend", "\(ConvolutionBackend.current.rawValue) (convolutions; `backend` for details)"])
        rows.append(["seed", String(seed)])
        if !variables.isEmpty { rows.append(["variables", variables.summary]) }
        context.emit(.table(Table(title: "session", header: ["item", "value"], rows: rows)))
    }

    mutating func defineVariable(_ context: CommandContext) {
        context.invocation.defineVariable(in: &variables)
        let name = context.invocation[SessionCommandOptions.variableName]
        context.say("$\(name) = \(quoteIfNeeded(variables[name] ?? ""))")
    }

    func showHistory(_ context: CommandContext) throws {
        let (_, model) = try requireModel()
        guard !model.history.isEmpty || model.partialEpoch != nil else {
            context.say("no training yet")
            return
        }
        let table = Self.historyTable(model) { formatFigure($0) }
        context.emit(.table(Table(title: "training history", header: table.header, rows: table.rows)))
    }

    /// Every epoch so far (an unfinished one last) as a header and rows: phase, epoch, each loss,
    /// seconds, then each tracked measure when some epoch was tracked. `figure` writes a number.
    static func historyTable(_ model: TrainingState, figure: (Double) -> String) -> (header: [String], rows: [[String]]) {
        var records = model.history
        if let partial = model.partialEpoch { records.append(partial.abandonedRecord) }
        var lossNames: [String] = []
        for record in records { for loss in record.losses where !lossNames.contains(loss.name) { lossNames.append(loss.name) } }
        let measureNames = TrackedMeasures.names.filter { name in records.contains { $0.tracked?.entries.contains { $0.name == name } ?? false } }
        // Phase 2's M: its mean, and its range when a per-point rule made points differ.
        let showsM = records.contains { $0.neighbourCounts != nil }
        let showsRange = records.contains { ($0.neighbourCounts?.standardDeviation ?? 0) > 0 }
        let rows = records.map { record -> [String] in
            let counts = record.neighbourCounts
            let neighbourColumns = (showsM ? [counts.map { figure($0.mean) } ?? ""] : [])
                + (showsRange ? [counts.map { "\($0.smallest)–\($0.largest)" } ?? ""] : [])
            let epoch = String(record.epoch) + (record.partialBatches.map { " (\(formatBatches($0)))" } ?? "")
            let losses: [String] = lossNames.map { name in record.losses.first { $0.name == name }.map { figure(Double($0.value)) } ?? "" }
            let measures: [String] = measureNames.map { name in
                record.tracked?.entries.first { $0.name == name }.map { figure($0.value) } ?? ""
            }
            return [record.phase.rawValue, epoch] + losses + neighbourColumns + [String(format: "%.1f", record.seconds)] + measures
        }
        return (["phase", "epoch"] + lossNames + (showsM ? ["M"] : []) + (showsRange ? ["M range"] : []) + ["seconds"] + measureNames, rows)
    }

    mutating func setSeed(_ context: CommandContext) {
        let value = UInt64(context.invocation[SessionCommandOptions.seed])
        seed = value
        // Batches and ACAI's α of further training follow the new seed too.
        model?.generator = SeededGenerator(seed: value)
        context.say("seed \(value)")
    }

    func setThreads(_ context: CommandContext) {
        let count = context.invocation[SessionCommandOptions.threads]
        ComputeThreads.set(count)
        let note = count > ComputeThreads.processors ? " (more than the \(ComputeThreads.processors) processors: expect it to be slower)" : ""
        context.say("compute threads: \(ComputeThreads.count)\(note)")
    }

    func setBackend(_ context: CommandContext) {
        if let backend = context.invocation[optional: SessionCommandOptions.backend] {
            ConvolutionBackend.current = backend
        }
        let details = [ConvolutionBackend.oneDNNDescription] + ConvolutionBackend.oneDNNImplementations
            + ConvolutionBackend.fallbackNotes
        context.say("convolution backend: \(ConvolutionBackend.current.rawValue)\n  " + details.joined(separator: "\n  "))
    }

    func showHelp(_ context: CommandContext) {
        let text = context.invocation[optional: SessionCommandOptions.helpTopic].map(CommandLanguage.helpText(for:))
            ?? CommandLanguage.helpText()
        context.emit(context.invocation.asksForPager ? .page(text) : .text(text + "\n", stream: .stdout))
    }

    mutating func setTracking(_ context: CommandContext) {
        let options = TrackOptions(context.invocation)
        trackEvery = options.every
        trackRestarts = options.restarts
        context.say(trackingDescription)
    }

    /// "tracking every 2 epochs (k-means, 3 restarts)" or "tracking off".
    var trackingDescription: String {
        trackEvery == 0 ? "tracking off"
            : "tracking every \(trackEvery == 1 ? "epoch" : "\(trackEvery) epochs") (k-means, \(trackRestarts) restarts)"
    }

    mutating func reset(_ context: CommandContext) {
        let kept = variables
        self = SessionState(seed: seed)
        variables = kept
        let variableNote = kept.isEmpty ? "" : ", variables"
        context.say("session reset: no data, no model (seed \(seed)\(variableNote) and \(ComputeThreads.count) threads kept)")
    }

    func echo(_ context: CommandContext) {
        let invocation = context.invocation
        context.emit(.text((invocation[optional: SessionCommandOptions.echoText] ?? "") + "\n",
                           stream: invocation[SessionCommandOptions.echoStream]))
    }

    mutating func export(_ context: CommandContext) throws {
        let invocation = context.invocation
        let path = context.resolve(invocation[SessionCommandOptions.exportFile])
        let kind = invocation.choice(as: ExportKind.self)
        let array: NumericArray
        switch kind {
        case .embeddings:
            try Self.requireArrayFile(kind, path)
            let embedding = try self.embedding()
            array = .float32(embedding.storage, rows: embedding.batchSize, columns: embedding.itemSize)
        case .reconstructions:
            try Self.requireArrayFile(kind, path)
            let (data, model) = try requireModel()
            let reconstructions = Trainer.reconstruct(model.autoencoder, samples: data.samples)
            array = .float32(reconstructions.storage, rows: reconstructions.batchSize, columns: reconstructions.itemSize)
        case .labels:
            try Self.requireArrayFile(kind, path)
            array = .int64(try requireClustering().record.assignments.map(Int64.init))
        case .history:
            let (_, model) = try requireModel()
            guard path.lowercased().hasSuffix(".csv") else {
                throw CommandFailure("the history is a table: export it to a .csv file, not \(path)")
            }
            let table = Self.historyTable(model) { String(format: "%.6g", $0) }
            let lines = ([table.header] + table.rows).map { $0.map(Self.csvField).joined(separator: ",") }
            try SafeFile.write(Array((lines.joined(separator: "\n") + "\n").utf8), to: path)
            context.say("wrote \(table.rows.count) epochs × \(table.header.count) columns of training history to \(path)")
            return
        case .model:
            try exportModel(part: invocation[SessionCommandOptions.exportPart], to: path, context)
            return
        }
        try array.write(to: path)
        context.say("wrote \(array.shapeText) \(array.typeName) to \(path)")
    }

    private static func requireArrayFile(_ kind: ExportKind, _ path: String) throws {
        let lowered = path.lowercased()
        guard lowered.hasSuffix(".npy") || lowered.hasSuffix(".csv") else {
            throw CommandFailure("\(kind.rawValue) are an array: export them to a .npy or .csv file, not \(path)")
        }
    }

    /// `export model FILE part=`: the part as ONNX or safetensors, by the file's extension.
    private func exportModel(part: ModelPart, to path: String, _ context: CommandContext) throws {
        guard let format = ModelFileFormat(path: path) else {
            throw CommandFailure("a model is written to a .onnx or .safetensors file, not \(path)")
        }
        guard let model else { throw CommandFailure("no model yet; build one with `model dense` or `model conv`") }
        let export: ModelExport
        do {
            export = try ModelExport(state: model, part: part, format: format, producerVersion: RDCVersion.current)
            try export.write(to: path)
        } catch {
            throw CommandFailure("cannot export the \(part.rawValue): \(CommandFailure.describe(error))")
        }
        let content = format == .onnx ? "an ONNX model (opset \(ModelFileFormat.onnxOpset))" : "safetensors weights"
        context.say("wrote the \(part.rawValue) (\(model.progressDescription), \(formatCount(export.parameterCount)) parameters) "
                    + "as \(content) to \(path): \(export.signature)")
    }

    /// A CSV field, quoted when it holds a comma, a quote or a space.
    private static func csvField(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0 == " " }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }
}
