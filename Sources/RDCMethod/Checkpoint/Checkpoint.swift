// Layer: method (R-DC). May use NumericCore and SafeFiles; never the session, sockets or
// pictures. Decoding checks every count, shape and value against the file before it allocates.

import SafeFiles
import NumericCore

/// A clustering read off an embedding: what produced it and each sample's cluster.
public struct ClusteringRecord: Equatable, Sendable {
    /// "kmeans", "gmm", "dbscan" or "assignments" (self-training's centres).
    public var method: String
    /// Number of clusters found (DBSCAN: excluding noise).
    public var clusterCount: Int
    /// Cluster of each sample (DBSCAN noise is −1).
    public var assignments: [Int]
    /// "normalized" or "raw" embeddings.
    public var space: String
    /// k-means inertia, when the method has one.
    public var inertia: Double?

    /// A clustering record.
    public init(method: String, clusterCount: Int, assignments: [Int], space: String, inertia: Double? = nil) {
        self.method = method
        self.clusterCount = clusterCount
        self.assignments = assignments
        self.space = space
        self.inertia = inertia
    }
}

/// What went wrong reading a checkpoint.
public struct CheckpointError: Error, CustomStringConvertible, Equatable {
    /// The file.
    public let path: String
    /// The problem, in words.
    public let problem: String

    public var description: String { "cannot load checkpoint \(path): \(problem)" }
}

/// Everything needed to continue training: networks, critic, optimiser moments, phase and
/// epoch counters, generator state, loss history, Phase 2 targets and the latest clustering.
///
/// File format (little-endian), version 5 (versions 1–4 are read too: they lack the
/// sections marked with a later version):
///
///     bytes 0-7   magic "RDCCKPT1"
///     u32         format version (1)
///     blueprint   kind (string), input rank + dims (u32), latent size (u32)
///     tensors     autoencoder parameters, critic parameters (u32 count, then each tensor)
///     optimisers  pretrain autoencoder, pretrain critic, flag + refine pair: each Adam as
///                 lr, β1, β2, ε (f32), step (u64), moment count, first and second moments
///     counters    pretrain epochs, refine epochs (u32); generator state (4 × u64)
///     history     count, then phase, epoch, seconds (f64 bits), loss count, (name, value)…
///     optional    flag + Phase 1 embeddings tensor; flag + proximity (epoch, target rows as
///                 f32 tensor, targets tensor, mean kept neighbours as f64 bits); flag + clustering
///     selftrain   (version 3) self-training epochs (u32); flag + self-training: centres tensor,
///                 autoencoder and centres Adam, target tensor [N, K], assignment count + ids (u32),
///                 batches since the update (u32), flag + changed share (f64 bits); tracked
///                 epochs: count + (history index, seconds, measure count, (name, f64 bits)…);
///                 flag + tracking reference: phase, start embeddings tensor, flag + count + ids;
///                 (version 4) flag + Phase 2 target members: per active anchor, count + ids
///     partial     (version 2) flag + unfinished epoch: phase, epoch, order count + order (u32 each),
///                 samples done, batches done, loss count + (name, value)…, seconds (f64 bits);
///                 then count + (history index, batches) of the history's abandoned epochs
///     M           (version 5) flag + the Phase 2 targets' M, then count + (history index, M) of
///                 the Phase 2 epochs; each M as mean, spread (f64 bits), smallest, largest (u32);
///                 flag + the graph target: edge counts per sample (count + u32 each), far ends
///                 (count + u32 each), weights tensor, positions tensor, a, b (f64 bits),
///                 negatives per edge (u32)
///     u32         CRC-32 of every byte before it
/// Tensors are written as rank, dimensions, Float32 values.
public struct Checkpoint {
    /// The eight bytes a checkpoint starts with.
    public static let magic = Array("RDCCKPT1".utf8)
    /// Format version written by this code.
    public static let version: UInt32 = 5

    /// The training state.
    public var state: TrainingState
    /// The latest clustering, if any.
    public var clustering: ClusteringRecord?

    /// A checkpoint of `state` and `clustering`.
    public init(state: TrainingState, clustering: ClusteringRecord?) {
        self.state = state
        self.clustering = clustering
    }

    /// Writes the checkpoint to `path` atomically (`SafeFile.write`): whatever fails, `path`
    /// holds the complete old checkpoint or the complete new one. Throws `FileProblem`.
    public func write(to path: String) throws {
        try SafeFile.write(encoded(), to: path)
    }

