// Layer: tests of the Jupyter front end: the protocol core driven directly with decoded
// requests, answering through an in-memory transport. No sockets, no threads of the server.
import Foundation
import XCTest
@testable import JupyterKernel

final class KernelCoreTests: XCTestCase {
    private var interpreter: TestInterpreter!
    private var transport: InMemoryTransport!
    private var logs: LogRecorder!
    private var core: KernelCore!
    private let client = MessageFactory(session: "test-client")
    private let identity = Data("client-1".utf8)

    override func setUp() {
        interpreter = TestInterpreter()
        transport = InMemoryTransport()
        logs = LogRecorder()
        core = KernelCore(interpreter: interpreter, transport: transport, session: "kernel-session", log: logs.record)
    }

    // MARK: Helpers

    private func makeRequest(_ type: String, _ content: JSONObject = [:]) -> JupyterMessage {
        client.make(type, content: content, parent: nil, identities: [identity])
    }

    /// Handles one request on `channel`; returns its one reply there and its IOPub messages.
    private func exchange(_ type: String, _ content: JSONObject = [:], on channel: KernelChannel = .shell)
        throws -> (request: JupyterMessage, reply: JupyterMessage, iopub: [JupyterMessage]) {
        let request = makeRequest(type, content)
        core.handle(request, on: channel)
        let replies = transport.sent(on: channel, answering: request)
        XCTAssertEqual(replies.count, 1, "one reply to \(type)")
        return (request, try XCTUnwrap(replies.first), transport.published(for: request))
    }

    private func execute(_ code: String, _ extra: JSONObject = [:]) throws -> (reply: JupyterMessage, iopub: [JupyterMessage]) {
        let content = ["code": code, "silent": false, "store_history": true, "allow_stdin": false].merging(extra) { $1 }
        let (_, reply, iopub) = try exchange("execute_request", content)
        return (reply, iopub)
    }

    private func types(_ messages: [JupyterMessage]) -> [String] {
        messages.map { $0.messageType == "status" ? "status:\($0.content["execution_state"] as? String ?? "")" : $0.messageType }
    }

    /// Waits until `condition` holds (another thread is working), failing after `timeout`.
    private func waitUntil(_ what: String, timeout: TimeInterval = 5, _ condition: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition() {
            guard Date() < deadline else { throw TimedOut(what: what) }
            Thread.sleep(forTimeInterval: 0.002)
        }
    }

    /// Runs `request` on shell on a thread of its own; the group is left when it was handled.
    private func handleInBackground(_ request: JupyterMessage) -> DispatchGroup {
        let done = DispatchGroup()
        done.enter()
        Thread { [core] in
            core!.handle(request, on: .shell)
            done.leave()
        }.start()
        return done
    }

    // MARK: kernel_info

    func testKernelInfoOnShellAndControlIsAnsweredOnItsChannelBetweenBusyAndIdle() throws {
        for channel in [KernelChannel.shell, .control] {
            let (request, reply, iopub) = try exchange("kernel_info_request", on: channel)
            XCTAssertEqual(reply.messageType, "kernel_info_reply")
            XCTAssertEqual(reply.identities, [identity], "the reply goes back to the requesting client")
            XCTAssertEqual(reply.parentHeader["msg_id"] as? String, request.messageID)
            XCTAssertEqual(reply.header["version"] as? String, "5.4")
            XCTAssertEqual(reply.header["session"] as? String, "kernel-session")
            XCTAssertEqual(reply.content["protocol_version"] as? String, "5.4")
            XCTAssertEqual(reply.content["implementation"] as? String, "test-kernel")
            XCTAssertEqual((reply.content["language_info"] as? JSONObject)?["file_extension"] as? String, ".tl")
            XCTAssertEqual((reply.content["help_links"] as? [JSONObject])?.first?["url"] as? String, "https://example.org/docs")
            XCTAssertEqual(types(iopub), ["status:busy", "status:idle"])
            XCTAssertEqual(iopub.first?.identities, [Data("status".utf8)], "IOPub topic is the message type")
        }
    }

    func testReplyGoesOutBeforeIdle() throws {
        let (request, _, _) = try exchange("kernel_info_request")
        let order = transport.records.filter { $0.message.parentHeader["msg_id"] as? String == request.messageID }
            .map { $0.isIOPub ? types([$0.message])[0] : "reply" }
        XCTAssertEqual(order, ["status:busy", "reply", "status:idle"])
    }

