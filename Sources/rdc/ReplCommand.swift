// Layer: executable. `rdc repl`: the interactive terminal front end.

import ArgumentParser
import Foundation
import RDCTerminal

/// `rdc repl`: a prompt over one persistent R-DC session.
struct ReplCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repl",
        abstract: "Type R-DC commands at a prompt; pictures are written to the output folder.")

    @Option(name: .customLong("out"), help: "Folder the pictures are written to.")
    var outputDirectory = "rdc-out"

    @Option(help: "The session's initial random seed.")
    var seed: UInt64 = 0

    @Option(help: "OpenBLAS threads (default: the library's setting).")
    var threads: Int?

    func run() throws {
        NumericRuntime.keepFreedMemoryMapped()
        let options = SessionOptions(seed: seed, threads: threads)
        let status = Repl(options: options, outputDirectory: outputDirectory).run()
        if status != 0 { throw ExitCode(status) }
    }
}