    /// Reads and validates a checkpoint file. Throws `CheckpointError` naming the file, in
    /// plain words for file problems too ("does not exist", "is a folder, not a file").
    public static func read(from path: String) throws -> Checkpoint {
        do {
            return try decode(try SafeFile.read(path))
        } catch let problem as FileProblem {
            throw CheckpointError(path: path, problem: problem.reason)
        } catch let error as CheckpointError {
            throw CheckpointError(path: path, problem: error.problem)
        } catch let error as ParameterArchiveError {
            throw CheckpointError(path: path, problem: "\(error)")
        } catch let error as ModelError {
            throw CheckpointError(path: path, problem: error.description)
        } catch let problem as SizeProblem {
            throw CheckpointError(path: path, problem: problem.description)
        }
    }

    /// The checkpoint's bytes.
    public func encoded() -> [UInt8] {
        var writer = ByteWriter()
        writer.bytes.append(contentsOf: Self.magic)
        writer.append(Self.version)
        let blueprint = state.blueprint
        writer.append(blueprint.kind.rawValue)
        writer.append(UInt32(blueprint.inputShape.count))
        for dimension in blueprint.inputShape { writer.append(UInt32(dimension)) }
        writer.append(UInt32(blueprint.latentSize))
        for tensors in [state.autoencoder.parameterValues, state.critic.network.parameterValues] {
            writer.append(UInt32(tensors.count))
            for tensor in tensors { writer.append(tensor) }
        }
        Self.append(state.pretrainOptimizers.autoencoder, to: &writer)
        Self.append(state.pretrainOptimizers.critic, to: &writer)
        writer.append(UInt32(state.refineOptimizers == nil ? 0 : 1))
        if let refine = state.refineOptimizers {
            Self.append(refine.autoencoder, to: &writer)
            Self.append(refine.critic, to: &writer)
        }
        writer.append(UInt32(state.pretrainEpochs))
        writer.append(UInt32(state.refineEpochs))
        let generator = state.generator.state
        for word in [generator.0, generator.1, generator.2, generator.3] { writer.append(word) }
        writer.append(UInt32(state.history.count))
        for record in state.history {
            writer.append(record.phase.rawValue)
            writer.append(UInt32(record.epoch))
            writer.append(record.seconds.bitPattern)
            writer.append(UInt32(record.losses.count))
            for loss in record.losses {
                writer.append(loss.name)
                writer.append(loss.value.bitPattern)
            }
        }
        writer.append(UInt32(state.phase1Embeddings == nil ? 0 : 1))
        if let embeddings = state.phase1Embeddings { writer.append(embeddings) }
        writer.append(UInt32(state.proximity == nil ? 0 : 1))
        if let proximity = state.proximity {
            writer.append(UInt32(proximity.computedAtEpoch))
            writer.append(Tensor(shape: [proximity.targets.targetRow.count], storage: proximity.targets.targetRow.map(Float.init)))
            writer.append(proximity.targets.targets)
            writer.append(proximity.targets.meanKeptNeighbours.bitPattern)
        }
        writer.append(UInt32(clustering == nil ? 0 : 1))
        if let clustering {
            writer.append(clustering.method)
            writer.append(UInt32(clustering.clusterCount))
            writer.append(clustering.space)
            writer.append(UInt32(clustering.inertia == nil ? 0 : 1))
            writer.append((clustering.inertia ?? 0).bitPattern)
            writer.append(UInt32(clustering.assignments.count))
            for cluster in clustering.assignments { writer.append(UInt32(bitPattern: Int32(cluster))) }
        }
        Self.appendSelfTrainingAndTracking(of: state, to: &writer)
        Self.appendPartialEpochs(of: state, to: &writer)
        Self.appendNeighbourCounts(of: state, to: &writer)
        writer.append(CRC32.checksum(writer.bytes))
        return writer.bytes
    }

