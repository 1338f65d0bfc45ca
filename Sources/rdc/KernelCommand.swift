// Layer: executable. `rdc kernel`: serves the R-DC session as a Jupyter kernel.

import ArgumentParser
import Foundation
import JupyterKernel
import RDCKernel
import RDCSession
import NumericCore

/// `rdc kernel --connection-file FILE`: the process Jupyter launches from the kernelspec.
struct KernelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernel", abstract: "Run as a Jupyter kernel (launched by Jupyter through the kernelspec).")

    @Option(name: .long, help: "The connection file Jupyter wrote (ports, key, transport).")
    var connectionFile: String

    @Flag(help: "Log protocol events to standard error.")
    var verbose = false

    func run() throws {
        NumericRuntime.keepFreedMemoryMapped()
        let connection = try ConnectionInfo(contentsOfFile: connectionFile)
        let session = Session(options: SessionOptions(workingDirectory: FileManager.default.currentDirectoryPath))
        let verbose = self.verbose
        let interpreter = SessionInterpreter(session: session, implementationVersion: RDCVersion.current,
                                             languageVersion: RDCVersion.language)
        let server = try KernelServer(connection: connection, interpreter: interpreter) { line in
            if verbose || line.localizedCaseInsensitiveContains("signature") || line.localizedCaseInsensitiveContains("error") {
                FileHandle.standardError.write(Data("[rdc kernel] \(line)\n".utf8))
            }
        }
        _ = try server.run()
        // The kernel manager relaunches the process after a restart request; either way we exit.
        Foundation.exit(0)
    }
}
