// Layer: Jupyter front end. May use CZMQ (through ZMQSocket) and Foundation; knows nothing of R-DC.
import Foundation

/// State the request-handling threads share; everything in it is thread-safe.
final class ServerSignals: @unchecked Sendable {
    /// Set by `KernelServer.run` once shutdown was requested: every loop winds down.
    let stop = SharedFlag()
    /// Set by an interrupt; an input request in progress gives up. Cleared when a cell starts.
    let inputInterrupted = SharedFlag()
    /// Set while the shell thread is inside `execute`.
    let cellRunning = SharedFlag()

    private let lock = NSLock()
    private var requestedRestart: Bool?
    private let shutdownRequested = DispatchSemaphore(value: 0)

    /// Asks `run()` to end; the first request decides whether a restart was asked for.
    func requestShutdown(restart: Bool) {
        let isFirst = lock.withLock { () -> Bool in
            guard requestedRestart == nil else { return false }
            requestedRestart = restart
            return true
        }
        if isFirst { shutdownRequested.signal() }
    }

    /// Blocks until shutdown is requested and returns whether a restart was asked for.
    func waitForShutdown() -> Bool {
        shutdownRequested.wait()
        return lock.withLock { requestedRestart ?? false }
    }
}

/// The shell thread's loop: runs requests one at a time and owns the shell and stdin sockets.
final class ShellChannel {
    private let shell: ZMQSocket
    private let stdin: ZMQSocket
    private let messenger: ChannelMessenger
    private let interpreter: KernelInterpreter
    private let kernelInfoContent: JSONObject
    private let signals: ServerSignals
    private let log: (String) -> Void

    private var executionCount = 0
    private var history = ExecutionHistory()
    /// Requests read off the socket while aborting queued executes, still to be handled.
    private var deferred: [JupyterMessage] = []

    init(shell: ZMQSocket, stdin: ZMQSocket, messenger: ChannelMessenger, interpreter: KernelInterpreter,
         kernelInfoContent: JSONObject, signals: ServerSignals, log: @escaping (String) -> Void) {
        self.shell = shell
        self.stdin = stdin
        self.messenger = messenger
        self.interpreter = interpreter
        self.kernelInfoContent = kernelInfoContent
        self.signals = signals
        self.log = log
    }

    func run() {
        while !signals.stop.isSet {
            if !deferred.isEmpty {
                handle(deferred.removeFirst())
                continue
            }
            let ready = ZMQPoll.wait(for: [.socket(shell), .socket(stdin)], timeoutMilliseconds: 100)
            if ready[1] { dropStrayInput() }
            if ready[0], let request = messenger.receive(from: shell) { handle(request) }
        }
        messenger.close()
        shell.close()
        stdin.close()
    }

    private func handle(_ request: JupyterMessage) {
        var queuedToAbort: [JupyterMessage] = []
        var shutdownRestart: Bool?
        messenger.whileBusy(with: request) {
            let content = request.content
            switch request.messageType {
            case "execute_request":
                // Taken before this request's idle: a client that waits for idle before sending
                // its next cell must not find that cell aborted.
                if execute(request) { queuedToAbort = takeQueuedExecuteRequests() }
            case "kernel_info_request":
                reply("kernel_info_reply", kernelInfoContent, to: request)
            case "is_complete_request":
                reply("is_complete_reply", Self.json(interpreter.isComplete(code: content["code"] as? String ?? "")), to: request)
            case "complete_request":
                let code = content["code"] as? String ?? ""
                let completion = interpreter.complete(code: code, cursor: content["cursor_pos"] as? Int ?? code.unicodeScalars.count)
                reply("complete_reply", ["status": "ok", "matches": completion.matches, "cursor_start": completion.cursorStart,
                                         "cursor_end": completion.cursorEnd, "metadata": completion.metadata], to: request)
            case "inspect_request":
                let code = content["code"] as? String ?? ""
                let inspection = interpreter.inspect(code: code, cursor: content["cursor_pos"] as? Int ?? code.unicodeScalars.count,
                                                     detailLevel: content["detail_level"] as? Int ?? 0)
                reply("inspect_reply", ["status": "ok", "found": inspection.found, "data": inspection.data,
                                        "metadata": inspection.metadata], to: request)
            case "history_request":
                reply("history_reply", ["status": "ok", "history": history.rows(for: content)], to: request)
            case "comm_info_request":
                reply("comm_info_reply", ["status": "ok", "comms": JSONObject()], to: request)
            case "comm_open":
                // No comm targets exist, so the spec's answer is to close the comm at once.
                log("shell: no comm target \"\(content["target_name"] as? String ?? "")\"; closing the comm")
                messenger.publish("comm_close", content: ["comm_id": content["comm_id"] ?? "", "data": JSONObject()], parent: request)
            case "comm_msg", "comm_close":
                log("shell: \(request.messageType) for unknown comm ignored")
            case "shutdown_request":
                let restart = content["restart"] as? Bool ?? false
                reply("shutdown_reply", ["status": "ok", "restart": restart], to: request)
                shutdownRestart = restart
            default:
                log("shell: unknown message type \"\(request.messageType)\" ignored")
            }
        }
        if let shutdownRestart { signals.requestShutdown(restart: shutdownRestart) }
        for queued in queuedToAbort {
            messenger.whileBusy(with: queued) {
                reply("execute_reply", ["status": "aborted"], to: queued, metadata: ["status": "aborted"])
            }
        }
    }

