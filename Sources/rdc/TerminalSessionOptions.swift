// Layer: executable. Options shared by the terminal front ends (`rdc repl`, `rdc run`).

import ArgumentParser
import RDCSession
import RDCTerminal
import SafeFiles

/// Where pictures go and how the session starts, for `rdc repl` and `rdc run`.
struct TerminalSessionOptions: ParsableArguments {
    @Option(name: .customLong("out"), help: "Folder the pictures are written to (created if missing; must be writable).")
    var outputDirectory = "rdc-out"

    @Option(help: ArgumentHelp("The session's initial random seed (as `seed N`).",
                               valueName: "\(SessionOptions.seedRange.lowerBound)-\(SessionOptions.seedRange.upperBound)"))
    var seed: Int = 0

    @Option(help: ArgumentHelp("Compute threads (default: all cores; as `threads N`).",
                               valueName: "\(SessionOptions.threadRange.lowerBound)-\(SessionOptions.threadRange.upperBound)"))
    var threads: Int?

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
}
