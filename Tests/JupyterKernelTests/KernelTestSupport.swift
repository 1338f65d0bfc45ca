// Layer: tests of the Jupyter front end. A small line-command test interpreter and a libzmq
// client (DEALER shell/control/stdin, SUB IOPub, REQ heartbeat) talking to a real KernelServer.
import CZMQ
import Foundation
import XCTest
@testable import JupyterKernel

/// A test double language: each cell is one command word followed by an argument.
final class TestInterpreter: KernelInterpreter {
    private let lock = NSLock()
    private var interruptRequested = false
    private var interruptCalls = 0
    private var ranCode: [String] = []

    var interruptCount: Int { lock.withLock { interruptCalls } }
    var executedCode: [String] { lock.withLock { ranCode } }

    let kernelInfo = KernelInfo(
        implementation: "test-kernel", implementationVersion: "0.1", banner: "Test kernel",
        helpLinks: [HelpLink(text: "Docs", url: "https://example.org/docs")],
        languageInfo: LanguageInfo(name: "testlang", version: "1.0", mimetype: "text/x-testlang", fileExtension: ".tl",
                                   pygmentsLexer: "text", codemirrorMode: "null"))

    func execute(code: String, context: ExecutionContext) -> ExecutionOutcome {
        lock.withLock {
            ranCode.append(code)
            interruptRequested = false
        }
        let (command, argument) = Self.split(code)
        switch command {
        case "print":
            context.stream(.stdout, text: argument + "\n")
        case "warn":
            context.stream(.stderr, text: argument + "\n")
        case "result":
            context.executeResult(data: ["text/plain": argument])
        case "display":
            context.display(data: ["text/plain": "0%"], displayID: "progress")
            context.updateDisplay(data: ["text/plain": "100%"], displayID: "progress")
            context.clearOutput(wait: true)
        case "page":
            return .ok(payload: [.page(data: ["text/plain": argument])])
        case "fail":
            if let delay = Int(argument) { Thread.sleep(forTimeInterval: Double(delay) / 1000) }
            return .error(name: "TestError", value: "failed on purpose", traceback: ["line 1: fail"])
        case "sleep":
            // Tells the test the cell is running, so an interrupt sent now cannot arrive too early.
            context.stream(.stdout, text: "sleeping\n")
            let deadline = Date().addingTimeInterval(Double(Int(argument) ?? 0) / 1000)
            while Date() < deadline {
                if lock.withLock({ interruptRequested }) {
                    return .error(name: "Interrupted", value: "interrupted by the user", traceback: [])
                }
                Thread.sleep(forTimeInterval: 0.005)
            }
        case "input":
            do {
                let answer = try context.requestInput(prompt: argument, password: false)
                context.stream(.stdout, text: "got \(answer)")
            } catch {
                return .error(name: "InputError", value: "\(error)", traceback: [])
            }
        default:
            break
        }
        return .ok()
    }

    func complete(code: String, cursor: Int) -> CompletionReply {
        let prefix = String(String.UnicodeScalarView(code.unicodeScalars.prefix(cursor)))
        let wordStart = prefix.unicodeScalars.count - (prefix.split(separator: " ", omittingEmptySubsequences: false).last?.unicodeScalars.count ?? 0)
        let word = String(String.UnicodeScalarView(prefix.unicodeScalars.dropFirst(wordStart)))
        let matches = ["print", "page", "pause", "result"].filter { $0.hasPrefix(word) }
        return CompletionReply(matches: matches, cursorStart: wordStart, cursorEnd: cursor)
    }

    func inspect(code: String, cursor: Int, detailLevel: Int) -> InspectionReply {
        guard code.hasPrefix("print") else { return .notFound }
        return InspectionReply(found: true, data: ["text/plain": detailLevel == 0 ? "print TEXT" : "print TEXT: writes TEXT"])
    }

    func isComplete(code: String) -> CompletenessReply {
        if code.hasSuffix("\\") { return .incomplete(indent: "  ") }
        if code.hasPrefix("?") { return .unknown }
        return Self.split(code).command.allSatisfy(\.isLetter) ? .complete : .invalid
    }

    func interrupt() {
        lock.withLock {
            interruptRequested = true
            interruptCalls += 1
        }
    }

    private static func split(_ code: String) -> (command: String, argument: String) {
        let parts = code.split(separator: " ", maxSplits: 1)
        return (parts.first.map(String.init) ?? "", parts.count > 1 ? String(parts[1]) : "")
    }
}

/// A value shared between the server's thread and the test.
final class LockedValue<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

/// Collects log lines from the server's threads.
final class LogRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [String] = []
    var lines: [String] { lock.withLock { recorded } }
    func record(_ line: String) { lock.withLock { recorded.append(line) } }
}

struct TimedOut: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting for \(what)" }
}

/// A KernelServer running on a background thread plus a connected client.
/// A test case with a fresh `KernelHarness` (a real KernelServer on loopback) per test.
class KernelHarnessTestCase: XCTestCase {
    var harness: KernelHarness!
    var client: TestClient { harness.client }

    override func setUpWithError() throws {
        harness = try KernelHarness()
    }

    override func tearDown() {
        harness.stop()
        harness = nil
    }
}

final class KernelHarness {
    let interpreter = TestInterpreter()
    let logs = LogRecorder()
    let server: KernelServer
    let client: TestClient
    private let finished = DispatchGroup()
    private let restartResult = LockedValue<Bool?>(nil)

