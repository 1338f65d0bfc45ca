// Layer: terminal tests. The script runner (in process and as `rdc run`), the output printer,
// and `rdc repl` driven through a pseudo-terminal: typing, Ctrl-C during training, Ctrl-D.

import Foundation
import XCTest
@testable import RDCTerminal
#if canImport(Glibc)
import Glibc
#endif

final class TerminalTests: XCTestCase {
    private var directory: String!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "rdc-terminal-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func writeScript(_ text: String, name: String = "script.rdc") throws -> String {
        let path = directory + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    // MARK: Script runner

    func testScriptStopsAtTheFirstErrorHavingRunTheLinesBefore() throws {
        for failing in ["pretrain epochs=1", "bogus command"] {
            let path = try writeScript("echo first\necho second\n\(failing)\necho never\n")
            var printed: [(String, StandardStream)] = []
            let printer = OutputPrinter(outputDirectory: directory + "/out", showsProgressBar: false) { printed.append(($0, $1)) }
            let status = ScriptRunner.run(path: path, options: SessionOptions(workingDirectory: directory), printer: printer)
            XCTAssertEqual(status, ScriptRunner.failureStatus, failing)
            let stdout = printed.filter { $0.1 == .stdout }.map(\.0).joined()
            let stderr = printed.filter { $0.1 == .stderr }.map(\.0).joined()
            XCTAssertEqual(stdout, "first\nsecond\n", failing)
            XCTAssertTrue(stderr.hasPrefix("\(path):3: "), stderr)
        }
    }

    func testScriptWritesPicturesAndPrintsTheirPaths() throws {
        let path = try writeScript("data synthetic n=40 size=8\nshow samples count=8\n")
        var printed = ""
        let out = directory + "/pictures"
        let printer = OutputPrinter(outputDirectory: out, showsProgressBar: false) { text, _ in printed += text }
        XCTAssertEqual(ScriptRunner.run(path: path, options: SessionOptions(workingDirectory: directory), printer: printer), 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: out)
        XCTAssertEqual(files.count, 1)
        XCTAssertTrue(files[0].hasPrefix("001-synthetic-shapes-8-samples"), files[0])
        XCTAssertTrue(printed.contains("picture: \(out)/\(files[0])"), printed)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: out + "/" + files[0]))
        XCTAssertEqual(Array(bytes.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
    }

    func testProgressIsABarOnATerminalAndEpochLinesOtherwise() {
        func event(epoch: Int, batch: Int, final: Bool = false) -> SessionOutput {
            .progress(ProgressEvent(phase: "pretrain", epoch: epoch, epochs: 2, batch: batch, batches: 4,
                                    losses: [NamedValue("recon", 1.5)], elapsedSeconds: 2, remainingSeconds: 3, isFinal: final))
        }
        let events = [event(epoch: 1, batch: 2), event(epoch: 1, batch: 4), event(epoch: 2, batch: 4), event(epoch: 2, batch: 4, final: true)]
        var bar = ""
        let terminal = OutputPrinter(outputDirectory: directory, showsProgressBar: true) { text, _ in bar += text }
        events.forEach(terminal.show)
        terminal.show(.text("next\n", stream: .stdout))
        XCTAssertEqual(bar.components(separatedBy: "\r").count, 5)
        XCTAssertTrue(bar.contains("\rpretrain epoch 2/2 [####################] batch 4/4 recon=1.5  done in 2.0s\u{1B}[K\nnext\n"), bar)

        var lines = ""
        let log = OutputPrinter(outputDirectory: directory, showsProgressBar: false) { text, _ in lines += text }
        events.forEach(log.show)
        XCTAssertEqual(lines, """
        pretrain epoch 1/2 batch 2/4 recon=1.5  3s left
        pretrain epoch 1/2 batch 4/4 recon=1.5  3s left
        pretrain epoch 2/2 batch 4/4 recon=1.5  3s left

        """)
    }

    // MARK: The executable

    /// The package's debug `rdc`, built when missing; nil (with the reason) when it cannot be.
    private func rdcExecutable() throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let binary = root.appendingPathComponent(".build/debug/rdc").path
        if !FileManager.default.isExecutableFile(atPath: binary) {
            let build = Process()
            build.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            build.arguments = ["swift", "build", "--product", "rdc"]
            build.currentDirectoryURL = root
            try build.run()
            build.waitUntilExit()
        }
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw XCTSkip("`swift build --product rdc` did not produce \(binary)")
        }
        return binary
    }

    func testRdcRunExitsNonZeroNamingTheLine() throws {
        let rdc = try rdcExecutable()
        let path = try writeScript("echo first\necho second\nmodel conv\necho never\n")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: rdc)
        process.arguments = ["run", path, "--out", directory + "/out"]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let complaint = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 1)
        XCTAssertEqual(printed, "first\nsecond\n")
        XCTAssertEqual(complaint, "\(path):3: no data loaded yet; load some with `data NAME` (e.g. `data synthetic`)\n")
    }

    /// Types into `rdc repl` through a pseudo-terminal (its controlling terminal, so Ctrl-C is a
    /// real SIGINT from the line discipline) and reads what it shows.
    func testReplUnderAPseudoTerminal() throws {
        let rdc = try rdcExecutable()
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/setsid") else {
            throw XCTSkip("needs /usr/bin/setsid to give the REPL a controlling terminal")
        }
        let terminal = try PseudoTerminal()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
        process.arguments = ["--ctty", "--wait", rdc, "repl", "--out", directory + "/out"]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let child = FileHandle(fileDescriptor: terminal.childEnd, closeOnDealloc: false)
        process.standardInput = child
        process.standardOutput = child
        process.standardError = child
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        try terminal.waitFor("rdc> ")
        terminal.type("data synthetic n=2000 size=16\r")
        try terminal.waitFor("loaded synthetic shapes: 2000 images")
        try terminal.waitFor("rdc> ")
        terminal.type("model dense\r")
        try terminal.waitFor("built a dense model")
        try terminal.waitFor("rdc> ")
        terminal.type("pretrain epochs=50\r")
        try terminal.waitFor("pretrain epoch 3/50", timeout: 120)
        terminal.type("\u{03}")
        try terminal.waitFor("the model keeps every finished batch")
        try terminal.waitFor("rdc> ")
        terminal.type("status\r")
        let status = try terminal.waitFor("seed")
        let epochs = status.components(separatedBy: "\n").first { $0.hasPrefix("pretrain epochs") }
            .flatMap { Int($0.split(separator: " ").last ?? "") }
        XCTAssertNotNil(epochs, status)
        XCTAssertGreaterThanOrEqual(epochs ?? 0, 2)
        XCTAssertLessThan(epochs ?? 50, 50)
        XCTAssertTrue(status.contains("dense, 1x16x16 → latent 10"), status)
        try terminal.waitFor("rdc> ")
        terminal.type("pretrain epochs=1\r")
        try terminal.waitFor("pretrain: epoch \((epochs ?? 0) + 1) done", timeout: 60)
        try terminal.waitFor("rdc> ")
        terminal.type("\u{04}")
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        XCTAssertFalse(process.isRunning, "Ctrl-D ends the REPL")
        if !process.isRunning { XCTAssertEqual(process.terminationStatus, 0) }
    }
}

