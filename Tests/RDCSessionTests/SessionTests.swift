// Layer: session tests. Runs every command of a live session on tiny synthetic data: happy
// paths, clear errors, "a failing command changes nothing", continuation, interruption from
// another thread, pictures, checkpoints and exports.

import Foundation
import XCTest
@testable import RDCSession
import RDCRender

/// What one run produced: its outputs, and its failure if it stopped.
private struct RunResult {
    var outputs: [SessionOutput] = []
    var failure: SessionFailure?

    var text: String {
        outputs.compactMap { output -> String? in
            switch output {
            case .text(let text, _): return text
            case .table(let table): return table.plainText + "\n"
            case .page(let text): return text
            default: return nil
            }
        }.joined()
    }
    var images: [RenderedImage] { outputs.compactMap { if case .image(let image) = $0 { return image } else { return nil } } }
    var tables: [Table] { outputs.compactMap { if case .table(let table) = $0 { return table } else { return nil } } }
    var progress: [TrainingProgress] { outputs.compactMap { if case .progress(let event) = $0 { return event } else { return nil } } }
}

final class SessionTests: XCTestCase {
    private var directory: String!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "rdc-session-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func makeSession() -> Session {
        Session(options: SessionOptions(workingDirectory: directory, seed: 1))
    }

    @discardableResult
    private func run(_ session: Session, _ program: String, script: Bool = false,
                     onOutput: (SessionOutput) -> Void = { _ in }) -> RunResult {
        var result = RunResult()
        do {
            let emit: (SessionOutput) -> Void = { result.outputs.append($0); onOutput($0) }
            if script { try session.runScript(program, emit: emit) } else { try session.run(program, emit: emit) }
        } catch let failure as SessionFailure {
            result.failure = failure
        } catch {
            XCTFail("run threw a non-session error: \(error)")
        }
        return result
    }

    private func succeed(_ session: Session, _ program: String, file: StaticString = #filePath, line: UInt = #line) -> RunResult {
        let result = run(session, program)
        XCTAssertNil(result.failure, "\(program): \(result.failure.map(String.init(describing:)) ?? "")", file: file, line: line)
        return result
    }

    private func status(_ session: Session) -> String {
        succeed(session, "status").text
    }

    /// The value of one row of the `status` table.
    private func statusItem(_ session: Session, _ item: String) -> String? {
        succeed(session, "status").tables.first?.rows.first { $0[0] == item }?[1]
    }

    /// A session with 200 synthetic 16×16 images, a conv model and one pretrain epoch.
    private func trainedSession() -> Session {
        let session = makeSession()
        _ = succeed(session, """
        data synthetic n=200 size=16 classes=4
        model conv latent=4
        pretrain epochs=1 batch=64
        """)
        return session
    }

    // MARK: Happy paths

    func testFullSequenceTrainsClustersAndScores() {
        let session = trainedSession()
        XCTAssertEqual(statusItem(session, "pretrain epochs"), "1")
        let again = succeed(session, "pretrain epochs=2 batch=64")
        XCTAssertTrue(again.text.contains("pretrain: epochs 2–3 done"), again.text)
        XCTAssertEqual(succeed(session, "history").tables.first?.rows.count, 3)

        let clustered = succeed(session, "cluster restarts=2")
        XCTAssertTrue(clustered.text.contains("kmeans: 4 clusters of 200 normalized embeddings"), clustered.text)
        let scores = succeed(session, "evaluate").tables.first
        XCTAssertEqual(scores?.rows.map { $0[0] }, ["ACC", "NMI", "ARI", "F1-macro", "F1-micro"])
        for row in scores?.rows ?? [] { XCTAssertNotNil(Double(row[1]), row.joined(separator: " ")) }
        XCTAssertGreaterThanOrEqual(Double(scores!.rows[0][1])!, 0.25)

        XCTAssertTrue(succeed(session, "cluster method=gmm k=3 restarts=1 space=raw").text.contains("gmm: 3 clusters"))
        XCTAssertTrue(succeed(session, "cluster method=dbscan eps=0.3 minpts=3").text.contains("dbscan:"))
        let final = status(session)
        XCTAssertTrue(final.contains("dbscan"), final)
        XCTAssertTrue(final.contains("seed"), final)
    }

    func testRefineDiagnoseAndReferences() {
        let session = trainedSession()
        XCTAssertTrue(succeed(session, "diagnose").text.contains("twist: no Phase 1 reference yet"))
        _ = succeed(session, "cluster restarts=1")
        let refined = succeed(session, "refine epochs=1 M=5 batch=64")
        XCTAssertTrue(refined.text.contains("refine: epoch 1 done"), refined.text)
        XCTAssertTrue(refined.text.contains("beta=640"), refined.text)  // 10·256/4
        _ = succeed(session, "refine epochs=1 M=5 batch=64")
        XCTAssertEqual(statusItem(session, "refine epochs"), "2")
        _ = succeed(session, "cluster restarts=1")
        let diagnosis = succeed(session, "diagnose M=5")
        let rows = diagnosis.tables.first?.rows ?? []
        XCTAssertEqual(rows.map { $0[0].prefix { $0 != " " } }, ["twist", "drift", "randomness"], diagnosis.text)
        for row in rows {
            let value = Double(row[1]) ?? -1
            XCTAssertTrue((0...1.5).contains(value), row.joined(separator: " "))
        }
        let tooMany = run(session, "refine epochs=1 M=500")
        XCTAssertEqual(tooMany.failure?.kind, .command)
        XCTAssertTrue(tooMany.failure?.message.contains("M=500") ?? false)
    }

    func testProgressIsThrottledWithEpochEndsAndAFinalEvent() {
        let session = makeSession()
        _ = succeed(session, "data synthetic n=1200 size=16\nmodel dense latent=4")
        let events = succeed(session, "pretrain epochs=3 batch=8").progress
        XCTAssertTrue(events.last?.isFinal ?? false)
        XCTAssertEqual(events.filter(\.isFinal).count, 1)
        // Epoch ends: exactly one event per epoch, at its last batch.
        XCTAssertEqual(events.filter { $0.moment == .epochEnd }.map(\.epoch), [1, 2, 3])
        XCTAssertTrue(events.filter { $0.moment == .epochEnd }.allSatisfy { $0.batch == $0.batches })
        // Within an epoch an event comes only when 0.25 s have passed since the one before.
        for (previous, event) in zip(events, events.dropFirst()) where event.batch < event.batches {
            XCTAssertGreaterThanOrEqual(event.elapsedSeconds - previous.elapsedSeconds, 0.25 - 0.01,
                                        "epoch \(event.epoch) batch \(event.batch)")
        }
        let midEpoch = events.filter { $0.batch < $0.batches }.count
        XCTAssertLessThan(midEpoch, 3 * 150, "far fewer events than batches")
    }

    func testTheBarTheSummaryAndTheHistoryCountThePhasesEpochsAlike() {
        let session = makeSession()
        _ = succeed(session, "data synthetic n=256 size=16\nmodel dense latent=4\npretrain epochs=3 batch=64")
        let second = succeed(session, "pretrain epochs=2 batch=64")
        XCTAssertEqual(Set(second.progress.map(\.epochs)), [4...5])
        XCTAssertEqual(second.progress.filter { $0.moment == .epochEnd }.map(\.epoch), [4, 5])
        XCTAssertEqual(second.progress.last?.plainText.hasPrefix("pretrain epoch 5/5 batch 4/4 "), true)
        XCTAssertTrue(second.text.contains("pretrain: epochs 4–5 done"), second.text)
        let epochs = succeed(session, "history").tables.first?.rows.map { $0[1] } ?? []
        XCTAssertEqual(epochs, ["1", "2", "3", "4", "5"])
    }

    func testTheAblationArmTracksItsEpochsAndReadsOffItsCentres() throws {
        let session = makeSession()
        _ = succeed(session, "data synthetic n=240 size=16 classes=3\nmodel dense latent=4\npretrain epochs=2 batch=32")
        let unknown = run(session, "cluster method=assignments")
        XCTAssertTrue(unknown.failure?.message.contains("run `selftrain` first") ?? false, "\(String(describing: unknown.failure))")
        let tooMany = run(session, "selftrain k=500")
        XCTAssertTrue(tooMany.failure?.message.contains("k=500 clusters need at least 500 images") ?? false)
        XCTAssertNil(statusItem(session, "selftrain epochs"), "a failed selftrain leaves no trace")

        let trained = succeed(session, "selftrain epochs=2 batch=32 track=1")
        XCTAssertTrue(trained.text.contains("selftrain (DEC): k=3"), trained.text)
        XCTAssertTrue(trained.text.contains("selftrain: epochs 1–2 done"), trained.text)
        XCTAssertTrue(trained.progress.last?.plainText.contains(" | tracked ACC=") ?? false, "the display shows the tracked measures")
        XCTAssertEqual(statusItem(session, "selftrain epochs"), "2")
        let clustered = succeed(session, "cluster method=assignments\nevaluate")
        XCTAssertTrue(clustered.text.contains("assignments: 3 clusters"), clustered.text)

        let history = try XCTUnwrap(succeed(session, "history").tables.first)
        XCTAssertEqual(history.header, ["phase", "epoch", "recon", "acai", "critic", "kl", "seconds",
                                        "ACC", "NMI", "ARI", "inertia", "silhouette", "twist", "drift", "randomness"])
        XCTAssertEqual(history.rows.map { $0[0] }, ["pretrain", "pretrain", "selftrain", "selftrain"])
        XCTAssertEqual(history.rows[2][7].isEmpty, false, "the selftrain epochs carry their ACC")
        XCTAssertEqual(history.rows[0][7], "", "untracked epochs leave the measures empty")

        _ = succeed(session, "export history h.csv")
        let csv = try String(contentsOfFile: directory + "/h.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.count, 5)
        XCTAssertEqual(csv[0], "phase,epoch,recon,acai,critic,kl,seconds,ACC,NMI,ARI,inertia,silhouette,twist,drift,randomness")
        XCTAssertTrue(csv[4].hasPrefix("selftrain,2,,,,"), String(csv[4]))
        XCTAssertTrue(run(session, "export history h.npy").failure?.message.contains("export it to a .csv file") ?? false)
        XCTAssertEqual(succeed(session, "show metrics").images.count, 1)

        // The session default, and its off switch for one call.
        XCTAssertTrue(succeed(session, "track every=2 restarts=2").text.contains("tracking every 2 epochs (k-means, 2 restarts)"))
        _ = succeed(session, "pretrain epochs=2 batch=32\npretrain epochs=2 batch=32 track=0")
        let rows = succeed(session, "history").tables.first!.rows
        XCTAssertEqual(rows.suffix(4).map { $0[7].isEmpty }, [true, false, true, true])
    }

    func testEveryShowKindDrawsAPNGOfItsRecordedSize() throws {
        let session = trainedSession()
        _ = succeed(session, "refine epochs=1 M=5 batch=64\ncluster restarts=1")
        let kinds = ["samples count=12 columns=6", "reconstructions count=5", "interpolations pairs=2 steps=5",
                     "clusters members=4", "embedding", "embedding color=label points=100", "losses", "confusion"]
        XCTAssertTrue(run(session, "show metrics").failure?.message.contains("no tracked epoch yet") ?? false)
        for kind in kinds {
            let images = succeed(session, "show \(kind)").images
            XCTAssertEqual(images.count, 1, kind)
            guard let image = images.first else { continue }
            let png = image.png
            XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], kind)
            XCTAssertEqual(String(decoding: png[12..<16], as: UTF8.self), "IHDR", kind)
            let width = png[16..<20].reduce(0) { $0 << 8 | Int($1) }, height = png[20..<24].reduce(0) { $0 << 8 | Int($1) }
            XCTAssertEqual(width, image.pixelWidth, kind)
            XCTAssertEqual(height, image.pixelHeight, kind)
            XCTAssertGreaterThan(width, 50, kind)
        }
    }

    func testShowNeedsWhatItDraws() {
        let session = makeSession()
        XCTAssertTrue(run(session, "show samples").failure?.message.contains("no data loaded yet") ?? false)
        _ = succeed(session, "data synthetic n=100 size=8\nmodel dense latent=3")
        XCTAssertTrue(run(session, "show losses").failure?.message.contains("no finished epoch") ?? false)
        XCTAssertTrue(run(session, "show confusion").failure?.message.contains("run `cluster` first") ?? false)
        XCTAssertTrue(run(session, "show embedding").failure?.message.contains("color=label") ?? false)
    }

    // MARK: Errors change nothing

    func testFailingCommandsLeaveTheStateAsItWas() throws {
        let session = makeSession()
        let empty = status(session)
        let clusterFirst = run(session, "cluster")
        XCTAssertEqual(clusterFirst.failure, SessionFailure(kind: .command, line: 1,
                                                            message: "no data loaded yet; load some with `data NAME` (e.g. `data synthetic`)"))
        XCTAssertEqual(status(session), empty)

        _ = succeed(session, "data synthetic n=100 size=8")
        let withData = status(session)
        let noModel = run(session, "echo first\ncluster")
        XCTAssertEqual(noModel.failure?.line, 2)
        XCTAssertEqual(noModel.failure?.name, "CommandError")
        XCTAssertTrue(noModel.failure?.message.contains("model dense") ?? false)
        XCTAssertEqual(status(session), withData)

        let badData = run(session, "data mnist path=\(directory!)/missing")
        XCTAssertEqual(badData.failure?.kind, .command)
        XCTAssertTrue(badData.failure?.message.contains("missing") ?? false, badData.failure?.message ?? "")
        XCTAssertEqual(status(session), withData)

        let badLoad = run(session, "model dense latent=3\nload nowhere.ckpt")
        XCTAssertEqual(badLoad.failure?.line, 2)
        XCTAssertTrue(badLoad.failure?.message.contains("nowhere.ckpt") ?? false)
        let withModel = status(session)
        XCTAssertTrue(withModel.contains("dense"))
        XCTAssertEqual(status(session), withModel)

        // Vector data: conv cannot take it, and the dense model stays.
        let csv = directory + "/vectors.csv"
        try (0..<20).map { row in (0..<6).map { String(Double(($0 + row) % 5) / 4) }.joined(separator: ",") + ",\(row % 2)" }
            .joined(separator: "\n").write(toFile: csv, atomically: true, encoding: .utf8)
        _ = succeed(session, "data csv path=vectors.csv")
        let vectors = status(session)
        XCTAssertTrue(vectors.contains("20 images of 6 values"), vectors)
        let conv = run(session, "model conv")
        XCTAssertTrue(conv.failure?.message.contains("use `model dense`") ?? false, conv.failure?.message ?? "")
        XCTAssertEqual(status(session), vectors)
        XCTAssertTrue(run(session, "show samples").failure?.message.contains("not images") ?? false)
    }

    func testSyntaxErrorsRunNothingButScriptsRunTheLinesBefore() {
        let session = makeSession()
        let cell = run(session, "data synthetic n=50 size=8\npretrain epoch=1")
        XCTAssertEqual(cell.failure?.kind, .syntax)
        XCTAssertEqual(cell.failure?.line, 2)
        XCTAssertEqual(cell.failure?.name, "SyntaxError")
        XCTAssertTrue(cell.failure?.description.hasPrefix("line 2: unknown option `epoch`") ?? false)
        XCTAssertTrue(status(session).contains("none (load with"))

        let script = run(session, "echo one\ndata synthetic n=50 size=8\nbogus\necho never", script: true)
        XCTAssertEqual(script.failure?.kind, .syntax)
        XCTAssertEqual(script.failure?.line, 3)
        XCTAssertTrue(script.text.contains("one"))
        XCTAssertFalse(script.text.contains("never"))
        XCTAssertTrue(status(session).contains("50 images"))
    }

    // MARK: Interruption and continuation

    func testInterruptFromAnotherThreadKeepsTheSessionUsable() {
        let session = makeSession()
        _ = succeed(session, "data synthetic n=600 size=16\nmodel dense latent=4")
        var interruptSent = false
        let interrupted = run(session, "pretrain epochs=50 batch=32\necho after") { output in
            if case .progress(let event) = output, event.epoch >= 2, !interruptSent {
                interruptSent = true
                let stopper = Thread { session.interrupt() }
                stopper.start()
            }
        }
        XCTAssertEqual(interrupted.failure?.kind, .interrupted)
        XCTAssertEqual(interrupted.failure?.name, "Interrupted")
        let message = interrupted.failure?.message ?? ""
        XCTAssertTrue(message.contains("interrupted at pretrain epoch"), message)
        XCTAssertTrue(message.contains("the model keeps every finished batch"), message)
        XCTAssertFalse(interrupted.text.contains("interrupted at"), "said once, as the error: \(interrupted.text)")
        XCTAssertFalse(interrupted.text.contains("after"))

        let finished = succeed(session, "history").tables.first?.rows.filter { !$0[1].contains("batches") }.count ?? 0
        XCTAssertGreaterThanOrEqual(finished, 1)
        XCTAssertLessThan(finished, 50)
        XCTAssertTrue(statusItem(session, "pretrain epochs")?.hasPrefix(String(finished)) ?? false)
        let resumed = succeed(session, "pretrain epochs=1 batch=32")
        XCTAssertTrue(resumed.text.contains("pretrain: epoch \(finished + 1) done"), resumed.text)
        XCTAssertEqual(statusItem(session, "pretrain epochs"), String(finished + 1))
    }

    func testAnInterruptDuringAShortCommandStillEndsTheRunOnce() {
        let session = trainedSession()
        let interrupted = run(session, "show samples count=4") { output in
            if case .image = output { session.interrupt() }
        }
        XCTAssertEqual(interrupted.failure?.kind, .interrupted)
        XCTAssertTrue(interrupted.failure?.message.contains("`show` had already finished") ?? false)
        XCTAssertEqual(interrupted.images.count, 1, "the finished picture is kept")
        XCTAssertNil(run(session, "status").failure, "the next run starts afresh")
    }

    func testInterruptMidEpochIsBookedAndSurvivesSaveAndLoad() throws {
        let session = makeSession()
        _ = succeed(session, "data synthetic n=640 size=16\nmodel dense latent=4")
        var batchesSeen = 0
        let interrupted = run(session, "pretrain epochs=3 batch=32") { output in
            guard case .progress(let event) = output, !event.isFinal else { return }
            batchesSeen = event.batch
            if event.epoch == 1 && event.batch >= 3 { session.interrupt() }
        }
        XCTAssertEqual(interrupted.failure?.kind, .interrupted)
        let booked = try XCTUnwrap(statusItem(session, "pretrain epochs"))
        XCTAssertTrue(booked.hasPrefix("0 + "), booked)
        XCTAssertTrue(booked.contains("batches of epoch 1"), booked)
        let batches = try XCTUnwrap(Int(booked.dropFirst(4).prefix { $0.isNumber }))
        XCTAssertGreaterThanOrEqual(batches, batchesSeen)
        let saved = succeed(session, "save partial.ckpt").text
        XCTAssertTrue(saved.contains("pretrain 0 epochs + \(batches) batches"), saved)
        XCTAssertFalse(saved.contains("untrained"), saved)
        XCTAssertTrue(succeed(session, "history").text.contains("1 (\(batches) batches)"))

        let restored = makeSession()
        _ = succeed(restored, "data synthetic n=640 size=16\nload partial.ckpt")
        XCTAssertEqual(statusItem(restored, "pretrain epochs"), booked)
        var resumedBatches = 0
        let resumed = run(restored, "pretrain epochs=1 batch=32") { output in
            if case .progress(let event) = output { resumedBatches = max(resumedBatches, event.batch) }
        }
        XCTAssertNil(resumed.failure)
        XCTAssertEqual(resumedBatches, 20, "the resumed epoch reports its place among its 20 batches")
        XCTAssertTrue(resumed.text.contains("pretrain: epoch 1 done"), resumed.text)
        XCTAssertEqual(statusItem(restored, "pretrain epochs"), "1")
    }

    func testAFailingCommandLeavesEveryByteOfTheTrainingStateAsItWas() throws {
        let session = trainedSession()
        _ = succeed(session, "refine epochs=1 M=3 batch=64\nsave before.ckpt")
        for failing in ["refine M=1000", "cluster k=100000", "load missing.ckpt", "refine epochs=1 batch=64 lr=2"] {
            _ = succeed(session, "save before.ckpt")
            XCTAssertNotNil(run(session, failing).failure, failing)
            _ = succeed(session, "save after.ckpt")
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: directory + "/before.ckpt")),
                           try Data(contentsOf: URL(fileURLWithPath: directory + "/after.ckpt")),
                           "\(failing): weights, optimiser moments, counters and history are bit-identical")
        }
    }

    func testDivergingTrainingStopsWithACauseAndKeepsAUsableModel() {
        let session = makeSession()
        _ = succeed(session, "data synthetic n=256 size=16\nmodel dense latent=4")
        let diverged = run(session, "pretrain epochs=3 batch=32 lr=1 lambda=1000000")
        let message = diverged.failure?.message ?? ""
        XCTAssertEqual(diverged.failure?.kind, .command)
        XCTAssertTrue(message.contains("pretrain diverged at epoch"), message)
        XCTAssertTrue(message.contains("lr=1 (default 0.001)"), message)
        XCTAssertTrue(message.contains("lambda=1e+06 (default 0.5)"), message)
        XCTAssertTrue(message.contains("that batch was not applied"), message)
        // Everything read off the model is finite, and the session goes on.
        let clustered = succeed(session, "cluster k=2 restarts=1\nevaluate\ndiagnose")
        XCTAssertFalse(clustered.text.lowercased().contains("nan"), clustered.text)
        _ = succeed(session, "model dense latent=4\npretrain epochs=1 batch=32")
    }

    // MARK: Checkpoints and exports

    func testSaveLoadRestoresTheModelAndChecksTheData() {
        let session = trainedSession()
        _ = succeed(session, "cluster restarts=1")
        let saved = status(session)
        XCTAssertTrue(succeed(session, "save \"run one.ckpt\"").text.contains("saved conv model"))
        _ = succeed(session, "pretrain epochs=1 batch=64\ncluster k=2 restarts=1")
        XCTAssertNotEqual(status(session), saved)
        let loaded = succeed(session, "load \"run one.ckpt\"")
        XCTAssertTrue(loaded.text.contains("and its kmeans clustering"), loaded.text)
        XCTAssertEqual(status(session), saved)
        XCTAssertTrue(succeed(session, "pretrain epochs=1 batch=64").text.contains("epoch 2 done"))

        _ = succeed(session, "data synthetic n=100 size=8")
        let other = status(session)
        let mismatch = run(session, "load \"run one.ckpt\"")
        XCTAssertTrue(mismatch.failure?.message.contains("takes 1x16x16 inputs") ?? false, mismatch.failure?.message ?? "")
        XCTAssertEqual(status(session), other)
    }

    func testExportWritesNumpyAndCSV() throws {
        let session = trainedSession()
        XCTAssertTrue(run(session, "export labels labels.npy").failure?.message.contains("run `cluster` first") ?? false)
        _ = succeed(session, "cluster restarts=1\nexport embeddings z.npy\nexport labels labels.csv\nexport labels labels.npy")
        let embedding = [UInt8](try Data(contentsOf: URL(fileURLWithPath: directory + "/z.npy")))
        XCTAssertEqual(Array(embedding.prefix(8)), [0x93] + Array("NUMPY".utf8) + [1, 0])
        let headerLength = Int(embedding[8]) | Int(embedding[9]) << 8
        XCTAssertEqual((10 + headerLength) % 64, 0)
        let header = String(decoding: embedding[10..<(10 + headerLength)], as: UTF8.self)
        XCTAssertTrue(header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (200, 4), }"), header)
        XCTAssertTrue(header.hasSuffix("\n"))
        XCTAssertEqual(embedding.count, 10 + headerLength + 200 * 4 * 4)

        let labels = [UInt8](try Data(contentsOf: URL(fileURLWithPath: directory + "/labels.npy")))
        let labelsHeader = String(decoding: labels[10..<(10 + (Int(labels[8]) | Int(labels[9]) << 8))], as: UTF8.self)
        XCTAssertTrue(labelsHeader.contains("'descr': '<i8'") && labelsHeader.contains("'shape': (200,)"), labelsHeader)
        let csv = try String(contentsOfFile: directory + "/labels.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.count, 201)
        XCTAssertEqual(csv.first, "cluster")
        XCTAssertTrue(csv.dropFirst().allSatisfy { (0..<4).contains(Int($0) ?? -1) })
    }

    func testExportWritesReconstructionsAndModelFilesAndRefusesWrongFiles() throws {
        let session = trainedSession()
        let before = status(session)
        let wrongFile = run(session, "export model encoder.npy")
        XCTAssertEqual(wrongFile.failure?.message, "a model is written to a .onnx or .safetensors file, not \(directory!)/encoder.npy")
        let arrayAsModel = run(session, "export embeddings z.onnx")
        XCTAssertTrue(arrayAsModel.failure?.message.contains("export them to a .npy or .csv file") ?? false,
                      arrayAsModel.failure?.message ?? "")
        XCTAssertEqual(status(session), before)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/encoder.npy"))

        let written = succeed(session, "export reconstructions r.npy\nexport model ae.onnx part=autoencoder\nexport model e.safetensors").text
        XCTAssertTrue(written.contains("wrote 200×256 float32"), written)
        XCTAssertTrue(written.contains("wrote the autoencoder (pretrain 1 + refine 0 epochs, "), written)
        XCTAssertTrue(written.contains("as an ONNX model (opset 17) to \(directory!)/ae.onnx: [N, 1, 16, 16] images → [N, 1, 16, 16] reconstructions"), written)
        XCTAssertTrue(written.contains("as safetensors weights to \(directory!)/e.safetensors: [N, 1, 16, 16] images → [N, 4] embeddings"), written)
        let onnx = [UInt8](try Data(contentsOf: URL(fileURLWithPath: directory + "/ae.onnx")))
        XCTAssertGreaterThan(onnx.count, 1000)
        XCTAssertEqual(status(session), before)
    }

    // MARK: Small commands

    func testHelpEchoClearSeedThreadsResetAndFallback() {
        let session = makeSession()
        let pager = succeed(session, "?pretrain")
        guard case .page(let page)? = pager.outputs.first else { return XCTFail("?pretrain gives a page") }
        XCTAssertTrue(page.hasPrefix("pretrain — "))
        XCTAssertTrue(succeed(session, "help").text.contains("R-DC commands"))
        let echo = succeed(session, "echo hello world stream=stderr\nclear")
        XCTAssertEqual(echo.outputs, [.text("hello world\n", stream: .stderr), .clearOutput])
        XCTAssertTrue(succeed(session, "seed 7\nthreads 1").text.contains("compute threads: 1"))
        XCTAssertEqual(statusItem(session, "seed"), "7")

        let missing = run(session, "data fashion-mnist path=\(directory!)/none limit=40")
        XCTAssertEqual(missing.failure?.kind, .command)
        let fallback = succeed(session, "data fashion-mnist path=\(directory!)/none limit=40 fallback=synthetic")
        XCTAssertTrue(fallback.outputs.contains { if case .text(let text, .stderr) = $0 { return text.contains("fallback=synthetic") } else { return false } })
        XCTAssertTrue(status(session).contains("40 images of 1x28x28, 8 classes"), status(session))

        XCTAssertTrue(succeed(session, "reset").text.contains("session reset"))
        XCTAssertTrue(status(session).contains("none (load with"))
        XCTAssertEqual(statusItem(session, "seed"), "7")
    }

    func testSameSeedSameNumbers() {
        func scores() -> String {
            let session = trainedSession()
            return succeed(session, "cluster restarts=2\nevaluate").text
        }
        XCTAssertEqual(scores(), scores())
    }
}
