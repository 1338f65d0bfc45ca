// Layer: terminal tests. The script runner (in process and as `rdc run`), the output printer,
// and `rdc repl` driven through a pseudo-terminal: typing, Ctrl-C during training, Ctrl-D.

import Foundation
import RDCSession
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
            let printer = OutputPrinter(outputDirectory: directory + "/out", progress: .lines) { printed.append(($0, $1)) }
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
        let printer = OutputPrinter(outputDirectory: out, progress: .lines) { text, _ in printed += text }
        XCTAssertEqual(ScriptRunner.run(path: path, options: SessionOptions(workingDirectory: directory), printer: printer), 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: out)
        XCTAssertEqual(files.count, 1)
        XCTAssertTrue(files[0].hasPrefix("001-synthetic-shapes-8-samples"), files[0])
        XCTAssertTrue(printed.contains("picture: \(out)/\(files[0])"), printed)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: out + "/" + files[0]))
        XCTAssertEqual(Array(bytes.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
    }

    /// Progress and the newline closing a bar go to standard error, results to standard output.
    func testProgressIsABarOnATerminalEpochLinesOtherwiseAlwaysOnStandardError() {
        func event(epoch: Int, batch: Int, _ moment: TrainingProgress.Moment) -> SessionOutput {
            .progress(TrainingProgress(phase: .pretrain, epochs: 1...2, epoch: epoch, batch: batch, batches: 4,
                                       losses: [NamedLoss("recon", 1.5)], elapsedSeconds: 2, moment: moment))
        }
        let events = [event(epoch: 1, batch: 2, .batch), event(epoch: 1, batch: 4, .epochEnd), event(epoch: 2, batch: 4, .epochEnd),
                      event(epoch: 2, batch: 4, .final), .text("next\n", stream: .stdout)]
        func shown(_ style: ProgressStyle) -> (stdout: String, stderr: String) {
            var printed: (stdout: String, stderr: String) = ("", "")
            let printer = OutputPrinter(outputDirectory: directory, progress: style) { text, stream in
                if stream == .stdout { printed.stdout += text } else { printed.stderr += text }
            }
            events.forEach(printer.show)
            return printed
        }
        let bar = shown(.bar)
        XCTAssertEqual(bar.stdout, "next\n")
        XCTAssertEqual(bar.stderr.components(separatedBy: "\r").count, 5)
        XCTAssertTrue(bar.stderr.hasSuffix("\rpretrain epoch 2/2 [####################] batch 4/4 recon=1.5  done in 2.0s\u{1B}[K\n"), bar.stderr)

        let lines = shown(.lines)
        XCTAssertEqual(lines.stdout, "next\n")
        XCTAssertEqual(lines.stderr, """
        pretrain epoch 1/2 batch 2/4 recon=1.5  6s left
        pretrain epoch 1/2 batch 4/4 recon=1.5  2s left
        pretrain epoch 2/2 batch 4/4 recon=1.5

        """)

        let quiet = shown(.hidden)
        XCTAssertEqual(quiet.stdout, "next\n")
        XCTAssertEqual(quiet.stderr, "")
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
        let path = try writeScript("echo first\necho second\nmodel conv\necho never\n")
        let (status, printed, complaint) = try runRdc(["run", path, "--out", directory + "/out"])
        XCTAssertEqual(status, 1)
        XCTAssertEqual(printed, "first\nsecond\n")
        XCTAssertEqual(complaint, "\(path):3: no data loaded yet; load some with `data NAME` (e.g. `data synthetic`)\n")
    }

    /// Types into `rdc repl` through a pseudo-terminal (its controlling terminal, so Ctrl-C is a
    /// real SIGINT from the line discipline) and reads what it shows.
    func testReplUnderAPseudoTerminal() throws {
        let (terminal, process) = try launchRepl()
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
        // "pretrain epochs   2 + 37 batches of epoch 3 (…)": the complete epochs come first.
        let epochs = status.components(separatedBy: "\n").first { $0.hasPrefix("pretrain epochs") }
            .flatMap { $0.dropFirst("pretrain epochs".count).split(separator: " ").first.flatMap { Int($0) } }
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

    /// `rdc repl` on a pseudo-terminal that is its controlling terminal (so Ctrl-C is a real
    /// SIGINT from the line discipline), started.
    private func launchRepl() throws -> (PseudoTerminal, Process) {
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
        return (terminal, process)
    }

    /// Runs the debug `rdc` with `arguments` and `input` on its standard input; returns its
    /// exit status, standard output and standard error.
    private func runRdc(_ arguments: [String], input: String = "") throws -> (status: Int32, stdout: String, stderr: String) {
        try run(try rdcExecutable(), arguments, input: input)
    }

    /// Runs `command` in bash (for heredocs, process substitution and redirections) in the test's
    /// folder, with `$RDC` naming the debug `rdc`.
    private func runBash(_ command: String) throws -> (status: Int32, stdout: String, stderr: String) {
        guard FileManager.default.isExecutableFile(atPath: "/bin/bash") else { throw XCTSkip("needs /bin/bash") }
        return try run("/bin/bash", ["-c", command], environment: ["RDC": try rdcExecutable()])
    }

    private func run(_ executable: String, _ arguments: [String], input: String = "",
                     environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let stdin = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = stdin
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let complaint = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, printed, complaint)
    }

    func testOutputFolderAndFlagsAreCheckedBeforeAnyCommandRuns() throws {
        let script = try writeScript("echo ran\n")
        let unwritable = try runRdc(["run", script, "--out", "/proc/x"])
        XCTAssertNotEqual(unwritable.status, 0)
        XCTAssertEqual(unwritable.stdout, "", "nothing ran")
        XCTAssertTrue(unwritable.stderr.contains("--out: cannot write pictures to /proc/x: "), unwritable.stderr)
        XCTAssertFalse(unwritable.stderr.contains("NSCocoaErrorDomain"), unwritable.stderr)

        let threads = try runRdc(["run", script, "--threads", "100000"])
        XCTAssertNotEqual(threads.status, 0)
        XCTAssertTrue(threads.stderr.contains("--threads 100000 is out of range: expected 1…1024"), threads.stderr)
        let seed = try runRdc(["run", script, "--seed", "18446744073709551615"])
        XCTAssertNotEqual(seed.status, 0)
        XCTAssertEqual(seed.stdout, "")
    }

    func testScriptErrorsAreInPlainWordsAndStdinIsAScript() throws {
        let folder = try runRdc(["run", directory, "--out", directory + "/out"])
        XCTAssertEqual(folder.status, 1)
        XCTAssertEqual(folder.stderr, "cannot read the script: \(directory!): is a folder, not a file\n")
        let missing = try runRdc(["run", directory + "/none.rdc", "--out", directory + "/out"])
        XCTAssertEqual(missing.stderr, "cannot read the script: \(directory!)/none.rdc: does not exist\n")
        let piped = try runRdc(["run", "-", "--out", directory + "/out"], input: "echo from a pipe\n")
        XCTAssertEqual(piped.status, 0, piped.stderr)
        XCTAssertEqual(piped.stdout, "from a pipe\n")
    }

    func testAHeredocAndAProcessSubstitutionAreScripts() throws {
        let heredoc = try runBash("""
            "$RDC" run - --out out <<'EOF'
            echo from a heredoc
            echo "second line"
            EOF
            """)
        XCTAssertEqual(heredoc.status, 0, heredoc.stderr)
        XCTAssertEqual(heredoc.stdout, "from a heredoc\nsecond line\n")
        let substituted = try runBash(#""$RDC" run <(printf 'echo from %s\n' "a process substitution") --out out"#)
        XCTAssertEqual(substituted.status, 0, substituted.stderr)
        XCTAssertEqual(substituted.stdout, "from a process substitution\n")
    }

    /// `rdc run x.rdc > results.txt`: the file gets the results, standard error the progress;
    /// `--quiet` leaves the progress out.
    func testResultsGoToAFileAndProgressToStandardError() throws {
        _ = try writeScript("data synthetic n=64 size=8\nmodel dense\npretrain epochs=1 batch=32\n")
        let shown = try runBash(#""$RDC" run script.rdc --out out > results.txt 2> progress.txt"#)
        XCTAssertEqual(shown.status, 0)
        let results = try String(contentsOfFile: directory + "/results.txt", encoding: .utf8)
        let progress = try String(contentsOfFile: directory + "/progress.txt", encoding: .utf8)
        XCTAssertTrue(results.contains("built a dense model"), results)
        XCTAssertTrue(results.contains("pretrain: epoch 1 done"), results)
        XCTAssertFalse(results.contains("pretrain epoch 1/1"), results)
        XCTAssertTrue(progress.contains("pretrain epoch 1/1 batch "), progress)

        let quiet = try runBash(#""$RDC" run script.rdc --out out --quiet > results.txt"#)
        XCTAssertEqual(quiet.status, 0)
        XCTAssertEqual(quiet.stderr, "")
        XCTAssertTrue(try String(contentsOfFile: directory + "/results.txt", encoding: .utf8).contains("pretrain: epoch 1 done"))
    }

    func testVersionAndTheDocumentedExitStatuses() throws {
        let version = try runRdc(["--version"])
        XCTAssertEqual(version.status, 0)
        let parts = version.stdout.dropLast().split(separator: ".", omittingEmptySubsequences: false)
        XCTAssertTrue(version.stdout.hasSuffix("\n") && parts.count == 3 && parts.allSatisfy { Int($0) != nil },
                      "not MAJOR.MINOR.PATCH: \(version.stdout.debugDescription)")

        let help = try runRdc(["--help"])
        XCTAssertEqual(help.status, 0)
        for row in ["0    success", "1    a command failed", "64   usage error", "130  `rdc run` interrupted"] {
            XCTAssertTrue(help.stdout.contains(row), "`rdc --help` lacks \"\(row)\":\n\(help.stdout)")
        }

        XCTAssertEqual(try runRdc(["run", "-", "--out", "out"], input: "echo fine\n").status, 0)
        XCTAssertEqual(try runRdc(["run", "-", "--out", "out"], input: "echo fine\nevaluate\n").status, 1, "a command failed")
        XCTAssertEqual(try runRdc(["run", "-", "--out", "out"], input: "save \"x\n").status, 1, "an unclosed quote")
        XCTAssertEqual(try runRdc(["run", directory + "/missing.rdc", "--out", "out"]).status, 1, "an unreadable script")
        XCTAssertEqual(try runRdc(["run", "-", "--bogus"]).status, 64, "an unknown option")
        XCTAssertEqual(try runRdc(["run"]).status, 64, "a missing argument")
        XCTAssertEqual(try runRdc(["run", "-", "--threads", "0"]).status, 64, "a value out of range")
        XCTAssertEqual(try runRdc(["frobnicate"]).status, 64, "an unknown command")
        // 130 (interrupted) is asserted by testAnInterruptedScriptSaysSoOnce.
    }

    func testASecondRunIntoTheSameFolderAddsPictures() throws {
        let script = try writeScript("data synthetic n=40 size=8\nshow samples count=4\n")
        for _ in 0..<2 { XCTAssertEqual(try runRdc(["run", script, "--out", directory + "/out"]).status, 0) }
        let files = try FileManager.default.contentsOfDirectory(atPath: directory + "/out").sorted()
        XCTAssertEqual(files.map { String($0.prefix(4)) }, ["001-", "002-"], "\(files)")
    }

    func testAnInterruptedScriptSaysSoOnce() throws {
        let script = try writeScript("data synthetic n=3000 size=16\nmodel dense\npretrain epochs=100\n")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try rdcExecutable())
        process.arguments = ["run", script, "--out", directory + "/out"]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Wait for training to start (the first progress line), then interrupt.
        var printed = Data()
        while !String(decoding: printed, as: UTF8.self).contains("built a dense model") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            printed += chunk
        }
        usleep(1_500_000)
        process.interrupt()
        printed += output.fileHandleForReading.readDataToEndOfFile()
        let complaint = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, ScriptRunner.interruptedStatus)
        let everything = String(decoding: printed, as: UTF8.self) + complaint
        XCTAssertEqual(everything.components(separatedBy: "interrupted at pretrain").count, 2, everything)
    }

    func testKillNineDuringSavesNeverLosesTheCheckpoint() throws {
        let setup = "data synthetic n=64 size=28\nmodel dense\n"
        XCTAssertEqual(try runRdc(["run", try writeScript(setup + "save a.ckpt\n"), "--out", directory + "/out"]).status, 0)
        let saves = try writeScript(setup + String(repeating: "save a.ckpt\n", count: 200), name: "saves.rdc")
        let check = try writeScript("data synthetic n=64 size=28\nload a.ckpt\n", name: "check.rdc")
        var generator = SystemRandomNumberGenerator()
        for round in 0..<4 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: try rdcExecutable())
            process.arguments = ["run", saves, "--out", directory + "/out"]
            process.currentDirectoryURL = URL(fileURLWithPath: directory)
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            usleep(UInt32.random(in: 400_000...1_500_000, using: &generator))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let loaded = try runRdc(["run", check, "--out", directory + "/out"])
            XCTAssertEqual(loaded.status, 0, "round \(round): \(loaded.stderr)")
            XCTAssertTrue(loaded.stdout.contains("loaded dense model"), loaded.stdout)
        }
    }

    func testReplTakesAPastedHundredKilobyteLineAndNamesADroppedCommand() throws {
        let (terminal, process) = try launchRepl()
        defer { if process.isRunning { process.terminate() } }
        try terminal.waitFor("rdc> ")
        let long = String(repeating: "abcdefghij", count: 10_000)
        terminal.type("echo \(long)-end\r")
        // Linear-time editing: the whole line is echoed back and run well within the timeout
        // (a quadratic editor took minutes for this line).
        // The pty turns the output's "\n" into "\r\n"; the echo of the typed line has no "\n" before it.
        try terminal.waitFor("\n" + long + "-end\r\n", timeout: 60)
        try terminal.waitFor("rdc> ")
        terminal.type("echo unfinished \\\r")
        try terminal.waitFor("...> ")
        terminal.type("\u{04}")
        try terminal.waitFor("dropped the unfinished command `echo unfinished \\`")
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        XCTAssertFalse(process.isRunning, "Ctrl-D ends the REPL")
    }

    /// Quotes never span lines, so an unclosed quote is an error at once, not a `...> ` prompt.
    func testReplReportsAnUnclosedQuoteAtOnce() throws {
        let (terminal, process) = try launchRepl()
        defer { if process.isRunning { process.terminate() } }
        try terminal.waitFor("rdc> ")
        terminal.type("data csv path=\"x\r")
        let shown = try terminal.waitFor("rdc> ")
        XCTAssertTrue(shown.contains("unclosed quote in `path=\"x`"), shown)
        XCTAssertFalse(shown.contains("...> "), shown)
        terminal.type("\u{04}")
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        XCTAssertFalse(process.isRunning, "Ctrl-D ends the REPL")
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
        XCTFail("timed out waiting for \(String(text.prefix(200)).debugDescription); screen since the last match:\n\(tail)")
        throw XCTSkip("stopped: \(text) never appeared")
    }
}

// glibc declares these only for _XOPEN_SOURCE, which Swift's Glibc module does not define.
@_silgen_name("posix_openpt") private func openPseudoTerminal(_ flags: Int32) -> Int32
@_silgen_name("grantpt") private func grantPseudoTerminal(_ descriptor: Int32) -> Int32
@_silgen_name("unlockpt") private func unlockPseudoTerminal(_ descriptor: Int32) -> Int32
@_silgen_name("ptsname_r") private func pseudoTerminalName(_ descriptor: Int32, _ buffer: UnsafeMutablePointer<CChar>, _ length: Int) -> Int32