    /// Runs one cell; returns true when it failed and asked for queued cells to be aborted.
    private func execute(_ request: JupyterMessage) -> Bool {
        let content = request.content
        let silent = content["silent"] as? Bool ?? false
        let storeHistory = !silent && (content["store_history"] as? Bool ?? true)
        let stopOnError = content["stop_on_error"] as? Bool ?? true
        guard let code = content["code"] as? String else {
            let error = ExecutionOutcome.error(name: "InvalidRequest", value: "execute_request has no string \"code\"", traceback: [])
            finish(request, outcome: error, silent: silent)
            return stopOnError
        }
        if storeHistory { executionCount += 1 }
        if !silent {
            messenger.publish("execute_input", content: ["code": code, "execution_count": executionCount], parent: request)
        }
        let context = ExecutionContext(
            executionCount: executionCount, allowsInput: content["allow_stdin"] as? Bool ?? false, isSilent: silent,
            publish: { [messenger] type, content in messenger.publish(type, content: content, parent: request) },
            readInput: { [unowned self] prompt, password in try readInput(prompt: prompt, password: password, for: request) })
        signals.inputInterrupted.clear()
        signals.cellRunning.set()
        let outcome = interpreter.execute(code: code, context: context)
        signals.cellRunning.clear()
        if storeHistory { history.append(line: executionCount, input: code, output: context.resultText) }
        finish(request, outcome: outcome, silent: silent)
        if case .error = outcome { return stopOnError }
        return false
    }

    private func finish(_ request: JupyterMessage, outcome: ExecutionOutcome, silent: Bool) {
        switch outcome {
        case .ok(let payload):
            reply("execute_reply", ["status": "ok", "execution_count": executionCount, "payload": payload.map(\.json),
                                    "user_expressions": JSONObject()], to: request, metadata: ["status": "ok"])
        case .error(let name, let value, let traceback):
            let error: JSONObject = ["ename": name, "evalue": value, "traceback": traceback]
            if !silent { messenger.publish("error", content: error, parent: request) }
            reply("execute_reply", error.merging(["status": "error", "execution_count": executionCount]) { $1 },
                  to: request, metadata: ["status": "error"])
        }
    }

    /// After a failed cell with stop_on_error, takes every execute request already waiting (to
    /// be answered `aborted`); other requests found on the way are kept, in order, to be handled next.
    private func takeQueuedExecuteRequests() -> [JupyterMessage] {
        var queued: [JupyterMessage] = []
        while let frames = try? shell.receive(wait: false) {
            guard let request = try? messenger.codec.decode(frames) else {
                log("shell: dropped a message with a bad signature or format")
                continue
            }
            if request.messageType == "execute_request" { queued.append(request) } else { deferred.append(request) }
        }
        return queued
    }

    /// Reads and drops what is queued on stdin while no input is requested (a late reply to an
    /// abandoned request, or anything a client sends there), so that it cannot pile up: a stdin
    /// socket nobody reads would fill its queue and then stall the sender.
    private func dropStrayInput() {
        for _ in 0..<Self.strayInputBatch {
            guard let frames = try? stdin.receive(wait: false) else { return }
            let what = (try? messenger.codec.decode(frames)).map { "an unrequested \($0.messageType)" }
                ?? "a message with a bad signature or format"
            log("stdin: dropped a message: \(what)")
        }
    }

    /// At most this many stray stdin messages are dropped before the shell socket is looked at again.
    private static let strayInputBatch = 1000

    /// Sends input_request on stdin to the shell request's client and waits for its input_reply.
    private func readInput(prompt: String, password: Bool, for request: JupyterMessage) throws -> String {
        dropStrayInput()  // stale replies to an earlier, abandoned request
        messenger.reply("input_request", content: ["prompt": prompt, "password": password], to: request, on: stdin)
        while true {
            if signals.stop.isSet { throw InputRequestError.kernelShuttingDown }
            if signals.inputInterrupted.isSet { throw InputRequestError.interrupted }
            guard stdin.waitForMessage(timeoutMilliseconds: 100), let answer = messenger.receive(from: stdin) else { continue }
            guard answer.messageType == "input_reply" else {
                log("stdin: unexpected \(answer.messageType) ignored")
                continue
            }
            return answer.content["value"] as? String ?? ""
        }
    }

    private func reply(_ type: String, _ content: JSONObject, to request: JupyterMessage, metadata: JSONObject = [:]) {
        messenger.reply(type, content: content, to: request, on: shell, metadata: metadata)
    }

    private static func json(_ completeness: CompletenessReply) -> JSONObject {
        switch completeness {
        case .complete: ["status": "complete"]
        case .incomplete(let indent): ["status": "incomplete", "indent": indent]
        case .invalid: ["status": "invalid"]
        case .unknown: ["status": "unknown"]
        }
    }
}