    /// Decodes checkpoint bytes, validating magic, version and checksum, then every count and
    /// shape against the bytes that are there (before allocating) and every value against what
    /// it may be: parameters and moments of the model's shapes and finite, cluster ids in
    /// `0..<clusterCount` (or −1 for DBSCAN noise), Phase 2 target rows in range.
    ///
    /// - Throws: `CheckpointError`, `ParameterArchiveError`, `ModelError` or `SizeProblem`
    ///   (`read(from:)` reports them all as `CheckpointError`).
    public static func decode(_ bytes: [UInt8]) throws -> Checkpoint {
        func fail(_ problem: String) -> CheckpointError { CheckpointError(path: "", problem: problem) }
        guard bytes.count > magic.count + 8, Array(bytes[0..<magic.count]) == magic else {
            throw fail("not an R-DC checkpoint (bad magic)")
        }
        var tail = ByteReader(bytes: bytes, offset: bytes.count - 4)
        guard CRC32.checksum(bytes[0..<(bytes.count - 4)]) == (try tail.uint32()) else {
            throw fail("checksum mismatch: the file is damaged or truncated")
        }
        var reader = ByteReader(bytes: Array(bytes[0..<(bytes.count - 4)]), offset: magic.count)
        let fileVersion = try reader.uint32()
        guard (1...version).contains(fileVersion) else {
            throw fail("format version \(fileVersion) is not supported (expected 1…\(version))")
        }
        guard let kind = ModelKind(rawValue: try reader.string()) else { throw fail("unknown model kind") }
        let rank = Int(try reader.uint32())
        guard rank <= ByteReader.maximumRank else { throw fail("implausible input rank \(rank)") }
        var inputShape: [Int] = []
        for _ in 0..<rank { inputShape.append(Int(try reader.uint32())) }
        let blueprint = try ModelBlueprint(kind: kind, inputShape: inputShape, latentSize: Int(try reader.uint32()))

        // The tensors are in the file, so reading them allocates no more than its length; the
        // networks are built only once the file is known to hold exactly their values.
        let autoencoderValues = try tensors(&reader), criticValues = try tensors(&reader)
        let expected = try blueprint.parameterCounts()
        for (what, values, count) in [("autoencoder", autoencoderValues, expected.autoencoder), ("critic", criticValues, expected.critic)] {
            let found = values.reduce(0) { $0 + $1.count }
            guard found == count else {
                throw fail("the \(what) of a \(kind.rawValue) model for \(inputShape) inputs has \(count) parameter values, the file \(found)")
            }
            guard values.allSatisfy({ $0.storage.allSatisfy(\.isFinite) }) else { throw fail("the \(what) parameters hold NaN or infinite values") }
        }
        var generator = SeededGenerator(seed: 0)
        var autoencoder = blueprint.makeAutoencoder(generator: &generator)
        var critic = blueprint.makeCritic(generator: &generator)
        try autoencoder.loadParameterValues(autoencoderValues)
        try critic.network.loadParameterValues(criticValues)
        let autoencoderSizes = autoencoderValues.map(\.count), criticSizes = criticValues.map(\.count)

        let pretrain = OptimizerPair(autoencoder: try adam(&reader, fitting: autoencoderSizes, "pretrain autoencoder"),
                                     critic: try adam(&reader, fitting: criticSizes, "pretrain critic"))
        let refine = try flag(&reader, "refine optimisers")
            ? OptimizerPair(autoencoder: try adam(&reader, fitting: autoencoderSizes, "refine autoencoder"),
                            critic: try adam(&reader, fitting: criticSizes, "refine critic"))
            : nil
        let pretrainEpochs = Int(try reader.uint32()), refineEpochs = Int(try reader.uint32())
        let generatorState = (try reader.uint64(), try reader.uint64(), try reader.uint64(), try reader.uint64())
        var history: [EpochRecord] = []
        // An entry is at least a phase name's length, epoch, seconds and loss count.
        for _ in 0..<(try reader.count(of: "history entry", eachAtLeast: 20)) {
            guard let phase = TrainingPhase(rawValue: try reader.string()) else { throw fail("unknown phase in the loss history") }
            let epoch = Int(try reader.uint32())
            let seconds = Double(bitPattern: try reader.uint64())
            guard seconds.isFinite, seconds >= 0 else { throw fail("history entry of \(phase.rawValue) epoch \(epoch) lasted \(seconds) seconds") }
            var losses: [NamedLoss] = []
            for _ in 0..<(try reader.count(of: "loss", eachAtLeast: 8)) {
                losses.append(NamedLoss(try reader.string(), Float(bitPattern: try reader.uint32())))
            }
            history.append(EpochRecord(phase: phase, epoch: epoch, losses: losses, seconds: seconds))
        }
        var phase1Embeddings: Tensor?
        if try flag(&reader, "Phase 1 embeddings") {
            let embeddings = try reader.tensor()
            guard embeddings.rank == 2, embeddings.shape[1] == blueprint.latentSize, embeddings.storage.allSatisfy(\.isFinite) else {
                throw fail("the Phase 1 embeddings of shape \(embeddings.shape) are not finite [n, \(blueprint.latentSize)] codes")
            }
            phase1Embeddings = embeddings
        }
        var proximity: (targets: ProximityTargets, computedAtEpoch: Int)?
        if try flag(&reader, "Phase 2 targets") {
            let epoch = Int(try reader.uint32())
            let rows = try reader.tensor()
            let targets = try reader.tensor()
            let meanKept = Double(bitPattern: try reader.uint64())
            guard rows.rank == 1, targets.rank == 2, targets.shape[1] == blueprint.latentSize, targets.storage.allSatisfy(\.isFinite),
                  meanKept.isFinite else {
                throw fail("the Phase 2 targets (rows \(rows.shape), targets \(targets.shape)) do not fit [n, \(blueprint.latentSize)] codes")
            }
            let activeRows = -1..<targets.batchSize
            if let bad = rows.storage.first(where: { !($0 == $0.rounded() && activeRows.contains(Int(exactly: $0) ?? -2)) }) {
                throw fail("Phase 2 target row \(bad) is not in -1..<\(targets.batchSize)")
            }
            proximity = (ProximityTargets(targetRow: rows.storage.map { Int32($0) }, targets: targets, meanKeptNeighbours: meanKept,
                                           neighbourCounts: nil), epoch)
        }
        var clustering: ClusteringRecord?
        if try flag(&reader, "clustering") {
            clustering = try clusteringRecord(&reader)
        }
        var state = TrainingState(
            blueprint: blueprint, autoencoder: autoencoder, critic: critic, pretrainOptimizers: pretrain,
            refineOptimizers: refine, pretrainEpochs: pretrainEpochs, refineEpochs: refineEpochs,
            generator: SeededGenerator(state: generatorState), history: history,
            phase1Embeddings: phase1Embeddings, proximity: proximity)
        if fileVersion >= 3 {
            try readSelfTrainingAndTracking(into: &state, from: &reader, autoencoderSizes: autoencoderSizes,
                                            withMembers: fileVersion >= 4)
        }
        if fileVersion >= 2 { try readPartialEpochs(into: &state, from: &reader) }
        if fileVersion >= 5 { try readNeighbourCounts(into: &state, from: &reader) }
        guard reader.offset == reader.bytes.count else { throw fail("\(reader.bytes.count - reader.offset) unexpected trailing bytes") }
        return Checkpoint(state: state, clustering: clustering)
    }

