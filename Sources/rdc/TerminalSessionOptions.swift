// Layer: executable. Options shared by the terminal front ends (`rdc repl`, `rdc run`).

import ArgumentParser
import RDCSession
import RDCTerminal
import SafeFiles

/// Where pictures go, how the session starts and whether progress is shown, for `rdc repl` and
/// `rdc run`.
struct TerminalSessionOptions: ParsableArguments {
    @Option(name: .customLong("out"), help: "Folder the pictures are written to (created if missing; must be writable).")
    var outputDirectory = "rdc-out"

    @Option(help: ArgumentHelp("The session's initial random seed (as `seed N`).",
                               valueName: "\(SessionOptions.seedRange.lowerBound)-\(SessionOptions.seedRange.upperBound)"))
    var seed: Int = 0

    @Option(help: ArgumentHelp("Compute threads (default: all cores; as `threads N`).",
                               valueName: "\(SessionOptions.threadRange.lowerBound)-\(SessionOptions.threadRange.upperBound)"))
    var threads: Int?

    @Flag(name: .shortAndLong, help: "Show no training progress (results, warnings and errors are still printed).")
    var quiet = false

    /// Checks the flags against the ranges the session's commands enforce, and that the output
    /// folder can be created and written, before any command runs.
    mutating func validate() throws {
        guard SessionOptions.seedRange.contains(seed) else {
            throw ValidationError("--seed \(seed) is out of range: expected \(SessionOptions.seedRange.lowerBound)…\(SessionOptions.seedRange.upperBound), as for `seed N`")
        }
        if let threads, !SessionOptions.threadRange.contains(threads) {
            throw ValidationError("--threads \(threads) is out of range: expected \(SessionOptions.threadRange.lowerBound)…\(SessionOptions.threadRange.upperBound), as for `threads N`")
        }
        do {
            try SafeFile.prepareWritableFolder(outputDirectory)
        } catch {
            throw ValidationError("--out: cannot write pictures to \(error)")
        }
    }

    /// The session options these flags describe.
    var sessionOptions: SessionOptions { SessionOptions(seed: UInt64(seed), threads: threads) }

    /// How progress is shown on standard error: not at all with `--quiet`, else a bar on a
    /// terminal and plain lines in a log.
    var progressStyle: ProgressStyle { .forStandardError(quiet: quiet) }
}
