// Layer: Jupyter front end. May use Foundation (files, Process for python3) and SafeFiles only; knows nothing of R-DC.
import Foundation
import SafeFiles

/// The contents of a kernelspec's `kernel.json`.
public struct KernelSpec {
    /// The command Jupyter runs; must contain `{connection_file}`.
    public var argv: [String]
    /// Name shown in launchers and menus.
    public var displayName: String
    /// Language name, matching `language_info.name`.
    public var language: String
    /// `message` (interrupt_request on control) or `signal` (SIGINT).
    public var interruptMode: String
    /// Free-form metadata, e.g. `{"debugger": false}`.
    public var metadata: JSONObject
    /// Environment variables Jupyter sets for the kernel process (settings a library reads when it
    /// loads, before the kernel's own code runs); empty means none, and no `env` key is written.
    public var environment: [String: String]

    /// Describes a kernel launched by `argv`.
    public init(argv: [String], displayName: String, language: String, interruptMode: String = "message",
                metadata: JSONObject = ["debugger": false], environment: [String: String] = [:]) throws {
        self.argv = argv
        self.displayName = displayName
        self.language = language
        self.interruptMode = interruptMode
        self.metadata = metadata
        self.environment = environment
        try validate(source: "kernel spec")
    }

    /// Reads a `kernel.json` (e.g. the template in the project's `kernelspec/` folder).
    public init(contentsOf file: URL) throws {
        let data: Data
        do { data = Data(try SafeFile.read(file.path, limit: ConnectionInfo.maximumFileSize)) } catch let problem as FileProblem {
            throw KernelspecError.unreadable(path: file.path, reason: problem.reason)
        }
        guard let fields = (try? JSONSerialization.jsonObject(with: data)) as? JSONObject else {
            throw KernelspecError.invalidSpec(source: file.path, problem: "not a JSON object")
        }
        guard let argv = fields["argv"] as? [String] else {
            throw KernelspecError.invalidSpec(source: file.path, problem: "\"argv\" must be a list of strings")
        }
        guard let displayName = fields["display_name"] as? String, let language = fields["language"] as? String else {
            throw KernelspecError.invalidSpec(source: file.path, problem: "\"display_name\" and \"language\" must be strings")
        }
        self.argv = argv
        self.displayName = displayName
        self.language = language
        interruptMode = fields["interrupt_mode"] as? String ?? "signal"
        metadata = fields["metadata"] as? JSONObject ?? [:]
        guard let environment = fields["env"].map({ $0 as? [String: String] }) ?? [:] else {
            throw KernelspecError.invalidSpec(source: file.path, problem: "\"env\" must map names to strings")
        }
        self.environment = environment
        try validate(source: file.path)
    }

    /// The same spec launching `executable` instead of `argv[0]`.
    public func launching(_ executable: String) -> KernelSpec {
        var spec = self
        spec.argv[0] = executable
        return spec
    }

