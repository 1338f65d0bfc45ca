// Layer: executable. `rdc run FILE.rdc`: the script runner.

import ArgumentParser
import Foundation
import RDCTerminal
import NumericCore

/// `rdc run FILE.rdc`: runs a script, stopping at the first error with "FILE:LINE: message".
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run an .rdc script; stops at the first error, naming its line, with a non-zero status.")

    @Argument(help: "The script to run.")
    var script: String

    @OptionGroup var terminal: TerminalSessionOptions

    func run() throws {
        NumericRuntime.keepFreedMemoryMapped()
        let status = ScriptRunner.run(path: script, options: terminal.sessionOptions,
                                        printer: OutputPrinter(outputDirectory: terminal.outputDirectory,
                                                               progress: terminal.progressStyle))
        if status != 0 { throw ExitCode(status) }
    }
}
