// Layer: executable. `rdc run FILE.rdc`: the script runner.

import ArgumentParser
import Foundation
import RDCTerminal

/// `rdc run FILE.rdc`: runs a script, stopping at the first error with "FILE:LINE: message".
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run an .rdc script; stops at the first error, naming its line, with a non-zero status.")

    @Argument(help: "The script to run.")
    var script: String

    @Option(name: .customLong("out"), help: "Folder the pictures are written to.")
    var outputDirectory = "rdc-out"

    @Option(help: "The session's initial random seed.")
    var seed: UInt64 = 0

    @Option(help: "OpenBLAS threads (default: the library's setting).")
    var threads: Int?

    func run() throws {
        NumericRuntime.keepFreedMemoryMapped()
        let options = SessionOptions(seed: seed, threads: threads)
        let status = ScriptRunner.run(path: script, options: options, printer: OutputPrinter(outputDirectory: outputDirectory))
        if status != 0 { throw ExitCode(status) }
    }
}
