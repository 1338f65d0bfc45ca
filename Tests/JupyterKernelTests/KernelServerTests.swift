// Layer: tests of the Jupyter front end. Integration tests: a real KernelServer on loopback,
// driven by libzmq clients (sockets, threads, signatures). The protocol itself is unit-tested
// without sockets in KernelCoreTests.
import CZMQ
import Foundation
import XCTest
@testable import JupyterKernel

final class KernelServerTests: KernelHarnessTestCase {
    private func types(_ messages: [JupyterMessage]) -> [String] {
        messages.map { $0.messageType == "status" ? "status:\($0.content["execution_state"] as? String ?? "")" : $0.messageType }
    }

    private func execute(_ code: String, _ extra: JSONObject = [:]) throws -> (reply: JupyterMessage, iopub: [JupyterMessage]) {
        let content = ["code": code, "silent": false, "store_history": true, "allow_stdin": false].merging(extra) { $1 }
        let (request, reply) = try client.request("execute_request", content: content, on: client.shell)
        return (reply, try client.iopubMessages(for: request))
    }

    func testKernelInfoOnShellAndControlIsWrappedInBusyAndIdle() throws {
        for socket in [client.shell, client.control] {
            let (request, reply) = try client.request("kernel_info_request", on: socket)
            XCTAssertEqual(reply.messageType, "kernel_info_reply")
            XCTAssertEqual(reply.content["protocol_version"] as? String, "5.4")
            XCTAssertEqual(reply.content["implementation"] as? String, "test-kernel")
            let language = try XCTUnwrap(reply.content["language_info"] as? JSONObject)
            XCTAssertEqual(language["file_extension"] as? String, ".tl")
            XCTAssertEqual((reply.content["help_links"] as? [JSONObject])?.first?["url"] as? String, "https://example.org/docs")
            XCTAssertEqual(types(try client.iopubMessages(for: request)), ["status:busy", "status:idle"])
        }
    }

