// Layer: Jupyter front end. May use Foundation only; knows nothing of R-DC, tensors or ZeroMQ.
// The protocol core, in the style of xeus's xkernel_core: one table from request type to
// handler, shared by shell and control. It takes decoded requests and answers through a
// `KernelTransport`, so the whole protocol can be tested without a socket.
import Foundation

/// Answers Jupyter requests for one `KernelInterpreter`: status around every request, replies,
/// IOPub outputs, the execution count, history, stop-on-error aborts, input requests,
/// interrupts and shutdown.
///
/// Threads: `handle(_:on:)` is called with shell requests on one thread and with control
/// requests on another, so control is answered while a cell runs. The execution count and the
/// history are touched by shell handlers only; what both threads share is locked.
/// `interrupt()` and `stopServing()` may be called from any thread.
final class KernelCore {
    /// A decoded request and the channel it came on.
    struct Request {
        let message: JupyterMessage
        let channel: KernelChannel
        var content: JSONObject { message.content }
    }

    /// What happens once a request's `idle` status is out.
    enum AfterIdle {
        case nothing
        /// After a failed cell with stop_on_error: `queued` execute requests are answered
        /// `aborted`, then `others` (read off the channel on the way) are handled in order.
        case abort(queued: [JupyterMessage], others: [JupyterMessage])
        /// A shutdown was asked for; `waitForShutdown()` returns.
        case shutdown(restart: Bool)
    }

    /// One entry of the handler table: the channels a request type is answered on, and how.
    struct Handler {
        let channels: Set<KernelChannel>
        let handle: (KernelCore) -> (Request) -> AfterIdle

        init(on channels: Set<KernelChannel>, _ handle: @escaping (KernelCore) -> (Request) -> AfterIdle) {
            self.channels = channels
            self.handle = handle
        }
    }

    /// Every request the kernel answers. A type missing here, or arriving on a channel its entry
    /// does not list, is logged and ignored (still wrapped in busy/idle).
    static let handlers: [String: Handler] = [
        "kernel_info_request": Handler(on: [.shell, .control], KernelCore.replyKernelInfo),
        "shutdown_request": Handler(on: [.shell, .control], KernelCore.shutDown),
        "interrupt_request": Handler(on: [.control], KernelCore.interruptCell),
        "execute_request": Handler(on: [.shell], KernelCore.execute),
        "is_complete_request": Handler(on: [.shell], KernelCore.replyIsComplete),
        "complete_request": Handler(on: [.shell], KernelCore.replyComplete),
        "inspect_request": Handler(on: [.shell], KernelCore.replyInspect),
        "history_request": Handler(on: [.shell], KernelCore.replyHistory),
        "comm_info_request": Handler(on: [.shell], KernelCore.replyCommInfo),
        "comm_open": Handler(on: [.shell], KernelCore.closeUnknownComm),
        "comm_msg": Handler(on: [.shell], KernelCore.ignoreCommMessage),
        "comm_close": Handler(on: [.shell], KernelCore.ignoreCommMessage),
    ]

    /// At most this many stray stdin messages are dropped at a time, so the shell thread gets
    /// back to its requests even while a client floods stdin.
    static let strayInputBatch = 1000

    private let interpreter: KernelInterpreter
    private let transport: KernelTransport
    private let log: (String) -> Void
    private let kernelInfoContent: JSONObject
    /// One per request thread: date formatters are not shared between threads. Stdin messages
    /// are made by the shell thread, with the shell's factory.
    private let shellFactory: MessageFactory
    private let controlFactory: MessageFactory

    // Used by the shell thread only.
    private var executionCount = 0
    private var history = ExecutionHistory()

    // Shared between threads.
    /// Set by an interrupt; an input request in progress gives up. Cleared when a cell starts.
    private let inputInterrupted = SharedFlag()
    /// Set while the interpreter's `execute` runs.
    private let cellRunning = SharedFlag()
    /// Set by `stopServing()`: queued work is dropped, an input request gives up.
    private let stopping = SharedFlag()
    private let shutdownLatch = ShutdownLatch()

    /// A core answering for `interpreter` through `transport`; `session` goes into every header
    /// sent. `log` gets one line per notable event and may be called from several threads.
    init(interpreter: KernelInterpreter, transport: KernelTransport, session: String, log: @escaping (String) -> Void) {
        self.interpreter = interpreter
        self.transport = transport
        self.log = log
        self.kernelInfoContent = interpreter.kernelInfo.replyContent
        self.shellFactory = MessageFactory(session: session)
        self.controlFactory = MessageFactory(session: session)
    }

    // MARK: Driving the core

