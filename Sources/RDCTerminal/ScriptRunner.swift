// Layer: terminal front end. May use RDCSession and Foundation files; never ZeroMQ. `rdc run
// FILE.rdc`: runs a script command by command and stops at the first error with its line.

import Foundation
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
            program = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            printer.print("\(path): cannot read the script (\((error as NSError).localizedDescription))\n", .stderr)
            return failureStatus
        }
        let session = Session(options: options)
        let watcher = InterruptWatcher { [session] in session.interrupt() }
        defer { watcher.stop() }
        do {
            try session.runScript(program, emit: printer.show)
            printer.closeBar()
            return 0
        } catch let failure as SessionFailure {
            printer.print("\(path):\(failure.line): \(failure.message)\n", .stderr)
            return failure.kind == .interrupted ? interruptedStatus : failureStatus
        } catch {
            printer.print("\(path): \(error)\n", .stderr)
            return failureStatus
        }
    }
}
