// Layer: executable. Wires the front ends to the session; the only place that knows them all.

import ArgumentParser

/// The `rdc` command: Jupyter kernel, REPL, script runner, kernelspec installer and benchmarks.
@main
struct RDC: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rdc",
        abstract: "R-DC deep clustering: a Jupyter kernel, a REPL and a script runner over one training session.",
        subcommands: [KernelCommand.self, ReplCommand.self, RunCommand.self, InstallCommand.self,
                      BenchCommand.self, QualityCommand.self])
}