    private static func appendNeighbourCounts(of state: TrainingState, to writer: inout ByteWriter) {
        func append(_ summary: NeighbourCountSummary) {
            writer.append(summary.mean.bitPattern)
            writer.append(summary.standardDeviation.bitPattern)
            writer.append(UInt32(summary.smallest))
            writer.append(UInt32(summary.largest))
        }
        let current = state.proximity?.targets.neighbourCounts
        writer.append(UInt32(current == nil ? 0 : 1))
        if let current { append(current) }
        let epochs = state.history.enumerated().compactMap { index, record in record.neighbourCounts.map { (index, $0) } }
        writer.append(UInt32(epochs.count))
        for (index, summary) in epochs {
            writer.append(UInt32(index))
            append(summary)
        }
        let graph = state.proximity?.targets.graph
        writer.append(UInt32(graph == nil ? 0 : 1))
        if let graph {
            writer.append(UInt32(graph.edgeStarts.count - 1))
            for (start, end) in zip(graph.edgeStarts, graph.edgeStarts.dropFirst()) { writer.append(UInt32(end - start)) }
            writer.append(UInt32(graph.neighbours.count))
            for neighbour in graph.neighbours { writer.append(UInt32(neighbour)) }
            writer.append(Tensor(shape: [graph.weights.count], storage: graph.weights))
            writer.append(graph.positions)
            writer.append(graph.curve.a.bitPattern)
            writer.append(graph.curve.b.bitPattern)
            writer.append(UInt32(graph.negativesPerEdge))
        }
    }