    init(key: String = "test-secret", handlesInterruptSignal: Bool = false) throws {
        let connection = try ConnectionInfo(key: key)
        server = try KernelServer(connection: connection, interpreter: interpreter, logger: logs.record)
        server.handlesInterruptSignal = handlesInterruptSignal
        finished.enter()
        let thread = Thread { [server, finished, restartResult] in
            restartResult.value = try? server.run()
            finished.leave()
        }
        thread.start()
        client = try TestClient(connection: server.connection)
        _ = try client.waitForIOPub(type: "iopub_welcome")
    }

    /// Waits for run() to return; nil on timeout.
    func waitForRun(timeout: TimeInterval) -> Bool? {
        guard finished.wait(timeout: .now() + timeout) == .success else { return nil }
        return restartResult.value
    }

    /// Shuts the server down (if a test did not) and closes the client.
    func stop() {
        if finished.wait(timeout: .now()) != .success {
            _ = try? client.request("shutdown_request", content: ["restart": false], on: client.control)
            _ = finished.wait(timeout: .now() + 5)
        }
        client.close()
    }
}

/// A Jupyter client made of raw libzmq sockets, signing with the same key as the server.
final class TestClient {
    let context: ZMQContext
    let shell, control, stdin, iopub, heartbeat: ZMQSocket
    let codec: WireCodec
    let factory = MessageFactory(session: "test-client")
    /// IOPub messages read while looking for something else, kept for later lookups.
    private var iopubBacklog: [JupyterMessage] = []

    init(connection: ConnectionInfo) throws {
        let context = try ZMQContext()
        self.context = context
        codec = WireCodec(key: connection.key)
        let identity = Data("client-\(UUID().uuidString)".utf8)
        func socket(_ type: Int32, _ name: String, _ port: Int) throws -> ZMQSocket {
            let socket = try ZMQSocket(context: context, type: type, name: name)
            try socket.setLinger(milliseconds: 0)
            if type == ZMQ_DEALER { try socket.setOption(ZMQ_ROUTING_ID, bytes: identity) }
            if type == ZMQ_SUB { try socket.setOption(ZMQ_SUBSCRIBE, bytes: Data()) }
            try socket.connect("tcp://127.0.0.1:\(port)")
            return socket
        }
        shell = try socket(ZMQ_DEALER, "client shell", connection.shellPort)
        control = try socket(ZMQ_DEALER, "client control", connection.controlPort)
        stdin = try socket(ZMQ_DEALER, "client stdin", connection.stdinPort)
        iopub = try socket(ZMQ_SUB, "client iopub", connection.iopubPort)
        heartbeat = try socket(ZMQ_REQ, "client heartbeat", connection.heartbeatPort)
    }

    /// Sends a request and returns it (its header's msg_id identifies the answers).
    @discardableResult
    func send(_ type: String, content: JSONObject = [:], on socket: ZMQSocket) throws -> JupyterMessage {
        let message = factory.make(type, content: content, parent: nil)
        try socket.send(codec.encode(message))
        return message
    }

    /// Sends a request and waits for the reply to it on the same socket.
    func request(_ type: String, content: JSONObject = [:], on socket: ZMQSocket,
                 timeout: TimeInterval = 5) throws -> (request: JupyterMessage, reply: JupyterMessage) {
        let request = try send(type, content: content, on: socket)
        return (request, try receive(on: socket, timeout: timeout))
    }

    func receive(on socket: ZMQSocket, timeout: TimeInterval = 5) throws -> JupyterMessage {
        guard socket.waitForMessage(timeoutMilliseconds: Int(timeout * 1000)), let frames = try socket.receive(wait: false) else {
            throw TimedOut(what: "a message on \(socket.name)")
        }
        return try codec.decode(frames)
    }

    /// Whether anything arrives on `socket` within `timeout`.
    func hasMessage(on socket: ZMQSocket, within timeout: TimeInterval) -> Bool {
        socket.waitForMessage(timeoutMilliseconds: Int(timeout * 1000))
    }

    /// The first IOPub message of `type` (optionally with the given parent), from the backlog or the socket.
    func waitForIOPub(type: String, parent: JupyterMessage? = nil, timeout: TimeInterval = 5) throws -> JupyterMessage {
        func matches(_ message: JupyterMessage) -> Bool {
            message.messageType == type && (parent == nil || message.parentHeader["msg_id"] as? String == parent?.messageID)
        }
        if let index = iopubBacklog.firstIndex(where: matches) { return iopubBacklog.remove(at: index) }
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            guard let message = try? receive(on: iopub, timeout: deadline.timeIntervalSinceNow) else { break }
            if matches(message) { return message }
            iopubBacklog.append(message)
        }
        throw TimedOut(what: "IOPub \(type)")
    }

    /// Every IOPub message whose parent is `request`, from its `busy` through its `idle`.
    func iopubMessages(for request: JupyterMessage, timeout: TimeInterval = 5) throws -> [JupyterMessage] {
        let isChild = { (message: JupyterMessage) in message.parentHeader["msg_id"] as? String == request.messageID }
        var collected = iopubBacklog.filter(isChild)
        iopubBacklog.removeAll(where: isChild)
        let deadline = Date().addingTimeInterval(timeout)
        while !collected.contains(where: { $0.messageType == "status" && $0.content["execution_state"] as? String == "idle" }) {
            guard Date() < deadline else { throw TimedOut(what: "idle for \(request.messageType)") }
            let message = try receive(on: iopub, timeout: deadline.timeIntervalSinceNow)
            if isChild(message) { collected.append(message) } else { iopubBacklog.append(message) }
        }
        return collected
    }

    func close() {
        for socket in [shell, control, stdin, iopub, heartbeat] { socket.close() }
        context.terminate()
    }
}
