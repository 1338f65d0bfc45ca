// Layer: executable. Wires the front ends to the session; the only place that knows them all.

import ArgumentParser
import Foundation

/// The `rdc` command: Jupyter kernel, REPL, script runner, kernelspec installer and benchmarks.
@main
struct RDC: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rdc",
        abstract: "R-DC deep clustering: a Jupyter kernel, a REPL and a script runner over one training session.",
        subcommands: [KernelCommand.self, ReplCommand.self, RunCommand.self, InstallCommand.self,
                      BenchCommand.self, QualityCommand.self])

    /// Makes sure oneDNN's OpenMP threads sleep when idle, then runs the command line.
    static func main() {
        OpenMPWaitPolicy.relaunchPassiveUnlessSet()
        main(nil)
    }
}

/// libgomp (oneDNN's OpenMP runtime) reads `OMP_WAIT_POLICY` once, when the library loads
/// before `main`, and by default its idle threads spin: between oneDNN calls they take the
/// cores our own workers need (a conv step measured 2.7× slower on a busy 2-core machine), and
/// an idle kernel would burn CPU. So unless the variable is set, `rdc` sets it to `passive` and
/// executes itself again (same process id, same arguments); if that fails it just carries on.
enum OpenMPWaitPolicy {
    static func relaunchPassiveUnlessSet() {
        guard ProcessInfo.processInfo.environment["OMP_WAIT_POLICY"] == nil else { return }
        setenv("OMP_WAIT_POLICY", "passive", 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
    }
}
