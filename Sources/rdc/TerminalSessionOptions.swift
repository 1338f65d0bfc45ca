// Layer: executable. Options shared by the terminal front ends (`rdc repl`, `rdc run`).

import ArgumentParser
import RDCTerminal

/// Where pictures go and how the session starts, for `rdc repl` and `rdc run`.
struct TerminalSessionOptions: ParsableArguments {
    @Option(name: .customLong("out"), help: "Folder the pictures are written to.")
    var outputDirectory = "rdc-out"

    @Option(help: "The session's initial random seed.")
    var seed: UInt64 = 0

    @Option(help: "Compute threads (default: all cores).")
    var threads: Int?

    /// The session options these flags describe.
    var sessionOptions: SessionOptions { SessionOptions(seed: seed, threads: threads) }
}
