// Layer: executable. Wires the front ends to the session; the only place that knows them all.

import ArgumentParser
import Foundation
import RDCSession
import RDCTerminal

/// The `rdc` command: Jupyter kernel, REPL, script runner, kernelspec installer, benchmarks and UMAP export.
@main
struct RDC: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rdc",
        abstract: "R-DC deep clustering: a Jupyter kernel, a REPL and a script runner over one training session.",
        discussion: """
            Results go to standard output; progress, warnings and errors to standard error (a \
            progress bar only when standard error is a terminal; --quiet hides progress). \
            `rdc run -` reads the script from standard input.

            Exit status (stable; scripts and CI may rely on it):
            \(exitStatuses.map { "  \(String($0.status).padding(to: 5))\($0.meaning)" }.joined(separator: "\n"))
            """,
        version: RDCVersion.current,
        subcommands: [KernelCommand.self, ReplCommand.self, RunCommand.self, InstallCommand.self,
                      BenchCommand.self, QualityCommand.self, UMAPCommand.self])

    /// Every exit status `rdc` returns on purpose, with what it means; README.md has the same table.
    static let exitStatuses: [(status: Int32, meaning: String)] = [
        (ExitCode.success.rawValue, "success (`rdc repl`: left with Ctrl-D or at the end of its input)"),
        (ScriptRunner.failureStatus, "a command failed; a script, picture or file could not be read or written"),
        (ExitCode.validationFailure.rawValue, "usage error: unknown command or option, a missing or bad argument"),
        (ScriptRunner.interruptedStatus, "`rdc run` interrupted by Ctrl-C (SIGINT), as shells report 128 + 2"),
    ]

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

private extension String {
    /// The string followed by spaces up to `width` characters.
    func padding(to width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}