    private static func readNeighbourCounts(into state: inout TrainingState, from reader: inout ByteReader) throws {
        func summary() throws -> NeighbourCountSummary {
            let mean = Double(bitPattern: try reader.uint64()), spread = Double(bitPattern: try reader.uint64())
            let smallest = Int(try reader.uint32()), largest = Int(try reader.uint32())
            guard mean.isFinite, spread.isFinite, spread >= 0, smallest <= largest,
                  Double(smallest) <= mean + 1e-9, mean <= Double(largest) + 1e-9 else {
                throw CheckpointError(path: "", problem: "a Phase 2 M (mean \(mean), spread \(spread), \(smallest)–\(largest)) is not valid")
            }
            return NeighbourCountSummary(mean: mean, standardDeviation: spread, smallest: smallest, largest: largest)
        }
        if try flag(&reader, "Phase 2 M") {
            let current = try summary()
            guard state.proximity != nil else { throw CheckpointError(path: "", problem: "a Phase 2 M without Phase 2 targets") }
            state.proximity?.targets.neighbourCounts = current
        }
        for _ in 0..<(try reader.count(of: "Phase 2 epoch M", eachAtLeast: 28)) {
            let index = Int(try reader.uint32())
            let value = try summary()
            guard state.history.indices.contains(index), state.history[index].phase == .refine else {
                throw CheckpointError(path: "", problem: "history entry \(index) with a Phase 2 M is not a Phase 2 epoch")
            }
            state.history[index].neighbourCounts = value
        }
        if try flag(&reader, "Phase 2 graph") {
            guard let samples = state.proximity?.targets.targetRow.count else {
                throw CheckpointError(path: "", problem: "a Phase 2 graph without Phase 2 targets")
            }
            let counts = try ids(&reader, below: Int(UInt32.max), "graph edge count")
            let neighbours = try ids(&reader, below: samples, "graph edge end")
            let weights = try reader.tensor(), positions = try reader.tensor()
            let a = Double(bitPattern: try reader.uint64()), b = Double(bitPattern: try reader.uint64())
            let negatives = Int(try reader.uint32())
            guard counts.count == samples, counts.reduce(0, +) == neighbours.count, weights.rank == 1,
                  weights.count == neighbours.count, weights.storage.allSatisfy({ $0 > 0 && $0 <= 1 }),
                  positions.rank == 2, positions.batchSize == samples, positions.itemSize == state.blueprint.latentSize,
                  positions.storage.allSatisfy(\.isFinite), a.isFinite, a > 0, b.isFinite, b > 0, negatives <= 1000 else {
                throw CheckpointError(path: "", problem: "the Phase 2 graph (\(counts.count) rows, \(neighbours.count) edges, "
                                      + "positions \(positions.shape)) does not fit \(samples) samples of latent size \(state.blueprint.latentSize)")
            }
            var starts = [0]
            for count in counts { starts.append(starts.last! + count) }
            state.proximity?.targets.graph = ProximityGraph(edgeStarts: starts, neighbours: neighbours.map(Int32.init), weights: weights.storage,
                                                            positions: positions, curve: UMAPCurve(a: a, b: b), negativesPerEdge: negatives)
        }
    }

    private static func appendPartialEpochs(of state: TrainingState, to writer: inout ByteWriter) {
        writer.append(UInt32(state.partialEpoch == nil ? 0 : 1))
        if let partial = state.partialEpoch {
            writer.append(partial.phase.rawValue)
            writer.append(UInt32(partial.epoch))
            writer.append(UInt32(partial.order.count))
            for index in partial.order { writer.append(UInt32(index)) }
            writer.append(UInt32(partial.samplesDone))
            writer.append(UInt32(partial.batchesDone))
            writer.append(UInt32(partial.lossSums.count))
            for loss in partial.lossSums {
                writer.append(loss.name)
                writer.append(loss.value.bitPattern)
            }
            writer.append(partial.seconds.bitPattern)
        }
        let abandoned = state.history.enumerated().compactMap { index, record in record.partialBatches.map { (index, $0) } }
        writer.append(UInt32(abandoned.count))
        for (index, batches) in abandoned {
            writer.append(UInt32(index))
            writer.append(UInt32(batches))
        }
    }