    /// The `kernel.json` text, keys sorted, pretty-printed.
    public func jsonData() -> Data {
        var fields: JSONObject = ["argv": argv, "display_name": displayName, "language": language,
                                  "interrupt_mode": interruptMode, "metadata": metadata]
        if !environment.isEmpty { fields["env"] = environment }
        var data = (try? JSONSerialization.data(withJSONObject: fields, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? WireCodec.serialize(fields)
        data.append(Data("\n".utf8))
        return data
    }

    private func validate(source: String) throws {
        guard !argv.isEmpty, argv.contains(where: { $0.contains("{connection_file}") }) else {
            throw KernelspecError.invalidSpec(source: source, problem: "\"argv\" must name a program and contain {connection_file}")
        }
        guard interruptMode == "message" || interruptMode == "signal" else {
            throw KernelspecError.invalidSpec(source: source, problem: "\"interrupt_mode\" must be \"message\" or \"signal\", not \"\(interruptMode)\"")
        }
        guard JSONSerialization.isValidJSONObject(metadata) else {
            throw KernelspecError.invalidSpec(source: source, problem: "\"metadata\" holds values JSON cannot represent")
        }
    }
}

/// Where a kernelspec goes, as in `jupyter kernelspec install --user | --sys-prefix | --prefix`.
public enum KernelspecLocation: Equatable {
    /// The user's Jupyter data folder: `$JUPYTER_DATA_DIR`, else `$XDG_DATA_HOME/jupyter`,
    /// else `~/.local/share/jupyter`.
    case user
    /// `sys.prefix/share/jupyter`; with nil the prefix is asked of `python3 -c 'import sys; print(sys.prefix)'`.
    case sysPrefix(String?)
    /// `DIR/share/jupyter`.
    case prefix(String)
}

/// Why a kernelspec could not be read or installed.
public enum KernelspecError: Error, Equatable, CustomStringConvertible {
    /// The kernel name has characters Jupyter does not accept.
    case invalidName(String)
    /// A kernel.json is missing fields or has wrong values.
    case invalidSpec(source: String, problem: String)
    /// A file could not be read.
    case unreadable(path: String, reason: String)
    /// `python3` could not tell its sys.prefix.
    case pythonPrefixUnavailable(reason: String)
    /// Writing the kernelspec folder failed.
    case writeFailed(path: String, reason: String)

    /// A sentence naming what was wrong.
    public var description: String {
        switch self {
        case .invalidName(let name):
            "kernel name \"\(name)\" is invalid: use letters, digits, '.', '_' and '-' only"
        case .invalidSpec(let source, let problem): "\(source): \(problem)"
        case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
        case .pythonPrefixUnavailable(let reason):
            "cannot find sys.prefix with python3 (\(reason)); give the prefix explicitly"
        case .writeFailed(let path, let reason): "cannot write \(path): \(reason)"
        }
    }
}

/// Writes kernelspec folders: `kernel.json` plus the logo files of a source folder.
public struct KernelspecInstaller {
    /// The files copied from the source folder when present, as Jupyter names them.
    public static let logoFileNames = ["logo-32x32.png", "logo-64x64.png", "logo-svg.svg"]

    /// Environment consulted for `.user` (JUPYTER_DATA_DIR, XDG_DATA_HOME, HOME).
    public var environment: [String: String]

    /// An installer reading the process environment unless told otherwise.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// The `kernels` folder of a location, e.g. `~/.local/share/jupyter/kernels`.
    public func kernelsDirectory(for location: KernelspecLocation) throws -> URL {
        let dataDirectory: URL
        switch location {
        case .user:
            if let explicit = environment["JUPYTER_DATA_DIR"], !explicit.isEmpty {
                dataDirectory = URL(fileURLWithPath: explicit)
            } else if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty {
                dataDirectory = URL(fileURLWithPath: xdg).appendingPathComponent("jupyter")
            } else {
                let home = environment["HOME"] ?? NSHomeDirectory()
                dataDirectory = URL(fileURLWithPath: home).appendingPathComponent(".local/share/jupyter")
            }
        case .sysPrefix(let prefix):
            dataDirectory = URL(fileURLWithPath: try prefix ?? Self.pythonSysPrefix()).appendingPathComponent("share/jupyter")
        case .prefix(let prefix):
            dataDirectory = URL(fileURLWithPath: prefix).appendingPathComponent("share/jupyter")
        }
        return dataDirectory.appendingPathComponent("kernels")
    }

    /// Installs `spec` as kernel `name` at `location`, copying the logos found in `logoFolder`,
    /// replacing any earlier install of that name. Returns the kernelspec folder written.
    @discardableResult
    public func install(_ spec: KernelSpec, name: String, logosFrom logoFolder: URL?,
                        at location: KernelspecLocation) throws -> URL {
        guard !name.isEmpty, name.unicodeScalars.allSatisfy({ Self.nameCharacters.contains($0) }) else {
            throw KernelspecError.invalidName(name)
        }
        let destination = try kernelsDirectory(for: location).appendingPathComponent(name.lowercased())
        let files = FileManager.default
        // The new kernelspec is built complete beside the old one and swapped in by renames,
        // so an install that fails half-way leaves the earlier install as it was.
        let parent = destination.deletingLastPathComponent()
        let staging = parent.appendingPathComponent(".\(destination.lastPathComponent).installing-\(getpid())")
        let retired = parent.appendingPathComponent(".\(destination.lastPathComponent).replaced-\(getpid())")
        do {
            try SafeFile.prepareWritableFolder(parent.path)
            try? files.removeItem(at: staging)
            try files.createDirectory(at: staging, withIntermediateDirectories: false)
            try SafeFile.write(spec.jsonData(), to: staging.appendingPathComponent("kernel.json").path)
            if let logoFolder {
                for logo in Self.logoFileNames {
                    let source = logoFolder.appendingPathComponent(logo).path
                    if files.fileExists(atPath: source) {
                        try SafeFile.write(SafeFile.read(source), to: staging.appendingPathComponent(logo).path)
                    }
                }
            }
            let replacing = files.fileExists(atPath: destination.path)
            if replacing { try files.moveItem(at: destination, to: retired) }
            do {
                try files.moveItem(at: staging, to: destination)
            } catch {
                if replacing { try? files.moveItem(at: retired, to: destination) }
                throw error
            }
            if replacing { try? files.removeItem(at: retired) }
        } catch {
            try? files.removeItem(at: staging)
            throw KernelspecError.writeFailed(
                path: destination.path, reason: FileProblem(foundationError: error)?.description ?? "\(error)")
        }
        return destination
    }

    private static let nameCharacters = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")

    private static func pythonSysPrefix() throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import sys; print(sys.prefix)"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch {
            throw KernelspecError.pythonPrefixUnavailable(reason: error.localizedDescription)
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let prefix = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard process.terminationStatus == 0, !prefix.isEmpty else {
            throw KernelspecError.pythonPrefixUnavailable(reason: "python3 exited with status \(process.terminationStatus)")
        }
        return prefix
    }
}
