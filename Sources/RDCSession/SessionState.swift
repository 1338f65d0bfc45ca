// Layer: session. May use RDCMethod and RDCRender; never sockets or terminals. What a session
// holds between commands, and the dispatch of one parsed command onto it.

import Foundation
import SafeFiles
import RDCMethod
import NumericCore

/// A clustering of the session's data and the embedding it was read from.
struct ClusteringSnapshot {
    /// What the checkpoint keeps: method, k, assignments, space, inertia.
    var record: ClusteringRecord
    /// The points that were clustered ([N, L]: normalised or raw embeddings, per `record.space`).
    var points: Tensor
    /// The model's training position when it was made, e.g. "pretrain 10 + refine 2 epochs".
    var madeAfter: String
}

/// Everything a session holds. A value: commands work on a copy that is kept only on success.
/// (The optimisers inside `TrainingState` are classes; only training commands touch them.)
struct SessionState {
    /// The seed of every random choice from now on.
    var seed: UInt64
    /// The loaded data, if any.
    var data: Dataset?
    /// The model and its training so far, if built.
    var model: TrainingState?
    /// The latest clustering and the one before it (for drift).
    var clustering: ClusteringSnapshot?
    var previousClustering: ClusteringSnapshot?
    /// Scores of the latest `evaluate`, shown by `status`.
    var lastScores: [(String, Double)] = []
    /// The latest `cluster k=auto` scan and `eps=auto` curve, for `show kscan` / `show kdistance`.
    var lastCountScan: ClusterCountScan?
    var lastKDistance: KDistanceCurve?
    /// Raw embeddings E(X) of the current model on the current data, computed on demand.
    var cachedEmbedding: Tensor?
    /// Training calls that do not say `track=` measure every this many epochs (0: off).
    var trackEvery = 0
    /// k-means restarts of each tracking measurement.
    var trackRestarts = 3
    /// The variables defined with `let`, read by the parser for `$NAME` values.
    var variables = Variables()

    /// A session at start-up.
    init(seed: UInt64) {
        self.seed = seed
    }

    /// Forgets what depends on the model's weights (call after they change).
    mutating func modelChanged() {
        cachedEmbedding = nil
    }

    /// Forgets clusterings and scores (call when the points they describe are gone).
    mutating func forgetClusterings() {
        clustering = nil
        previousClustering = nil
        lastScores = []
        lastCountScan = nil
        lastKDistance = nil
    }

    /// Runs one command on this state.
    mutating func execute(_ context: CommandContext) throws {
        switch context.invocation.command {
        case .data: try loadData(context)
        case .model: try buildModel(context)
        case .pretrain: try pretrain(context)
        case .refine: try refine(context)
        case .selftrain: try selftrain(context)
        case .cluster: try cluster(context)
        case .evaluate: try evaluate(context)
        case .diagnose: try diagnose(context)
        case .show: try show(context)
        case .status: showStatus(context)
        case .history: try showHistory(context)
        case .track: setTracking(context)
        case .save: try save(context)
        case .load: try load(context)
        case .seed: setSeed(context)
        case .threads: setThreads(context)
        case .backend: setBackend(context)
        case .help: showHelp(context)
        case .reset: reset(context)
        case .echo: echo(context)
        case .clear: context.emit(.clearOutput)
        case .export: try export(context)
        case .let: defineVariable(context)
        }
    }

    // MARK: Requirements, each failing with a message that says what to run first

    func requireData() throws -> Dataset {
        guard let data else { throw CommandFailure("no data loaded yet; load some with `data NAME` (e.g. `data synthetic`)") }
        return data
    }

    func requireModel() throws -> (Dataset, TrainingState) {
        let data = try requireData()
        guard let model else { throw CommandFailure("no model yet; build one with `model dense` or `model conv`") }
        return (data, model)
    }

    func requireClustering() throws -> ClusteringSnapshot {
        guard let clustering else { throw CommandFailure("no clustering yet; run `cluster` first") }
        return clustering
    }

    /// The current model's raw embedding of every sample, computed once per model change.
    /// Refuses embeddings with NaN or infinite values: every figure read off them would be
    /// meaningless.
    mutating func embedding() throws -> Tensor {
        let (data, model) = try requireModel()
        if let cachedEmbedding { return cachedEmbedding }
        let embedding = Trainer.embed(model.autoencoder, samples: data.samples)
        guard embedding.isFinite else {
            throw CommandFailure("the model's embeddings contain NaN or infinite values (its weights have diverged, "
                                 + "or the data holds such values); build a new model with `model` or `load` a checkpoint")
        }
        cachedEmbedding = embedding
        return embedding
    }

    /// "pretrain 10 + refine 2 epochs", "untrained", or with batches of an unfinished epoch.
    var trainingPosition: String {
        model?.progressDescription ?? "no model"
    }
}

/// What a command needs besides the state: its invocation, the session's options, the
/// cancellation token and where outputs go.
struct CommandContext {
    let invocation: Invocation
    let options: SessionOptions
    let cancellation: CancellationToken
    let emit: (SessionOutput) -> Void

    /// Prints a line on standard output.
    func say(_ text: String) {
        emit(.text(text + "\n", stream: .stdout))
    }

    /// Prints a note on standard error.
    func warn(_ text: String) {
        emit(.text(text + "\n", stream: .stderr))
    }

    /// `path` as written, made absolute against the session's working directory.
    func resolve(_ path: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") { return expanded }
        return (options.workingDirectory as NSString).appendingPathComponent(expanded)
    }
}

/// A command that could not do its work; the message says what was wrong.
struct CommandFailure: Error {
    let message: String
    /// Whether the state reached so far is kept (training that ran before the failure).
    let keepsChanges: Bool

    init(_ message: String, keepsChanges: Bool = false) {
        self.message = message
        self.keepsChanges = keepsChanges
    }

    /// The message of an error from a lower layer (their descriptions are written for users;
    /// Foundation's file errors are put in plain words).
    static func describe(_ error: Error) -> String {
        if let failure = error as? CommandFailure { return failure.message }
        if let problem = FileProblem(foundationError: error) { return problem.description }
        return String(describing: error)
    }
}

/// A command stopped by `Session.interrupt()`; the state reached is kept.
struct CommandInterruption: Error {
    let message: String
}