    /// Handles one decoded request that came on `channel` (shell or control): `busy`, the
    /// handler's replies and outputs, `idle`; then whatever the handler left for after idle.
    func handle(_ message: JupyterMessage, on channel: KernelChannel) {
        var pending = [message]
        while !pending.isEmpty, !stopping.isSet {
            let request = Request(message: pending.removeFirst(), channel: channel)
            var afterIdle = AfterIdle.nothing
            whileBusy(with: request) {
                let type = request.message.messageType
                guard let handler = Self.handlers[type], handler.channels.contains(channel) else {
                    log("\(channel): unknown message type \"\(type)\" ignored")
                    return
                }
                afterIdle = handler.handle(self)(request)
            }
            switch afterIdle {
            case .nothing:
                break
            case .shutdown(let restart):
                // Only after idle went out: the server then stops every thread.
                shutdownLatch.request(restart: restart)
            case .abort(let queued, let others):
                for message in queued {
                    let aborted = Request(message: message, channel: channel)
                    whileBusy(with: aborted) {
                        reply("execute_reply", ["status": "aborted"], to: aborted, metadata: ["status": "aborted"])
                    }
                }
                pending.append(contentsOf: others)
            }
        }
    }

    /// Reads and drops what waits on stdin while no input is requested (a late reply to an
    /// abandoned request, or anything a client sends there). Call it from the shell thread.
    func discardUnrequestedInput() {
        for message in transport.takeWaitingMessages(on: .stdin, limit: Self.strayInputBatch) {
            log("stdin: dropped a message: an unrequested \(message.messageType)")
        }
    }

    /// Interrupts the running cell (an `interrupt_request`, or SIGINT): an input request gives
    /// up and the interpreter stops at its next check. Any thread; returns at once.
    func interrupt() {
        inputInterrupted.set()
        interpreter.interrupt()
    }

    /// Blocks until a shutdown request was answered; returns whether it asked for a restart.
    func waitForShutdown() -> Bool { shutdownLatch.wait() }

    /// The `restart` flag of the first shutdown request answered, nil before one.
    var requestedShutdown: Bool? { shutdownLatch.restart }

    /// Winds down: requests still queued are not handled, an input request gives up and a
    /// running cell is interrupted. Any thread.
    func stopServing() {
        stopping.set()
        if cellRunning.isSet { interpreter.interrupt() }
    }

    // MARK: Handlers for every channel

    private func replyKernelInfo(_ request: Request) -> AfterIdle {
        reply("kernel_info_reply", kernelInfoContent, to: request)
        return .nothing
    }

    private func shutDown(_ request: Request) -> AfterIdle {
        let restart = request.content["restart"] as? Bool ?? false
        reply("shutdown_reply", ["status": "ok", "restart": restart], to: request)
        return .shutdown(restart: restart)
    }

    private func interruptCell(_ request: Request) -> AfterIdle {
        interrupt()
        reply("interrupt_reply", ["status": "ok"], to: request)
        return .nothing
    }

    // MARK: Shell handlers

    private func execute(_ request: Request) -> AfterIdle {
        guard run(request) else { return .nothing }
        // Taken before this request's idle: a client that waits for idle before sending its
        // next cell must not find that cell aborted.
        let waiting = transport.takeWaitingMessages(on: request.channel, limit: .max)
        return .abort(queued: waiting.filter { $0.messageType == "execute_request" },
                      others: waiting.filter { $0.messageType != "execute_request" })
    }

    private func replyIsComplete(_ request: Request) -> AfterIdle {
        let completeness = interpreter.isComplete(code: request.content["code"] as? String ?? "")
        let content: JSONObject = switch completeness {
        case .complete: ["status": "complete"]
        case .incomplete(let indent): ["status": "incomplete", "indent": indent]
        case .invalid: ["status": "invalid"]
        case .unknown: ["status": "unknown"]
        }
        reply("is_complete_reply", content, to: request)
        return .nothing
    }

    private func replyComplete(_ request: Request) -> AfterIdle {
        let code = request.content["code"] as? String ?? ""
        let cursor = request.content["cursor_pos"] as? Int ?? code.unicodeScalars.count
        let completion = interpreter.complete(code: code, cursor: cursor)
        reply("complete_reply", ["status": "ok", "matches": completion.matches, "cursor_start": completion.cursorStart,
                                 "cursor_end": completion.cursorEnd, "metadata": completion.metadata], to: request)
        return .nothing
    }

    private func replyInspect(_ request: Request) -> AfterIdle {
        let code = request.content["code"] as? String ?? ""
        let inspection = interpreter.inspect(code: code, cursor: request.content["cursor_pos"] as? Int ?? code.unicodeScalars.count,
                                             detailLevel: request.content["detail_level"] as? Int ?? 0)
        reply("inspect_reply", ["status": "ok", "found": inspection.found, "data": inspection.data,
                                "metadata": inspection.metadata], to: request)
        return .nothing
    }