/// A pseudo-terminal pair: the test writes keys to the controlling end and reads the screen.
private final class PseudoTerminal {
    let controllingEnd: Int32
    let childEnd: Int32
    private var screen: [UInt8] = []
    /// Bytes of `screen` already matched by earlier waits.
    private var consumed = 0
    private let lock = NSLock()

    init() throws {
        controllingEnd = openPseudoTerminal(O_RDWR | O_NOCTTY)
        var name = [CChar](repeating: 0, count: 128)
        guard controllingEnd >= 0, grantPseudoTerminal(controllingEnd) == 0, unlockPseudoTerminal(controllingEnd) == 0,
              pseudoTerminalName(controllingEnd, &name, name.count) == 0 else { throw XCTSkip("no pseudo-terminal available") }
        childEnd = open(name, O_RDWR | O_NOCTTY)
        guard childEnd >= 0 else { throw XCTSkip("cannot open \(String(cString: name))") }
        let descriptor = controllingEnd
        Thread { [weak self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = read(descriptor, &buffer, buffer.count)
                if count <= 0 { return }
                guard let self else { return }
                self.lock.lock()
                self.screen += buffer[0..<count]
                self.lock.unlock()
            }
        }.start()
    }

    func type(_ keys: String) {
        _ = keys.utf8CString.withUnsafeBufferPointer { write(controllingEnd, $0.baseAddress, $0.count - 1) }
    }

    /// Waits until `text` appears after what earlier waits consumed; returns the screen up to
    /// and including it, with carriage returns removed.
    @discardableResult
    func waitFor(_ text: String, timeout: TimeInterval = 30) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            lock.lock()
            let unread = String(decoding: screen[consumed...], as: UTF8.self)
            if let found = unread.range(of: text) {
                let seen = String(unread[..<found.upperBound])
                consumed += seen.utf8.count
                lock.unlock()
                return seen.replacingOccurrences(of: "\r", with: "")
            }
            lock.unlock()
            usleep(20_000)
        }
        lock.lock()
        let tail = String(decoding: screen[consumed...].suffix(2000), as: UTF8.self)
        lock.unlock()
        XCTFail("timed out waiting for \(text.debugDescription); screen since the last match:\n\(tail)")
        throw XCTSkip("stopped: \(text) never appeared")
    }
}

// glibc declares these only for _XOPEN_SOURCE, which Swift's Glibc module does not define.
@_silgen_name("posix_openpt") private func openPseudoTerminal(_ flags: Int32) -> Int32
@_silgen_name("grantpt") private func grantPseudoTerminal(_ descriptor: Int32) -> Int32
@_silgen_name("unlockpt") private func unlockPseudoTerminal(_ descriptor: Int32) -> Int32
@_silgen_name("ptsname_r") private func pseudoTerminalName(_ descriptor: Int32, _ buffer: UnsafeMutablePointer<CChar>, _ length: Int) -> Int32