    func testRepliesCarryAFreshHeaderAndTheRequestAsParent() throws {
        let (request, first) = try client.request("kernel_info_request", on: client.shell)
        let (_, second) = try client.request("kernel_info_request", on: client.shell)
        XCTAssertEqual(first.header["version"] as? String, "5.4")
        XCTAssertEqual(first.parentHeader["msg_id"] as? String, request.messageID)
        XCTAssertNotEqual(first.messageID, second.messageID)
        let date = try XCTUnwrap(first.header["date"] as? String)
        XCTAssertTrue(date.hasSuffix("Z") || date.range(of: #"[+-]\d\d:\d\d$"#, options: .regularExpression) != nil, date)
        XCTAssertNotNil(ISO8601DateFormatter().date(from: date.replacingOccurrences(of: #"\.\d+"#, with: "", options: .regularExpression)))
    }

    func testMessageWithWrongSignatureIsDroppedAndTheNextIsAnswered() throws {
        var forged = client.factory.make("kernel_info_request", content: [:], parent: nil)
        forged.metadata = ["forged": true]
        var frames = client.codec.encode(forged)
        frames[1] = Data(String(repeating: "0", count: 64).utf8)
        try client.shell.send(frames)
        XCTAssertFalse(client.hasMessage(on: client.shell, within: 0.3), "a forged request must not be answered")
        let (request, reply) = try client.request("kernel_info_request", on: client.shell)
        XCTAssertEqual(reply.parentHeader["msg_id"] as? String, request.messageID)
        XCTAssertTrue(harness.logs.lines.contains { $0.contains("signature") }, "\(harness.logs.lines)")
    }

    func testExecutePublishesInputOutputsAndReplyBeforeIdle() throws {
        let (reply, iopub) = try execute("print hello")
        XCTAssertEqual(reply.content["status"] as? String, "ok")
        XCTAssertEqual(reply.content["execution_count"] as? Int, 1)
        XCTAssertNotNil(reply.content["user_expressions"] as? JSONObject)
        XCTAssertEqual(types(iopub), ["status:busy", "execute_input", "stream", "status:idle"])
        XCTAssertEqual(iopub[1].content["code"] as? String, "print hello")
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
        XCTAssertEqual((iopub[3].content["data"] as? JSONObject)?["text/plain"] as? String, "100%")
        XCTAssertEqual(iopub[4].content["wait"] as? Bool, true)
    }

    func testFailingCellPublishesExactlyOneErrorAndRepliesError() throws {
        let (reply, iopub) = try execute("fail")
        XCTAssertEqual(reply.content["status"] as? String, "error")
        XCTAssertEqual(reply.content["ename"] as? String, "TestError")
        XCTAssertEqual(reply.content["traceback"] as? [String], ["line 1: fail"])
        XCTAssertEqual(iopub.filter { $0.messageType == "error" }.count, 1)
        XCTAssertEqual(iopub.first { $0.messageType == "error" }?.content["evalue"] as? String, "failed on purpose")
    }

    func testSilentAndUnstoredRunsDoNotCount() throws {
        XCTAssertEqual(try execute("print a").reply.content["execution_count"] as? Int, 1)
        let silent = try execute("print quiet", ["silent": true])
        XCTAssertEqual(silent.reply.content["execution_count"] as? Int, 1)
        XCTAssertEqual(types(silent.iopub), ["status:busy", "status:idle"], "silent runs broadcast nothing")
        let unstored = try execute("print b", ["store_history": false])
        XCTAssertEqual(unstored.reply.content["execution_count"] as? Int, 1)
        XCTAssertTrue(types(unstored.iopub).contains("stream"))
        XCTAssertEqual(try execute("print c").reply.content["execution_count"] as? Int, 2)
        XCTAssertEqual(harness.interpreter.executedCode, ["print a", "print quiet", "print b", "print c"])
    }

    func testStopOnErrorAbortsExecuteRequestsAlreadyQueued() throws {
        let failing = try client.send("execute_request", content: ["code": "fail 150"], on: client.shell)
        let queued = try client.send("execute_request", content: ["code": "print never"], on: client.shell)
        let info = try client.send("kernel_info_request", on: client.shell)
        let queuedToo = try client.send("execute_request", content: ["code": "print never again"], on: client.shell)
        var replies: [String: JupyterMessage] = [:]
        for _ in 0..<4 {
            let reply = try client.receive(on: client.shell)
            replies[reply.parentHeader["msg_id"] as? String ?? ""] = reply
        }
        XCTAssertEqual(replies[failing.messageID]?.content["status"] as? String, "error")
        XCTAssertEqual(replies[queued.messageID]?.content["status"] as? String, "aborted")
        XCTAssertEqual(replies[queuedToo.messageID]?.content["status"] as? String, "aborted")
        XCTAssertEqual(replies[info.messageID]?.messageType, "kernel_info_reply")
        XCTAssertEqual(types(try client.iopubMessages(for: queued)), ["status:busy", "status:idle"])
        XCTAssertEqual(harness.interpreter.executedCode, ["fail 150"])

        // Requests sent after the error reply run normally; stop_on_error false keeps the queue.
        _ = try client.send("execute_request", content: ["code": "fail 150", "stop_on_error": false], on: client.shell)
        let kept = try client.send("execute_request", content: ["code": "print kept"], on: client.shell)
        _ = try client.receive(on: client.shell)
        let keptReply = try client.receive(on: client.shell)
        XCTAssertEqual(keptReply.parentHeader["msg_id"] as? String, kept.messageID)
        XCTAssertEqual(keptReply.content["status"] as? String, "ok")
    }

    func testIsCompleteCompleteAndInspectRoundTrips() throws {
        let statuses = try ["print a", "print a \\", "12 x", "?print"].map { code in
            let (_, reply) = try client.request("is_complete_request", content: ["code": code], on: client.shell)
            return (reply.content["status"] as? String ?? "", reply.content["indent"] as? String)
        }
        XCTAssertEqual(statuses.map(\.0), ["complete", "incomplete", "invalid", "unknown"])
        XCTAssertEqual(statuses[1].1, "  ")

        let (_, completion) = try client.request("complete_request", content: ["code": "x p", "cursor_pos": 3], on: client.shell)
        XCTAssertEqual(completion.content["status"] as? String, "ok")
        XCTAssertEqual(completion.content["matches"] as? [String], ["print", "page", "pause"])
        XCTAssertEqual(completion.content["cursor_start"] as? Int, 2)
        XCTAssertEqual(completion.content["cursor_end"] as? Int, 3)

        let (_, found) = try client.request("inspect_request", content: ["code": "print", "cursor_pos": 2, "detail_level": 1], on: client.shell)
        XCTAssertEqual(found.content["found"] as? Bool, true)
        XCTAssertEqual((found.content["data"] as? JSONObject)?["text/plain"] as? String, "print TEXT: writes TEXT")
        let (_, missing) = try client.request("inspect_request", content: ["code": "zzz", "cursor_pos": 1], on: client.shell)
        XCTAssertEqual(missing.content["found"] as? Bool, false)
    }

    func testPagePayloadReachesTheReply() throws {
        let payload = try XCTUnwrap(try execute("page help text").reply.content["payload"] as? [JSONObject])
        XCTAssertEqual(payload.first?["source"] as? String, "page")
        XCTAssertEqual((payload.first?["data"] as? JSONObject)?["text/plain"] as? String, "help text")
    }

    func testHistoryTailRangeAndSearch() throws {
        for code in ["print 1", "result 2", "print 1", "print 3"] { _ = try execute(code) }
        _ = try execute("print unstored", ["store_history": false])
        func history(_ content: JSONObject) throws -> [[Any]] {
            let (_, reply) = try client.request("history_request", content: content, on: client.shell)
            XCTAssertEqual(reply.content["status"] as? String, "ok")
            return try XCTUnwrap(reply.content["history"] as? [[Any]])
        }
        let tail = try history(["hist_access_type": "tail", "n": 2, "output": false, "raw": true])
        XCTAssertEqual(tail.map { $0[2] as? String }, ["print 1", "print 3"])
        XCTAssertEqual(tail.map { $0[1] as? Int }, [3, 4])
        let session = try XCTUnwrap(tail.first?[0] as? Int)

        let range = try history(["hist_access_type": "range", "session": session, "start": 2, "stop": 3, "output": true, "raw": true])
        XCTAssertEqual(range.count, 1)
        let pair = try XCTUnwrap(range.first?[2] as? [Any])
        XCTAssertEqual(pair.first as? String, "result 2")
        XCTAssertEqual(pair.last as? String, "2")
        XCTAssertEqual(try history(["hist_access_type": "range", "session": 0, "start": 0, "output": false]).count, 4)

        XCTAssertEqual(try history(["hist_access_type": "search", "pattern": "print ?"]).count, 3)
        XCTAssertEqual(try history(["hist_access_type": "search", "pattern": "print*", "unique": true]).map { $0[2] as? String },
                       ["print 1", "print 3"])
        XCTAssertEqual(try history(["hist_access_type": "search", "pattern": "*", "n": 2]).map { $0[1] as? Int }, [3, 4])
    }

    func testCommInfoIsEmptyAndUnknownCommTargetIsClosed() throws {
        let (_, info) = try client.request("comm_info_request", on: client.shell)
        XCTAssertEqual((info.content["comms"] as? JSONObject)?.count, 0)
        let open = try client.send("comm_open", content: ["comm_id": "c-1", "target_name": "nobody", "data": JSONObject()], on: client.shell)
        let iopub = try client.iopubMessages(for: open)
        XCTAssertEqual(types(iopub), ["status:busy", "comm_close", "status:idle"])
        XCTAssertEqual(iopub[1].content["comm_id"] as? String, "c-1")
    }

    func testUnknownMessageTypeIsLoggedAndTheKernelKeepsServing() throws {
        let unknown = try client.send("bogus_request", on: client.shell)
        XCTAssertEqual(types(try client.iopubMessages(for: unknown)), ["status:busy", "status:idle"])
        XCTAssertTrue(harness.logs.lines.contains { $0.contains("bogus_request") })
        XCTAssertEqual(try client.request("kernel_info_request", on: client.shell).reply.messageType, "kernel_info_reply")
    }

    func testEachNewSubscriberIsWelcomed() throws {
        let second = try ZMQSocket(context: client.context, type: ZMQ_SUB, name: "second subscriber")
        defer { second.close() }
        try second.setLinger(milliseconds: 0)
        try second.setOption(ZMQ_SUBSCRIBE, bytes: Data())
        try second.connect("tcp://127.0.0.1:\(harness.server.connection.iopubPort)")
        let welcome = try client.receive(on: second)
        XCTAssertEqual(welcome.messageType, "iopub_welcome")
        XCTAssertEqual(welcome.content["subscription"] as? String, "")
    }

    func testHeartbeatEchoes() throws {
        try client.heartbeat.send([Data("ping".utf8)])
        XCTAssertTrue(client.heartbeat.waitForMessage(timeoutMilliseconds: 2000))
        XCTAssertEqual(try client.heartbeat.receive(wait: false), [Data("ping".utf8)])
    }

    func testInterruptAndKernelInfoOnControlWhileACellRuns() throws {
        let started = Date()
        let cell = try client.send("execute_request", content: ["code": "sleep 10000"], on: client.shell)
        _ = try client.waitForIOPub(type: "stream", parent: cell)
        let (infoRequest, info) = try client.request("kernel_info_request", on: client.control)
        XCTAssertEqual(info.messageType, "kernel_info_reply")
        XCTAssertEqual(types(try client.iopubMessages(for: infoRequest)), ["status:busy", "status:idle"])
        let (_, interrupt) = try client.request("interrupt_request", on: client.control)
        XCTAssertEqual(interrupt.messageType, "interrupt_reply")
        let reply = try client.receive(on: client.shell)
        XCTAssertEqual(reply.content["ename"] as? String, "Interrupted")
        XCTAssertLessThan(Date().timeIntervalSince(started), 3)
        XCTAssertEqual(harness.interpreter.interruptCount, 1)
    }

    func testInputRequestGoesToTheStdinSocketOnlyWhenAllowed() throws {
        let cell = try client.send("execute_request", content: ["code": "input Name: ", "allow_stdin": true], on: client.shell)
        let prompt = try client.receive(on: client.stdin)
        XCTAssertEqual(prompt.messageType, "input_request")
        XCTAssertEqual(prompt.content["prompt"] as? String, "Name: ")
        XCTAssertEqual(prompt.parentHeader["msg_id"] as? String, cell.messageID)
        let answer = client.factory.make("input_reply", content: ["value": "Ada"], parent: prompt)
        try client.stdin.send(client.codec.encode(answer))
        XCTAssertEqual(try client.receive(on: client.shell).content["status"] as? String, "ok")
        XCTAssertEqual(try client.iopubMessages(for: cell).first { $0.messageType == "stream" }?.content["text"] as? String, "got Ada")

        let (reply, _) = try execute("input Name: ", ["allow_stdin": false])
        XCTAssertEqual(reply.content["evalue"] as? String, InputRequestError.stdinNotAllowed.description)
        XCTAssertFalse(client.hasMessage(on: client.stdin, within: 0.1))
    }

    func testShutdownReplyThenRunReturnsPromptlyWithRestartFlag() throws {
        let started = Date()
        let (request, reply) = try client.request("shutdown_request", content: ["restart": true], on: client.control)
        XCTAssertEqual(reply.content["restart"] as? Bool, true)
        XCTAssertEqual(types(try client.iopubMessages(for: request)), ["status:busy", "status:idle"])
        XCTAssertEqual(harness.waitForRun(timeout: 2), true)
        XCTAssertLessThan(Date().timeIntervalSince(started), 2)
    }

    func testShutdownWhileACellRunsInterruptsItAndStillEndsPromptly() throws {
        let cell = try client.send("execute_request", content: ["code": "sleep 10000"], on: client.shell)
        _ = try client.waitForIOPub(type: "stream", parent: cell)
        let started = Date()
        _ = try client.request("shutdown_request", content: ["restart": false], on: client.control)
        XCTAssertEqual(harness.waitForRun(timeout: 2), false)
        XCTAssertLessThan(Date().timeIntervalSince(started), 2)
    }
}

final class KernelServerSignalTests: XCTestCase {
    func testSIGINTInterruptsTheRunningCell() throws {
        let harness = try KernelHarness(handlesInterruptSignal: true)
        defer { harness.stop() }
        let client = harness.client
        let cell = try client.send("execute_request", content: ["code": "sleep 10000"], on: client.shell)
        _ = try client.waitForIOPub(type: "stream", parent: cell)
        kill(getpid(), SIGINT)
        let reply = try client.receive(on: client.shell, timeout: 3)
        XCTAssertEqual(reply.content["ename"] as? String, "Interrupted")
        XCTAssertEqual(harness.interpreter.interruptCount, 1)
    }

    func testUnsignedKernelWorksWithAnEmptyKey() throws {
        let harness = try KernelHarness(key: "")
        defer { harness.stop() }
        let (_, reply) = try harness.client.request("kernel_info_request", on: harness.client.shell)
        XCTAssertEqual(reply.messageType, "kernel_info_reply")
    }
}
