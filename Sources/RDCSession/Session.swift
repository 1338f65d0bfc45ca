// Layer: session. May use RDCMethod and RDCRender; never sockets or terminals. The persistent
// session the front ends drive: it runs parsed commands against its state, one at a time, and
// hands their outputs to the caller as they happen.

import Foundation
import RDCMethod
import NumericCore
import SafeFiles

/// How a session starts.
public struct SessionOptions: Sendable {
    /// The folder relative paths (data files, checkpoints, exports) are resolved against.
    public var workingDirectory: String
    /// The initial seed of every random choice (`seed N` changes it).
    public var seed: UInt64 = 0
    /// Compute threads to use, or nil to keep the current setting.
    public var threads: Int? = nil

    /// The seeds a user may give (`seed N`, `--seed N`, `seed=` of `data`).
    public static let seedRange = 0...Int(UInt32.max)
    /// The thread counts a user may ask for (`threads N`, `--threads N`).
    public static let threadRange = ComputeThreads.allowedRange

    /// Options with the process's current folder as the working directory by default.
    public init(workingDirectory: String = FileManager.default.currentDirectoryPath, seed: UInt64 = 0,
                threads: Int? = nil) {
        self.workingDirectory = workingDirectory
        self.seed = seed
        self.threads = threads
    }
}

/// Why a run stopped: the line at fault and what was wrong.
public struct SessionFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of stop it is.
    public enum Kind: Sendable, Equatable {
        /// The program does not follow the language; nothing ran.
        case syntax
        /// A command could not do its work; the session is as it was before that command.
        case command
        /// The user interrupted; work finished before the interrupt is kept.
        case interrupted
    }

    /// What kind of stop it is.
    public var kind: Kind
    /// The physical line (1-based) of the command at fault.
    public var line: Int
    /// What was wrong, without the line prefix.
    public var message: String

    /// Makes a failure.
    public init(kind: Kind, line: Int, message: String) {
        self.kind = kind
        self.line = line
        self.message = message
    }

    /// The error's name for front ends: "SyntaxError", "CommandError" or "Interrupted".
    public var name: String {
        switch kind {
        case .syntax: return "SyntaxError"
        case .command: return "CommandError"
        case .interrupted: return "Interrupted"
        }
    }

    /// "line N: message".
    public var description: String { "line \(line): \(message)" }
}

/// One R-DC session: data, model, training so far and clusterings, kept between runs.
///
/// `run` and the other methods are meant for one thread at a time (the front end's command
/// thread); only `interrupt` may be called from any thread.
public final class Session {
    private let options: SessionOptions
    private let cancellation = CancellationToken()
    private var state: SessionState

    /// A fresh session: no data, no model; compute threads set when `options.threads` is given.
    public init(options: SessionOptions = SessionOptions()) {
        self.options = options
        if let threads = options.threads { ComputeThreads.set(threads) }
        state = SessionState(seed: options.seed)
    }

    /// Runs a cell or script. Parse errors stop everything before running (all-or-nothing);
    /// otherwise commands run in order, outputs delivered through `emit` as they happen, on the
    /// calling thread; the first failing command stops the run. Throws `SessionFailure`.
    public func run(_ program: String, emit: (SessionOutput) -> Void) throws {
        cancellation.reset()
        let invocations: [Invocation]
        do {
            invocations = try CommandLanguage.parse(program, variables: state.variables)
        } catch let error as CommandLanguageError {
            throw SessionFailure(kind: .syntax, line: error.line, message: error.message)
        }
        for invocation in invocations { try execute(invocation, emit: emit) }
        try reportLateInterrupt(after: invocations.last)
    }

    /// Runs a script one command at a time: each logical line is parsed only when the lines
    /// before it have run, so a script that fails on line 3 (syntax or command) has run lines
    /// 1 and 2. Outputs and errors as in `run`.
    public func runScript(_ program: String, emit: (SessionOutput) -> Void) throws {
        cancellation.reset()
        var last: Invocation?
        for statement in LanguageScanner.statements(of: program) {
            let parsed: Invocation?
            do {
                parsed = try StatementParser.parse(statement, variables: state.variables)
            } catch let error as CommandLanguageError {
                throw SessionFailure(kind: .syntax, line: error.line, message: error.message)
            }
            if let invocation = parsed {
                try execute(invocation, emit: emit)
                last = invocation
            }
        }
        try reportLateInterrupt(after: last)
    }

    /// An interrupt that arrived while a command too short to check for it (a picture, a
    /// clustering) was running still ends the run as interrupted, once: the user asked to stop
    /// and is told what was kept.
    private func reportLateInterrupt(after last: Invocation?) throws {
        guard cancellation.isCancelled, let last else { return }
        throw SessionFailure(kind: .interrupted, line: last.line,
                             message: "interrupted; `\(last.command.rawValue)` had already finished and its results are kept")
    }

    /// Thread-safe: stops the running command at its next batch (sets the cancellation token).
    public func interrupt() {
        cancellation.cancel()
    }

    /// Completion of the word before `cursor` (Unicode-scalar offset), paths relative to the
    /// session's working directory.
    public func complete(code: String, cursor: Int) -> CompletionResult {
        CommandLanguage.complete(code: code, cursor: cursor, workingDirectory: options.workingDirectory,
                                 variables: state.variables)
    }

    /// Help for the word at `cursor`, more of it when `detailLevel` is above 0.
    public func inspect(code: String, cursor: Int, detailLevel: Int) -> String? {
        CommandLanguage.inspect(code: code, cursor: cursor, detailLevel: detailLevel)
    }

    /// Whether `code` is ready to run, needs more lines, or cannot run.
    public func isComplete(code: String) -> Completeness {
        CommandLanguage.isComplete(code: code)
    }

    /// Runs one command on a copy of the state and keeps the copy only when the command
    /// succeeded (or was interrupted, keeping finished work): a failing command changes nothing.
    private func execute(_ invocation: Invocation, emit: (SessionOutput) -> Void) throws {
        if cancellation.isCancelled {
            throw SessionFailure(kind: .interrupted, line: invocation.line,
                                 message: "interrupted before `\(invocation.command.rawValue)` ran")
        }
        var working = state
        do {
            // The emitter is used only while the command runs (progress observers included).
            try withoutActuallyEscaping(emit) { emit in
                try working.execute(CommandContext(invocation: invocation, options: options,
                                                   cancellation: cancellation, emit: emit))
            }
            state = working
        } catch let interruption as CommandInterruption {
            state = working
            throw SessionFailure(kind: .interrupted, line: invocation.line, message: interruption.message)
        } catch let failure as CommandFailure {
            if failure.keepsChanges { state = working }
            throw SessionFailure(kind: .command, line: invocation.line, message: failure.message)
        } catch {
            throw SessionFailure(kind: .command, line: invocation.line, message: CommandFailure.describe(error))
        }
    }
}
