// Layer: Jupyter front end. May use Foundation only; knows nothing of R-DC or tensors.
import Foundation

/// The output stream a `stream` message names.
public enum OutputStreamName: String, Sendable {
    /// Ordinary output.
    case stdout
    /// Warnings and diagnostics.
    case stderr
}

/// Why `ExecutionContext.requestInput` could not return a value.
public enum InputRequestError: Error, Equatable, CustomStringConvertible {
    /// The execute request did not set `allow_stdin` (e.g. a notebook runner with no user).
    case stdinNotAllowed
    /// An interrupt arrived while waiting for the user.
    case interrupted
    /// The kernel is shutting down.
    case kernelShuttingDown

    /// A sentence saying why no input could be read.
    public var description: String {
        switch self {
        case .stdinNotAllowed: "this front end does not accept input requests (allow_stdin is false)"
        case .interrupted: "input request interrupted"
        case .kernelShuttingDown: "input request abandoned: the kernel is shutting down"
        }
    }
}

/// What an interpreter may do while one execute request runs. Use it on the shell thread only
/// (the thread `execute` is called on), and only until `execute` returns.
/// Every output is published on IOPub with the execute request as parent; nothing is
/// published for a `silent` request.
public final class ExecutionContext {
    /// The execution count of this cell (not incremented for silent or `store_history: false`).
    public let executionCount: Int
    /// Whether the request allows `requestInput`.
    public let allowsInput: Bool
    /// Whether the request asked to run quietly; outputs are then dropped.
    public let isSilent: Bool

    private let publish: (_ type: String, _ content: JSONObject) -> Void
    private let readInput: (_ prompt: String, _ password: Bool) throws -> String
    /// The `text/plain` of the last `execute_result`, kept as the cell's output in history.
    private(set) var resultText: String?

    init(executionCount: Int, allowsInput: Bool, isSilent: Bool,
         publish: @escaping (String, JSONObject) -> Void,
         readInput: @escaping (String, Bool) throws -> String) {
        self.executionCount = executionCount
        self.allowsInput = allowsInput
        self.isSilent = isSilent
        self.publish = publish
        self.readInput = readInput
    }

    /// Appends `text` to the cell's stdout or stderr.
    public func stream(_ name: OutputStreamName, text: String) {
        send("stream", ["name": name.rawValue, "text": text])
    }

    /// Shows a rich output. Give `displayID` to update it later with `updateDisplay`.
    public func display(data: MimeBundle, metadata: JSONObject = [:], displayID: String? = nil) {
        var content: JSONObject = ["data": data, "metadata": metadata]
        if let displayID { content["transient"] = ["display_id": displayID] }
        send("display_data", content)
    }

    /// Replaces every output shown earlier with `displayID`.
    public func updateDisplay(data: MimeBundle, metadata: JSONObject = [:], displayID: String) {
        send("update_display_data", ["data": data, "metadata": metadata, "transient": ["display_id": displayID]])
    }

    /// Shows the cell's result (`Out[n]`); its `text/plain` is also kept as the history output.
    public func executeResult(data: MimeBundle, metadata: JSONObject = [:]) {
        resultText = data["text/plain"] as? String
        send("execute_result", ["execution_count": executionCount, "data": data, "metadata": metadata])
    }

    /// Clears the cell's outputs; with `wait` the front end clears when the next output arrives.
    public func clearOutput(wait: Bool = false) {
        send("clear_output", ["wait": wait])
    }

    /// Asks the user for one line through the front end and blocks until it answers.
    /// Throws `InputRequestError` when input is not allowed, on interrupt, or at shutdown.
    public func requestInput(prompt: String, password: Bool = false) throws -> String {
        guard allowsInput else { throw InputRequestError.stdinNotAllowed }
        return try readInput(prompt, password)
    }

    private func send(_ type: String, _ content: JSONObject) {
        guard !isSilent else { return }
        publish(type, content)
    }
}