    // MARK: execute

    func testExecutePublishesInputOutputsAndCountsCells() throws {
        let (reply, iopub) = try execute("print hello")
        XCTAssertEqual(reply.content["status"] as? String, "ok")
        XCTAssertEqual(reply.content["execution_count"] as? Int, 1)
        XCTAssertEqual(reply.metadata["status"] as? String, "ok")
        XCTAssertNotNil(reply.content["user_expressions"] as? JSONObject)
        XCTAssertEqual(types(iopub), ["status:busy", "execute_input", "stream", "status:idle"])
        XCTAssertEqual(iopub[1].content["code"] as? String, "print hello")
        XCTAssertEqual(iopub[1].content["execution_count"] as? Int, 1)
        XCTAssertEqual(iopub[2].content["name"] as? String, "stdout")
        XCTAssertEqual(iopub[2].content["text"] as? String, "hello\n")

        let (resultReply, resultIOPub) = try execute("result 42")
        XCTAssertEqual(resultReply.content["execution_count"] as? Int, 2)
        let result = try XCTUnwrap(resultIOPub.first { $0.messageType == "execute_result" })
        XCTAssertEqual(result.content["execution_count"] as? Int, 2)
        XCTAssertEqual((result.content["data"] as? JSONObject)?["text/plain"] as? String, "42")
    }

    func testDisplayUpdateAndClearOutputsCarryTheirFields() throws {
        let (_, iopub) = try execute("display")
        XCTAssertEqual(types(iopub), ["status:busy", "execute_input", "display_data", "update_display_data", "clear_output", "status:idle"])
        XCTAssertEqual((iopub[2].content["transient"] as? JSONObject)?["display_id"] as? String, "progress")
        XCTAssertEqual((iopub[3].content["transient"] as? JSONObject)?["display_id"] as? String, "progress")
        XCTAssertEqual((iopub[3].content["data"] as? JSONObject)?["text/plain"] as? String, "100%")
        XCTAssertEqual(iopub[4].content["wait"] as? Bool, true)
    }

    func testFailingCellPublishesExactlyOneErrorAndRepliesError() throws {
        let (reply, iopub) = try execute("fail")
        XCTAssertEqual(reply.content["status"] as? String, "error")
        XCTAssertEqual(reply.metadata["status"] as? String, "error")
        XCTAssertEqual(reply.content["ename"] as? String, "TestError")
        XCTAssertEqual(reply.content["evalue"] as? String, "failed on purpose")
        XCTAssertEqual(reply.content["traceback"] as? [String], ["line 1: fail"])
        XCTAssertEqual(types(iopub), ["status:busy", "execute_input", "error", "status:idle"])
    }

    func testExecuteWithoutCodeIsAnError() throws {
        let (_, reply, iopub) = try exchange("execute_request", ["silent": false])
        XCTAssertEqual(reply.content["ename"] as? String, "InvalidRequest")
        XCTAssertEqual(types(iopub), ["status:busy", "error", "status:idle"])
        XCTAssertTrue(interpreter.executedCode.isEmpty)
    }

    func testSilentAndUnstoredRunsDoNotCount() throws {
        XCTAssertEqual(try execute("print a").reply.content["execution_count"] as? Int, 1)
        let silent = try execute("print quiet", ["silent": true])
        XCTAssertEqual(silent.reply.content["execution_count"] as? Int, 1)
        XCTAssertEqual(types(silent.iopub), ["status:busy", "status:idle"], "silent runs broadcast nothing")
        XCTAssertEqual(try execute("fail", ["silent": true]).iopub.filter { $0.messageType == "error" }.count, 0)
        let unstored = try execute("print b", ["store_history": false])
        XCTAssertEqual(unstored.reply.content["execution_count"] as? Int, 1)
        XCTAssertTrue(types(unstored.iopub).contains("stream"))
        XCTAssertEqual(try execute("print c").reply.content["execution_count"] as? Int, 2)
        XCTAssertEqual(interpreter.executedCode, ["print a", "print quiet", "fail", "print b", "print c"])
    }

    func testPagePayloadReachesTheReply() throws {
        let payload = try XCTUnwrap(try execute("page help text").reply.content["payload"] as? [JSONObject])
        XCTAssertEqual(payload.first?["source"] as? String, "page")
        XCTAssertEqual((payload.first?["data"] as? JSONObject)?["text/plain"] as? String, "help text")
    }