    private static func readPartialEpochs(into state: inout TrainingState, from reader: inout ByteReader) throws {
        func fail(_ problem: String) -> CheckpointError { CheckpointError(path: "", problem: problem) }
        if try flag(&reader, "unfinished epoch") {
            guard let phase = TrainingPhase(rawValue: try reader.string()) else { throw fail("unknown phase of the unfinished epoch") }
            let epoch = Int(try reader.uint32())
            let count = Int(try reader.uint32())
            guard count <= (reader.bytes.count - reader.offset) / 4 else {
                throw fail("the unfinished epoch claims \(count) samples, more than the file holds")
            }
            let order = try (0..<count).map { _ in Int(try reader.uint32()) }
            guard Set(order).count == count, order.allSatisfy({ $0 < count }) else {
                throw fail("the unfinished epoch's sample order is not a permutation of 0..<\(count)")
            }
            let samplesDone = Int(try reader.uint32()), batchesDone = Int(try reader.uint32())
            guard samplesDone <= count, batchesDone <= samplesDone, (samplesDone == 0) == (batchesDone == 0) else {
                throw fail("the unfinished epoch's progress (\(batchesDone) batches, \(samplesDone) samples of \(count)) is inconsistent")
            }
            var sums: [NamedLoss] = []
            for _ in 0..<(try reader.uint32()) {
                sums.append(NamedLoss(try reader.string(), Float(bitPattern: try reader.uint32())))
            }
            let seconds = Double(bitPattern: try reader.uint64())
            let expected = state.epochs(of: phase) + 1
            guard epoch == expected else { throw fail("the unfinished epoch is numbered \(epoch), expected \(expected)") }
            state.partialEpoch = PartialEpoch(phase: phase, epoch: epoch, order: order, samplesDone: samplesDone,
                                              batchesDone: batchesDone, lossSums: sums, seconds: seconds)
        }
        for _ in 0..<(try reader.uint32()) {
            let index = Int(try reader.uint32()), batches = Int(try reader.uint32())
            guard state.history.indices.contains(index) else { throw fail("abandoned epoch \(index) is not in the history") }
            state.history[index].partialBatches = batches
        }
    }

    private static func appendSelfTrainingAndTracking(of state: TrainingState, to writer: inout ByteWriter) {
        writer.append(UInt32(state.selftrainEpochs))
        writer.append(UInt32(state.selfTraining == nil ? 0 : 1))
        if let selfTraining = state.selfTraining {
            writer.append(selfTraining.centres)
            append(selfTraining.autoencoderOptimizer, to: &writer)
            append(selfTraining.centresOptimizer, to: &writer)
            writer.append(selfTraining.target)
            appendIDs(selfTraining.assignments, to: &writer)
            writer.append(UInt32(selfTraining.batchesSinceUpdate))
            writer.append(UInt32(selfTraining.changedFraction == nil ? 0 : 1))
            writer.append((selfTraining.changedFraction ?? 0).bitPattern)
        }
        let tracked = state.history.enumerated().compactMap { index, record in record.tracked.map { (index, $0) } }
        writer.append(UInt32(tracked.count))
        for (index, measures) in tracked {
            writer.append(UInt32(index))
            writer.append(measures.seconds.bitPattern)
            let entries = measures.entries
            writer.append(UInt32(entries.count))
            for entry in entries {
                writer.append(entry.name)
                writer.append(entry.value.bitPattern)
            }
        }
        writer.append(UInt32(state.trackingReference == nil ? 0 : 1))
        if let reference = state.trackingReference {
            writer.append(reference.phase.rawValue)
            writer.append(reference.startEmbeddings)
            writer.append(UInt32(reference.lastAssignments == nil ? 0 : 1))
            if let assignments = reference.lastAssignments { appendIDs(assignments, to: &writer) }
        }
        let members = state.proximity?.targets.members
        writer.append(UInt32(members == nil ? 0 : 1))
        for list in members ?? [] { appendIDs(list.map(Int.init), to: &writer) }
    }

    private static func appendIDs(_ ids: [Int], to writer: inout ByteWriter) {
        writer.append(UInt32(ids.count))
        for id in ids { writer.append(UInt32(id)) }
    }

    /// Reads `count` ids, each below `limit`.
    private static func ids(_ reader: inout ByteReader, below limit: Int, _ what: String) throws -> [Int] {
        var ids: [Int] = []
        for index in 0..<(try reader.count(of: what, eachAtLeast: 4)) {
            let id = Int(try reader.uint32())
            guard id < limit else {
                throw CheckpointError(path: "", problem: "\(what) \(index) is \(id), not below \(limit)")
            }
            ids.append(id)
        }
        return ids
    }