    private func replyHistory(_ request: Request) -> AfterIdle {
        reply("history_reply", ["status": "ok", "history": history.rows(for: request.content)], to: request)
        return .nothing
    }

    private func replyCommInfo(_ request: Request) -> AfterIdle {
        reply("comm_info_reply", ["status": "ok", "comms": JSONObject()], to: request)
        return .nothing
    }

    private func closeUnknownComm(_ request: Request) -> AfterIdle {
        // No comm targets exist, so the spec's answer is to close the comm at once.
        log("\(request.channel): no comm target \"\(request.content["target_name"] as? String ?? "")\"; closing the comm")
        publish("comm_close", ["comm_id": request.content["comm_id"] ?? "", "data": JSONObject()], parent: request)
        return .nothing
    }

    private func ignoreCommMessage(_ request: Request) -> AfterIdle {
        log("\(request.channel): \(request.message.messageType) for unknown comm ignored")
        return .nothing
    }

    // MARK: Running a cell

    /// Runs one cell; returns true when it failed and asked for queued cells to be aborted.
    private func run(_ request: Request) -> Bool {
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
        if !silent { publish("execute_input", ["code": code, "execution_count": executionCount], parent: request) }
        let context = ExecutionContext(
            executionCount: executionCount, allowsInput: content["allow_stdin"] as? Bool ?? false, isSilent: silent,
            publish: { [unowned self] type, content in publish(type, content, parent: request) },
            readInput: { [unowned self] prompt, password in try readInput(prompt: prompt, password: password, for: request) })
        inputInterrupted.clear()
        cellRunning.set()
        let outcome = interpreter.execute(code: code, context: context)
        cellRunning.clear()
        if storeHistory { history.append(line: executionCount, input: code, output: context.resultText) }
        finish(request, outcome: outcome, silent: silent)
        if case .error = outcome { return stopOnError }
        return false
    }

    private func finish(_ request: Request, outcome: ExecutionOutcome, silent: Bool) {
        switch outcome {
        case .ok(let payload):
            reply("execute_reply", ["status": "ok", "execution_count": executionCount, "payload": payload.map(\.json),
                                    "user_expressions": JSONObject()], to: request, metadata: ["status": "ok"])
        case .error(let name, let value, let traceback):
            let error: JSONObject = ["ename": name, "evalue": value, "traceback": traceback]
            if !silent { publish("error", error, parent: request) }
            reply("execute_reply", error.merging(["status": "error", "execution_count": executionCount]) { $1 },
                  to: request, metadata: ["status": "error"])
        }
    }

    /// Sends input_request on stdin to the shell request's client and waits for its input_reply.
    private func readInput(prompt: String, password: Bool, for request: Request) throws -> String {
        discardUnrequestedInput()  // stale replies to an earlier, abandoned request
        let inputRequest = shellFactory.make("input_request", content: ["prompt": prompt, "password": password],
                                             parent: request.message, identities: request.message.identities)
        transport.send(inputRequest, on: .stdin)
        while true {
            if stopping.isSet { throw InputRequestError.kernelShuttingDown }
            if inputInterrupted.isSet { throw InputRequestError.interrupted }
            guard let answer = transport.receive(on: .stdin, timeoutMilliseconds: 100) else { continue }
            guard answer.messageType == "input_reply" else {
                log("stdin: unexpected \(answer.messageType) ignored")
                continue
            }
            return answer.content["value"] as? String ?? ""
        }
    }

    // MARK: Sending

    private func factory(for channel: KernelChannel) -> MessageFactory {
        channel == .control ? controlFactory : shellFactory
    }

    /// Publishes `busy`, runs `body`, then `idle`: clients wait for `idle` after the reply.
    private func whileBusy(with request: Request, _ body: () -> Void) {
        publish("status", ["execution_state": "busy"], parent: request)
        body()
        publish("status", ["execution_state": "idle"], parent: request)
    }

    /// Sends `type` back to the client of `request`, on the channel it came on.
    private func reply(_ type: String, _ content: JSONObject, to request: Request, metadata: JSONObject = [:]) {
        let message = factory(for: request.channel).make(type, content: content, parent: request.message, metadata: metadata,
                                                         identities: request.message.identities)
        transport.send(message, on: request.channel)
    }

    /// Publishes on IOPub with `request` as parent and the message type as topic.
    private func publish(_ type: String, _ content: JSONObject, parent request: Request) {
        let message = factory(for: request.channel).make(type, content: content, parent: request.message,
                                                         identities: [Data(type.utf8)])
        transport.publish(message, from: request.channel)
    }
}
