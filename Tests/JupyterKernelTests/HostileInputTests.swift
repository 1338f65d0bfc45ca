// Layer: tests of the Jupyter front end: hostile and stray input found by the wire fuzzer
// (Tests/python/wire_fuzzer.py) — stdin messages nobody asked for, a malformed heartbeat from a
// stalled peer, oversized frames and subscriptions, damaged frames for the decoder. A real
// KernelServer on loopback.
import CZMQ
import Foundation
import XCTest
@testable import JupyterKernel

final class HostileInputTests: KernelHarnessTestCase {
    private func waitForLog(count: Int, containing text: String, timeout: TimeInterval = 5) -> Int {
        let deadline = Date().addingTimeInterval(timeout)
        var found = 0
        while Date() < deadline {
            found = harness.logs.lines.filter { $0.contains(text) }.count
            if found >= count { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return found
    }

    /// Regression: stdin was read only during an input request, so whatever a client sent there
    /// piled up in the kernel until the queue was full and the sender stalled.
    func testStdinMessagesNobodyAskedForAreReadAndDropped() throws {
        for index in 0..<20 {
            var frames = client.codec.encode(client.factory.make("input_reply", content: ["value": "\(index)"], parent: nil))
            if index.isMultiple(of: 2) { frames[1] = Data(repeating: UInt8(ascii: "0"), count: 64) }
            try client.stdin.send(frames)
        }
        XCTAssertEqual(waitForLog(count: 20, containing: "stdin: dropped"), 20, "\(harness.logs.lines)")
        XCTAssertFalse(client.hasMessage(on: client.stdin, within: 0.1), "a stray stdin message must not be answered")

        // An input request afterwards still gets its own reply, not a stale one.
        let cell = try client.send("execute_request", content: ["code": "input Name: ", "allow_stdin": true], on: client.shell)
        let prompt = try client.receive(on: client.stdin)
        XCTAssertEqual(prompt.messageType, "input_request")
        try client.stdin.send(client.codec.encode(client.factory.make("input_reply", content: ["value": "Ada"], parent: prompt)))
        XCTAssertEqual(try client.receive(on: client.shell).content["status"] as? String, "ok")
        XCTAssertEqual(try client.iopubMessages(for: cell).first { $0.messageType == "stream" }?.content["text"] as? String, "got Ada")
    }

    /// Regression: any frame size was taken, so one client could make the kernel hold gigabytes.
    /// Now libzmq disconnects a sender of an oversized frame; the kernel and other clients go on.
    func testAnOversizedFrameDisconnectsItsSenderAndTheKernelServesOn() throws {
        let attacker = try ZMQSocket(context: client.context, type: ZMQ_DEALER, name: "oversized sender")
        defer { attacker.close() }
        try attacker.setLinger(milliseconds: 0)
        try attacker.connect("tcp://127.0.0.1:\(harness.server.connection.shellPort)")
        var frames = client.codec.encode(client.factory.make("kernel_info_request", content: [:], parent: nil))
        frames.append(Data(count: KernelServer.largestRequestFrame + 1))
        try attacker.send(frames)
        XCTAssertFalse(client.hasMessage(on: attacker, within: 1), "the oversized request must not be answered")
        XCTAssertEqual(try client.request("kernel_info_request", on: client.shell).reply.messageType, "kernel_info_reply")
    }

    /// Regression: the heartbeat was a libzmq REP socket, which loses the reply to the next request,
    /// from any client, after it drops a request without an envelope from a peer it cannot write
    /// to (router_t::rollback leaves it "mid-reply"). Found by the wire fuzzer as an intermittent
    /// "no heartbeat echo" (seed 20260101, whose wave 3 ends on such a ping).
    func testAMalformedPingFromAStalledPeerCostsNoOtherClientItsEcho() throws {
        let heartbeat = "tcp://127.0.0.1:\(harness.server.connection.heartbeatPort)"
        func freshPingIsEchoed() throws -> Bool {
            let pinger = try ZMQSocket(context: client.context, type: ZMQ_REQ, name: "fresh heartbeat client")
            defer { pinger.close() }
            try pinger.setLinger(milliseconds: 0)
            try pinger.connect(heartbeat)
            try pinger.send([Data("ping".utf8)])
            guard client.hasMessage(on: pinger, within: 10) else { return false }
            return try pinger.receive(wait: false) == [Data("ping".utf8)]
        }
        let stalled = try ZMQSocket(context: client.context, type: ZMQ_DEALER, name: "stalled heartbeat peer")
        defer { stalled.close() }
        try stalled.setLinger(milliseconds: 0)
        try stalled.setOption(ZMQ_RCVHWM, 1)
        try stalled.connect(heartbeat)
        // More echoes than the kernel queues for one peer (1,000), none of them read.
        for _ in 0..<1200 { try stalled.send([Data(), Data(count: 60_000)]) }
        try stalled.send([Data("no envelope".utf8), Data("ping".utf8)])
        let deadline = Date().addingTimeInterval(3)
        var pings = 0
        while Date() < deadline {
            XCTAssertTrue(try freshPingIsEchoed(), "ping \(pings + 1) after the stalled peer's was not echoed")
            pings += 1
        }
    }

    /// Regression: libzmq stores each IOPub subscription in a trie of ~50 bytes per topic byte, so
    /// an 8 MB topic cost the kernel 800 MB. Long subscriptions are now refused; others are welcomed.
    func testAnOversizedSubscriptionIsRefusedAndOtherSubscribersAreWelcomed() throws {
        func subscriber(_ topic: Data) throws -> ZMQSocket {
            let socket = try ZMQSocket(context: client.context, type: ZMQ_SUB, name: "subscriber")
            try socket.setLinger(milliseconds: 0)
            try socket.setOption(ZMQ_SUBSCRIBE, bytes: topic)
            try socket.connect("tcp://127.0.0.1:\(harness.server.connection.iopubPort)")
            return socket
        }
        let greedy = try subscriber(Data(repeating: UInt8(ascii: "x"), count: KernelServer.largestSubscription))
        defer { greedy.close() }
        XCTAssertFalse(client.hasMessage(on: greedy, within: 0.5), "an oversized subscription must not be welcomed")
        let modest = try subscriber(Data("status".utf8))
        defer { modest.close() }
        let welcome = try client.receive(on: modest)
        XCTAssertEqual(welcome.messageType, "iopub_welcome")
        XCTAssertEqual(welcome.content["subscription"] as? String, "status")
    }
}

final class WireDecoderMutationTests: XCTestCase {
    /// A seeded mutation loop over a valid message: the decoder throws or decodes, never traps,
    /// and accepts only what the signature covers.
    func testMutatedFramesAreDecodedOrRefusedNeverACrash() throws {
        let codec = WireCodec(key: "fuzz-key")
        let valid = codec.encode(MessageFactory(session: "s").make(
            "execute_request", content: ["code": "print hi", "cursor_pos": 3], parent: nil, identities: [Data("id".utf8)]))
        var generator = SplitMix64(seed: 20260101)
        var accepted = 0
        for _ in 0..<20_000 {
            var frames = valid
            for _ in 0...generator.next(below: 4) {
                let index = generator.next(below: frames.count)
                switch generator.next(below: 5) {
                case 0 where !frames[index].isEmpty:  // flip a bit
                    let position = generator.next(below: frames[index].count)
                    frames[index][frames[index].startIndex + position] ^= UInt8(1) << UInt8(generator.next(below: 8))
                case 1: frames.remove(at: index)
                case 2: frames.insert(Data((0..<generator.next(below: 40)).map { _ in UInt8(generator.next(below: 256)) }), at: index)
                case 3: frames[index] = frames[index].prefix(generator.next(below: frames[index].count + 1))
                default: frames[index] = Data(#"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]"#.utf8)
                }
                if frames.isEmpty { frames = [Data()] }
            }
            if let message = try? codec.decode(frames) {
                accepted += 1
                XCTAssertEqual(message.messageType, "execute_request", "only frames the signature covers may change")
            }
        }
        XCTAssertGreaterThan(accepted, 0, "mutations of identities and buffers keep a message valid")
    }
}

/// A small deterministic generator (SplitMix64), so a failing mutation can be replayed.
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in 0..<bound (0 when bound is 0).
    mutating func next(below bound: Int) -> Int {
        bound <= 0 ? 0 : Int(next() % UInt64(bound))
    }
}

final class ExecutionHistoryCapacityTests: XCTestCase {
    /// Regression: every stored cell was kept for the kernel's lifetime, so a soak of many cells
    /// grew the kernel's memory without bound. The latest `capacity` cells are kept.
    func testOnlyTheLatestCellsAreKept() {
        var history = ExecutionHistory(capacity: 3)
        for line in 1...5 { history.append(line: line, input: "cell \(line)", output: nil) }
        XCTAssertEqual(history.entries.map(\.line), [3, 4, 5])
        XCTAssertEqual(history.rows(for: ["hist_access_type": "tail", "n": 10]).map { $0[1] as? Int }, [3, 4, 5])
        XCTAssertEqual(history.rows(for: ["hist_access_type": "range", "start": 1, "stop": 4]).map { $0[1] as? Int }, [3])
        XCTAssertEqual(ExecutionHistory().capacity, ExecutionHistory.defaultCapacity)
    }
}