    private static func readSelfTrainingAndTracking(into state: inout TrainingState, from reader: inout ByteReader,
                                                    autoencoderSizes: [Int], withMembers: Bool) throws {
        func fail(_ problem: String) -> CheckpointError { CheckpointError(path: "", problem: problem) }
        let latent = state.blueprint.latentSize
        state.selftrainEpochs = Int(try reader.uint32())
        if try flag(&reader, "self-training") {
            let centres = try reader.tensor()
            guard centres.rank == 2, centres.batchSize >= 1, centres.itemSize == latent, centres.storage.allSatisfy(\.isFinite) else {
                throw fail("the self-training centres of shape \(centres.shape) are not finite [k, \(latent)] codes")
            }
            let k = centres.batchSize
            let autoencoderOptimizer = try adam(&reader, fitting: autoencoderSizes, "self-training autoencoder")
            let centresOptimizer = try adam(&reader, fitting: [centres.count], "self-training centres")
            let target = try reader.tensor()
            guard target.rank == 2, target.itemSize == k, target.storage.allSatisfy({ $0.isFinite && $0 >= 0 && $0 <= 1 }) else {
                throw fail("the self-training target of shape \(target.shape) is not [n, \(k)] probabilities")
            }
            let assignments = try ids(&reader, below: k, "self-training assignment")
            guard assignments.count == target.batchSize else {
                throw fail("self-training has \(assignments.count) assignments for a target of \(target.batchSize) rows")
            }
            let batchesSinceUpdate = Int(try reader.uint32())
            let hasChanged = try flag(&reader, "changed share")
            let changed = Double(bitPattern: try reader.uint64())
            guard !hasChanged || (0...1).contains(changed) else { throw fail("the changed share of assignments is \(changed)") }
            state.selfTraining = SelfTrainingState(
                layer: SoftAssignment(centres: centres), autoencoderOptimizer: autoencoderOptimizer, centresOptimizer: centresOptimizer,
                target: target, assignments: assignments, batchesSinceUpdate: batchesSinceUpdate,
                changedFraction: hasChanged ? changed : nil)
        }
        for _ in 0..<(try reader.count(of: "tracked epoch", eachAtLeast: 16)) {
            let index = Int(try reader.uint32())
            let seconds = Double(bitPattern: try reader.uint64())
            var entries: [(name: String, value: Double)] = []
            for _ in 0..<(try reader.count(of: "tracked measure", eachAtLeast: 12)) {
                entries.append((try reader.string(), Double(bitPattern: try reader.uint64())))
            }
            guard state.history.indices.contains(index) else { throw fail("tracked epoch \(index) is not in the history") }
            guard seconds.isFinite, seconds >= 0, let measures = TrackedMeasures(entries: entries, seconds: seconds) else {
                throw fail("the tracked measures of history entry \(index) are not valid (unknown names, repeated or non-finite values)")
            }
            state.history[index].tracked = measures
        }
        if try flag(&reader, "tracking reference") {
            guard let phase = TrainingPhase(rawValue: try reader.string()) else { throw fail("unknown phase of the tracking reference") }
            let embeddings = try reader.tensor()
            guard embeddings.rank == 2, embeddings.itemSize == latent, embeddings.storage.allSatisfy(\.isFinite) else {
                throw fail("the tracking reference of shape \(embeddings.shape) is not finite [n, \(latent)] codes")
            }
            var last: [Int]?
            if try flag(&reader, "tracked clustering") {
                let assignments = try ids(&reader, below: Int(UInt32.max), "tracked cluster")
                guard assignments.count == embeddings.batchSize else {
                    throw fail("the tracked clustering has \(assignments.count) ids for \(embeddings.batchSize) embeddings")
                }
                last = assignments
            }
            state.trackingReference = TrackingReference(phase: phase, startEmbeddings: embeddings, lastAssignments: last)
        }
        if withMembers, try flag(&reader, "Phase 2 target members") {
            guard let proximity = state.proximity else { throw fail("Phase 2 target members without Phase 2 targets") }
            let samples = proximity.targets.targetRow.count
            let members = try (0..<proximity.targets.activeCount).map { _ in
                try ids(&reader, below: samples, "Phase 2 neighbour").map(Int32.init)
            }
            state.proximity?.targets.members = members
        }
    }