    // MARK: stop_on_error

    func testStopOnErrorAbortsExecuteRequestsAlreadyQueuedAndKeepsTheOthers() throws {
        let queued = makeRequest("execute_request", ["code": "print never"])
        let info = makeRequest("kernel_info_request")
        let queuedToo = makeRequest("execute_request", ["code": "print never again"])
        for message in [queued, info, queuedToo] { transport.enqueue(message, on: .shell) }

        let (failing, reply, _) = try exchange("execute_request", ["code": "fail"])
        XCTAssertEqual(reply.content["status"] as? String, "error")
        for aborted in [queued, queuedToo] {
            let replies = transport.sent(on: .shell, answering: aborted)
            XCTAssertEqual(replies.map { $0.content["status"] as? String }, ["aborted"])
            XCTAssertEqual(replies.first?.metadata["status"] as? String, "aborted")
            XCTAssertEqual(types(transport.published(for: aborted)), ["status:busy", "status:idle"])
        }
        XCTAssertEqual(transport.sent(on: .shell, answering: info).map(\.messageType), ["kernel_info_reply"])
        XCTAssertEqual(interpreter.executedCode, ["fail"])
        XCTAssertEqual(transport.waitingCount(on: .shell), 0)

        // Order on the wire: the failed cell's idle, the aborts, then the request kept aside.
        let idles = transport.records.filter { $0.isIOPub && $0.message.content["execution_state"] as? String == "idle" }
            .map { $0.message.parentHeader["msg_id"] as? String ?? "" }
        XCTAssertEqual(idles, [failing, queued, queuedToo, info].map(\.messageID))
    }

    func testWithoutStopOnErrorTheQueueIsLeftAlone() throws {
        transport.enqueue(makeRequest("execute_request", ["code": "print kept"]), on: .shell)
        XCTAssertEqual(try execute("fail", ["stop_on_error": false]).reply.content["status"] as? String, "error")
        XCTAssertEqual(transport.waitingCount(on: .shell), 1)
        XCTAssertEqual(try execute("print after").reply.content["status"] as? String, "ok", "a later cell runs")
    }

    // MARK: interrupt and input

    func testInterruptAndKernelInfoOnControlWhileACellRuns() throws {
        let cell = makeRequest("execute_request", ["code": "sleep 10000"])
        let started = Date()
        let done = handleInBackground(cell)
        try waitUntil("the cell to start") { transport.published(for: cell).contains { $0.messageType == "stream" } }

        let (infoRequest, info, infoIOPub) = try exchange("kernel_info_request", on: .control)
        XCTAssertEqual(info.messageType, "kernel_info_reply")
        XCTAssertEqual(types(infoIOPub), ["status:busy", "status:idle"])
        XCTAssertNil(transport.sent(on: .shell, answering: infoRequest).first, "control requests are answered on control")

        let (_, interrupt, _) = try exchange("interrupt_request", on: .control)
        XCTAssertEqual(interrupt.messageType, "interrupt_reply")
        XCTAssertEqual(interrupt.content["status"] as? String, "ok")
        XCTAssertEqual(done.wait(timeout: .now() + 3), .success)
        XCTAssertEqual(transport.sent(on: .shell, answering: cell).first?.content["ename"] as? String, "Interrupted")
        XCTAssertLessThan(Date().timeIntervalSince(started), 3)
        XCTAssertEqual(interpreter.interruptCount, 1)
    }

    func testInputRequestGoesToStdinAndStaleAnswersAreDropped() throws {
        transport.enqueue(makeRequest("input_reply", ["value": "stale"]), on: .stdin)
        transport.onSend { [transport, client] message, channel in
            guard channel == .stdin, message.messageType == "input_request" else { return }
            transport!.enqueue(client.make("input_reply", content: ["value": "Ada"], parent: message), on: .stdin)
        }
        let (request, reply, iopub) = try exchange("execute_request", ["code": "input Name: ", "allow_stdin": true])
        let prompt = try XCTUnwrap(transport.sent(on: .stdin, answering: request).first)
        XCTAssertEqual(prompt.messageType, "input_request")
        XCTAssertEqual(prompt.content["prompt"] as? String, "Name: ")
        XCTAssertEqual(prompt.content["password"] as? Bool, false)
        XCTAssertEqual(prompt.identities, [identity], "asked of the client of the shell request")
        XCTAssertEqual(reply.content["status"] as? String, "ok")
        XCTAssertEqual(iopub.first { $0.messageType == "stream" }?.content["text"] as? String, "got Ada")
        XCTAssertTrue(logs.lines.contains("stdin: dropped a message: an unrequested input_reply"), "\(logs.lines)")
    }

