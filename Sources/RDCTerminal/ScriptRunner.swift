// Layer: terminal front end. May use RDCSession and Foundation files; never ZeroMQ. `rdc run
// FILE.rdc`: runs a script command by command and stops at the first error with its line.

import Foundation
import SafeFiles
import RDCSession

/// Runs `.rdc` scripts.
public enum ScriptRunner {
    /// Exit status of a script that stopped on an error.
    public static let failureStatus: Int32 = 1
    /// Exit status of a script stopped by Ctrl-C (128 + SIGINT, as shells report it).
    public static let interruptedStatus: Int32 = 130

    /// Runs the script at `path` in a fresh session, printing through `printer`. Each line runs
    /// before the next is read, so an error on line 3 has run lines 1 and 2; the error is
    /// printed as "FILE:LINE: message" on standard error. Returns the exit status: 0, 1 on an
    /// error, 130 when interrupted.
    public static func run(path: String, options: SessionOptions, printer: OutputPrinter) -> Int32 {
        let program: String
        do {
            let bytes = path == "-" ? try SafeFile.readAll(from: STDIN_FILENO, path: "standard input")
                                    : try SafeFile.read(path)
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw FileProblem(path: path, kind: .other("is not UTF-8 text"))
            }
            program = text
        } catch {
            printer.print("cannot read the script: \(error)\n", .stderr)
            return failureStatus
        }
        let session = Session(options: options)
        let watcher = InterruptWatcher { [session] in session.interrupt() }
        defer { watcher.stop() }
        do {
            try session.runScript(program, emit: printer.show)
            printer.closeBar()
            return printer.failedWrites == 0 ? 0 : failureStatus
        } catch let failure as SessionFailure {
            printer.print("\(path):\(failure.line): \(failure.message)\n", .stderr)
            return failure.kind == .interrupted ? interruptedStatus : failureStatus
        } catch {
            printer.print("\(path): \(error)\n", .stderr)
            return failureStatus
        }
    }
}
