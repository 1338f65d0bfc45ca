// Layer: executable. `rdc repl`: the interactive terminal front end.

import ArgumentParser
import Foundation
import RDCTerminal
import NumericCore

/// `rdc repl`: a prompt over one persistent R-DC session.
struct ReplCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repl",
        abstract: "Type R-DC commands at a prompt; pictures are written to the output folder.")

    @OptionGroup var terminal: TerminalSessionOptions

    func run() throws {
        NumericRuntime.keepFreedMemoryMapped()
        let status = Repl(options: terminal.sessionOptions, outputDirectory: terminal.outputDirectory,
                          progress: terminal.progressStyle).run()
        if status != 0 { throw ExitCode(status) }
    }
}