    func testInputIsRefusedWhenTheRequestDoesNotAllowIt() throws {
        let (reply, _) = try execute("input Name: ", ["allow_stdin": false])
        XCTAssertEqual(reply.content["evalue"] as? String, InputRequestError.stdinNotAllowed.description)
        XCTAssertFalse(transport.records.contains { $0.channel == .stdin })
    }

    func testInterruptEndsAnInputRequest() throws {
        let cell = makeRequest("execute_request", ["code": "input Name: ", "allow_stdin": true])
        let done = handleInBackground(cell)
        try waitUntil("the input request") { transport.records.contains { $0.channel == .stdin } }
        _ = try exchange("interrupt_request", on: .control)
        XCTAssertEqual(done.wait(timeout: .now() + 3), .success)
        XCTAssertEqual(transport.sent(on: .shell, answering: cell).first?.content["evalue"] as? String,
                       InputRequestError.interrupted.description)
    }

    func testStopServingEndsAnInputRequestAndDropsQueuedRequests() throws {
        let cell = makeRequest("execute_request", ["code": "input Name: ", "allow_stdin": true])
        let done = handleInBackground(cell)
        try waitUntil("the input request") { transport.records.contains { $0.channel == .stdin } }
        core.stopServing()
        XCTAssertEqual(done.wait(timeout: .now() + 3), .success)
        XCTAssertEqual(transport.sent(on: .shell, answering: cell).first?.content["evalue"] as? String,
                       InputRequestError.kernelShuttingDown.description)
        let late = makeRequest("kernel_info_request")
        core.handle(late, on: .shell)
        XCTAssertTrue(transport.sent(on: .shell, answering: late).isEmpty, "nothing is handled once stopping")
    }

    // MARK: shutdown

    func testShutdownOnEitherChannelIsRecordedOnlyAfterIdle() throws {
        for (channel, restart) in [(KernelChannel.control, true), (.shell, false)] {
            setUp()
            var requestedAtIdle: [Bool?] = []
            transport.onPublish { [core] message in
                if message.content["execution_state"] as? String == "idle" { requestedAtIdle.append(core!.requestedShutdown) }
            }
            let (_, reply, iopub) = try exchange("shutdown_request", ["restart": restart], on: channel)
            XCTAssertEqual(reply.messageType, "shutdown_reply")
            XCTAssertEqual(reply.content["restart"] as? Bool, restart)
            XCTAssertEqual(types(iopub), ["status:busy", "status:idle"])
            XCTAssertEqual(requestedAtIdle, [nil], "the shutdown is acted on after idle went out")
            XCTAssertEqual(core.requestedShutdown, restart)
            XCTAssertEqual(core.waitForShutdown(), restart)
        }
    }

    func testOnlyTheFirstShutdownRequestCounts() throws {
        _ = try exchange("shutdown_request", ["restart": true], on: .control)
        _ = try exchange("shutdown_request", ["restart": false], on: .shell)
        XCTAssertEqual(core.waitForShutdown(), true)
    }

    // MARK: history, completion, inspection

    func testHistoryTailRangeAndSearch() throws {
        for code in ["print 1", "result 2", "print 1", "print 3"] { _ = try execute(code) }
        _ = try execute("print unstored", ["store_history": false])
        func history(_ content: JSONObject) throws -> [[Any]] {
            let (_, reply, _) = try exchange("history_request", content)
            XCTAssertEqual(reply.content["status"] as? String, "ok")
            return try XCTUnwrap(reply.content["history"] as? [[Any]])
        }
        let tail = try history(["hist_access_type": "tail", "n": 2, "output": false, "raw": true])
        XCTAssertEqual(tail.map { $0[2] as? String }, ["print 1", "print 3"])
        XCTAssertEqual(tail.map { $0[1] as? Int }, [3, 4])
        let session = try XCTUnwrap(tail.first?[0] as? Int)
        let range = try history(["hist_access_type": "range", "session": session, "start": 2, "stop": 3, "output": true])
        let pair = try XCTUnwrap(range.first?[2] as? [Any])
        XCTAssertEqual(pair.first as? String, "result 2")
        XCTAssertEqual(pair.last as? String, "2", "the execute_result is the history output")
        XCTAssertEqual(try history(["hist_access_type": "search", "pattern": "print*", "unique": true]).map { $0[2] as? String },
                       ["print 1", "print 3"])
    }

