// Layer: terminal front end. May use RDCSession, termios and signals; never ZeroMQ. `rdc repl`:
// a prompt over one persistent session.

import Foundation
import RDCSession
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The interactive loop: `rdc> ` prompts, `...> ` continues a line ending in `\` (an unclosed
/// quote is an error at once: quotes never span lines); Ctrl-C stops the running command (the
/// session stays usable) or clears the line at the prompt; Ctrl-D exits.
public final class Repl {
    private let session: Session
    private let printer: OutputPrinter
    private let editor: LineEditor

    /// A REPL over a fresh session with `options`, writing pictures under `outputDirectory` and
    /// showing training progress in the `progress` style.
    public init(options: SessionOptions, outputDirectory: String, progress: ProgressStyle) {
        let session = Session(options: options)
        self.session = session
        printer = OutputPrinter(outputDirectory: outputDirectory, progress: progress)
        editor = LineEditor { line, cursor in
            let result = session.complete(code: line, cursor: cursor)
            return (result.matches, result.range)
        }
    }

    /// Runs until Ctrl-D or the end of input; returns the exit status (0).
    public func run() -> Int32 {
        let watcher = InterruptWatcher { [session] in session.interrupt() }
        defer { watcher.stop() }
        if isatty(STDIN_FILENO) == 1 {
            printer.print("R-DC session. `help` lists the commands, `?COMMAND` explains one; Ctrl-C stops a command, Ctrl-D exits.\n", .stdout)
        }
        var pending: [String] = []
        while true {
            switch editor.readLine(prompt: pending.isEmpty ? "rdc> " : "...> ") {
            case .endOfInput:
                if !pending.isEmpty {
                    printer.print("dropped the unfinished command `\(pending[0])`…: it was never completed\n", .stderr)
                }
                return 0
            case .interrupted:
                pending = []
            case .line(let line):
                pending.append(line)
                let code = pending.joined(separator: "\n")
                if session.isComplete(code: code) == .incomplete { continue }
                pending = []
                execute(code)
            }
        }
    }

    private func execute(_ code: String) {
        do {
            try session.run(code, emit: printer.show)
            printer.closeBar()
        } catch let failure as SessionFailure {
            printer.closeBar()
            printer.print("\(failure.name): \(failure.description)\n", .stderr)
        } catch {
            printer.print("error: \(error)\n", .stderr)
        }
    }
}