    /// The methods whose clusterings a checkpoint may hold; only DBSCAN marks noise (−1).
    private static let clusteringMethods: Set<String> = ["kmeans", "gmm", "dbscan", "assignments"]

    private static func clusteringRecord(_ reader: inout ByteReader) throws -> ClusteringRecord {
        func fail(_ problem: String) -> CheckpointError { CheckpointError(path: "", problem: problem) }
        let method = try reader.string()
        guard clusteringMethods.contains(method) else { throw fail("unknown clustering method '\(method)'") }
        let count = Int(try reader.uint32())
        let space = try reader.string()
        let hasInertia = try flag(&reader, "inertia")
        let inertia = Double(bitPattern: try reader.uint64())
        guard !hasInertia || inertia.isFinite else { throw fail("the clustering's inertia is \(inertia)") }
        let valid = method == "dbscan" ? -1..<count : 0..<count
        var assignments: [Int] = []
        for index in 0..<(try reader.count(of: "cluster assignment", eachAtLeast: 4)) {
            let cluster = Int(Int32(bitPattern: try reader.uint32()))
            guard valid.contains(cluster) else {
                throw fail("sample \(index) is in cluster \(cluster), but a \(method) clustering of \(count) clusters has ids \(valid.lowerBound)–\(count - 1)")
            }
            assignments.append(cluster)
        }
        return ClusteringRecord(method: method, clusterCount: count, assignments: assignments, space: space,
                                inertia: hasInertia ? inertia : nil)
    }

    /// Reads a presence flag, which must be 0 or 1.
    private static func flag(_ reader: inout ByteReader, _ what: String) throws -> Bool {
        let value = try reader.uint32()
        guard value <= 1 else { throw CheckpointError(path: "", problem: "the \(what) flag is \(value), not 0 or 1") }
        return value == 1
    }

    private static func tensors(_ reader: inout ByteReader) throws -> [Tensor] {
        var result: [Tensor] = []
        // A tensor is at least its rank.
        for _ in 0..<(try reader.count(of: "tensor", eachAtLeast: 4)) { result.append(try reader.tensor()) }
        return result
    }

    private static func append(_ optimizer: Adam, to writer: inout ByteWriter) {
        for value in [optimizer.learningRate, optimizer.beta1, optimizer.beta2, optimizer.epsilon] {
            writer.append(value.bitPattern)
        }
        writer.append(UInt64(optimizer.step))
        writer.append(UInt32(optimizer.firstMoments.count))
        for (first, second) in zip(optimizer.firstMoments, optimizer.secondMoments) {
            writer.append(UInt32(first.count))
            writer.append(first)
            writer.append(second)
        }
    }

    /// Reads an Adam optimiser whose moments, if any, must match the parameters of `sizes`.
    private static func adam(_ reader: inout ByteReader, fitting sizes: [Int], _ what: String) throws -> Adam {
        func fail(_ problem: String) -> CheckpointError { CheckpointError(path: "", problem: "the \(what) optimiser \(problem)") }
        let values = try (0..<4).map { _ in Float(bitPattern: try reader.uint32()) }
        guard values.allSatisfy({ $0.isFinite }), values[0] > 0, (0..<1).contains(values[1]), (0..<1).contains(values[2]),
              values[3] > 0 else {
            throw fail("has learning rate, β1, β2, ε \(values), outside lr > 0, 0 ≤ β < 1, ε > 0")
        }
        var optimizer = Adam(learningRate: values[0], beta1: values[1], beta2: values[2], epsilon: values[3])
        optimizer.step = try reader.integer("\(what) optimiser step")
        let momentCount = try reader.count(of: "\(what) moment", eachAtLeast: 12)
        guard momentCount <= sizes.count else { throw fail("has \(momentCount) moments for \(sizes.count) parameters") }
        for index in 0..<momentCount {
            let count = Int(try reader.uint32())
            guard count == sizes[index] else { throw fail("moment \(index) has \(count) values, its parameter \(sizes[index])") }
            let first = try reader.floats(count, field: "\(what) first moment \(index)")
            let second = try reader.floats(count, field: "\(what) second moment \(index)")
            guard first.allSatisfy(\.isFinite), second.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
                throw fail("moment \(index) holds NaN, infinite or negative values")
            }
            optimizer.firstMoments.append(first)
            optimizer.secondMoments.append(second)
        }
        return optimizer
    }
}