    func testIsCompleteCompleteAndInspect() throws {
        let statuses = try ["print a", "print a \\", "12 x", "?print"].map { code in
            let reply = try exchange("is_complete_request", ["code": code]).reply
            return (reply.content["status"] as? String ?? "", reply.content["indent"] as? String)
        }
        XCTAssertEqual(statuses.map(\.0), ["complete", "incomplete", "invalid", "unknown"])
        XCTAssertEqual(statuses[1].1, "  ")

        let completion = try exchange("complete_request", ["code": "x p", "cursor_pos": 3]).reply
        XCTAssertEqual(completion.content["status"] as? String, "ok")
        XCTAssertEqual(completion.content["matches"] as? [String], ["print", "page", "pause"])
        XCTAssertEqual(completion.content["cursor_start"] as? Int, 2)
        XCTAssertEqual(completion.content["cursor_end"] as? Int, 3)
        let atEnd = try exchange("complete_request", ["code": "x pr"]).reply
        XCTAssertEqual(atEnd.content["cursor_end"] as? Int, 4, "no cursor_pos means the end of the code")

        let found = try exchange("inspect_request", ["code": "print", "cursor_pos": 2, "detail_level": 1]).reply
        XCTAssertEqual(found.content["found"] as? Bool, true)
        XCTAssertEqual((found.content["data"] as? JSONObject)?["text/plain"] as? String, "print TEXT: writes TEXT")
        let brief = try exchange("inspect_request", ["code": "print", "cursor_pos": 2]).reply
        XCTAssertEqual((brief.content["data"] as? JSONObject)?["text/plain"] as? String, "print TEXT")
        XCTAssertEqual(try exchange("inspect_request", ["code": "zzz", "cursor_pos": 1]).reply.content["found"] as? Bool, false)
    }

    // MARK: comms and unknown requests

    func testCommInfoIsEmptyAndUnknownCommTargetIsClosed() throws {
        XCTAssertEqual((try exchange("comm_info_request").reply.content["comms"] as? JSONObject)?.count, 0)
        let open = makeRequest("comm_open", ["comm_id": "c-1", "target_name": "nobody", "data": JSONObject()])
        core.handle(open, on: .shell)
        let iopub = transport.published(for: open)
        XCTAssertEqual(types(iopub), ["status:busy", "comm_close", "status:idle"])
        XCTAssertEqual(iopub[1].content["comm_id"] as? String, "c-1")
        XCTAssertTrue(transport.sent(on: .shell, answering: open).isEmpty)
    }

    func testUnknownTypesAndRequestsOnTheWrongChannelAreLoggedAndIgnored() throws {
        for (type, channel) in [("bogus_request", KernelChannel.shell), ("execute_request", .control), ("interrupt_request", .shell)] {
            let request = makeRequest(type, ["code": "print no"])
            core.handle(request, on: channel)
            XCTAssertEqual(types(transport.published(for: request)), ["status:busy", "status:idle"])
            XCTAssertTrue(transport.sent(on: channel, answering: request).isEmpty, type)
            XCTAssertTrue(logs.lines.contains("\(channel): unknown message type \"\(type)\" ignored"), "\(logs.lines)")
        }
        XCTAssertTrue(interpreter.executedCode.isEmpty)
        XCTAssertEqual(interpreter.interruptCount, 0)
    }

    func testEveryHandledTypeIsAnsweredOnTheChannelsTheSpecNames() {
        let byChannel = { (channel: KernelChannel) in
            Set(KernelCore.handlers.filter { $0.value.channels.contains(channel) }.keys)
        }
        XCTAssertEqual(byChannel(.control), ["kernel_info_request", "shutdown_request", "interrupt_request"])
        XCTAssertTrue(byChannel(.stdin).isEmpty, "stdin carries no requests")
        XCTAssertTrue(byChannel(.shell).isSuperset(of: ["execute_request", "kernel_info_request", "shutdown_request",
                                                        "complete_request", "inspect_request", "history_request",
                                                        "is_complete_request", "comm_info_request"]))
    }
}
