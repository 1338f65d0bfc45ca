// Layer: executable. `rdc install`: writes the R-DC kernelspec where Jupyter finds it.

import ArgumentParser
import Foundation
import JupyterKernel

/// `rdc install [--user | --sys-prefix | --prefix DIR]`.
struct InstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install", abstract: "Install the R-DC kernelspec for Jupyter (argv points at this binary).")

    @Flag(help: "Install for the current user (the default).")
    var user = false

    @Flag(help: "Install into the Python environment's prefix (sys.prefix of python3 on PATH).")
    var sysPrefix = false

    @Option(help: "Install under DIR/share/jupyter/kernels.")
    var prefix: String?

    @Option(help: "Kernel name (the folder name Jupyter lists).")
    var name = "rdc"

    @Option(help: "Folder holding kernel.json and the logos (default: the checkout's kernelspec/).")
    var kernelspecDirectory: String?

    func validate() throws {
        if [user, sysPrefix, prefix != nil].filter({ $0 }).count > 1 {
            throw ValidationError("choose one of --user, --sys-prefix or --prefix")
        }
    }

    func run() throws {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.resolvingSymlinksInPath()
        let binary = executable.path.hasPrefix("/") ? executable.path
            : URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(CommandLine.arguments[0]).standardizedFileURL.path
        let sourceFolder = try locateKernelspec(near: URL(fileURLWithPath: binary))
        let spec = try KernelSpec(contentsOf: sourceFolder.appendingPathComponent("kernel.json")).launching(binary)
        let location: KernelspecLocation = prefix.map { .prefix($0) } ?? (sysPrefix ? .sysPrefix(nil) : .user)
        let installed = try KernelspecInstaller().install(spec, name: name, logosFrom: sourceFolder, at: location)
        print("Installed kernelspec \(name) in \(installed.path)")
    }

    /// The kernelspec folder: the given one, or the checkout's `kernelspec/` above `.build/<config>/rdc`,
    /// or `share/rdc/kernelspec` beside an installed `bin/rdc`.
    private func locateKernelspec(near binary: URL) throws -> URL {
        let candidates: [URL]
        if let kernelspecDirectory {
            candidates = [URL(fileURLWithPath: kernelspecDirectory)]
        } else {
            var folder = binary.deletingLastPathComponent()
            var found: [URL] = [folder.deletingLastPathComponent().appendingPathComponent("share/rdc/kernelspec")]
            for _ in 0..<5 {
                found.append(folder.appendingPathComponent("kernelspec"))
                folder = folder.deletingLastPathComponent()
            }
            candidates = found
        }
        guard let folder = candidates.first(where: {
            FileManager.default.fileExists(atPath: $0.appendingPathComponent("kernel.json").path)
        }) else {
            throw ValidationError("no kernelspec folder with kernel.json found (looked in \(candidates.map(\.path).joined(separator: ", "))); pass --kernelspec-directory")
        }
        return folder
    }
}
