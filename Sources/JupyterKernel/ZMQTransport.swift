// Layer: Jupyter front end. May use CZMQ (through ZMQSocket) and Foundation; knows nothing of R-DC.
// `KernelTransport` over ZeroMQ, and the loops of the shell and control threads that read
// their sockets and hand each decoded request to `KernelCore`.
import CZMQ
import Foundation
import SignalPipe

/// The ZeroMQ transport: the shell, control and stdin ROUTER sockets, and one PUSH socket per
/// request thread into the IOPub publisher (`IOPubPublisher` owns the XPUB socket).
///
/// Threads: shell, stdin and the shell's IOPub feed are used only by the thread running
/// `serveShell`; control and its feed only by the thread running `serveControl`. `KernelCore`
/// keeps to this by calling each channel from that channel's thread.
final class ZMQTransport: KernelTransport {
    private let shell: ZMQSocket
    private let control: ZMQSocket
    private let stdin: ZMQSocket
    private let shellFeed: ZMQSocket
    private let controlFeed: ZMQSocket
    private let codec: WireCodec
    private let log: (String) -> Void

    /// Takes over the three bound ROUTER sockets and connects one PUSH socket per request
    /// thread to the publisher's inproc PULL endpoint `iopubEndpoint`.
    init(shell: ZMQSocket, control: ZMQSocket, stdin: ZMQSocket, context: ZMQContext, iopubEndpoint: String,
         codec: WireCodec, log: @escaping (String) -> Void) throws {
        self.shell = shell
        self.control = control
        self.stdin = stdin
        self.codec = codec
        self.log = log
        func feed(_ name: String) throws -> ZMQSocket {
            let socket = try ZMQSocket(context: context, type: ZMQ_PUSH, name: "\(name) IOPub feed")
            // Messages already handed over must reach the publisher even while this socket closes.
            try socket.setLinger(milliseconds: 2000)
            try socket.connect(iopubEndpoint)
            return socket
        }
        shellFeed = try feed("shell")
        controlFeed = try feed("control")
    }

    // MARK: KernelTransport

    func send(_ message: JupyterMessage, on channel: KernelChannel) {
        let socket = socket(for: channel)
        do { try socket.send(codec.encode(message)) } catch { log("\(socket.name): \(error)") }
    }

    func publish(_ message: JupyterMessage, from channel: KernelChannel) {
        let feed = channel == .control ? controlFeed : shellFeed
        do { try feed.send(codec.encode(message)) } catch { log("IOPub: \(error)") }
    }

    func takeWaitingMessages(on channel: KernelChannel, limit: Int) -> [JupyterMessage] {
        let socket = socket(for: channel)
        var messages: [JupyterMessage] = []
        var taken = 0
        while taken < limit, let frames = try? socket.receive(wait: false) {
            taken += 1
            if let message = decode(frames, from: socket) { messages.append(message) }
        }
        return messages
    }

    func receive(on channel: KernelChannel, timeoutMilliseconds: Int) -> JupyterMessage? {
        let socket = socket(for: channel)
        guard socket.waitForMessage(timeoutMilliseconds: timeoutMilliseconds) else { return nil }
        return receiveNow(from: socket)
    }

    // MARK: The request threads' loops

    /// The shell thread: hands shell requests to `core` one at a time and drops stdin messages
    /// nobody asked for, until `stop` is set; then closes its sockets.
    func serveShell(_ core: KernelCore, until stop: SharedFlag) {
        while !stop.isSet {
            let ready = ZMQPoll.wait(for: [.socket(shell), .socket(stdin)], timeoutMilliseconds: 100)
            // A stdin socket nobody reads would fill its queue and then stall the sender.
            if ready[1] { core.discardUnrequestedInput() }
            if ready[0], let request = receiveNow(from: shell) { core.handle(request, on: .shell) }
        }
        shellFeed.close()
        shell.close()
        stdin.close()
    }

    /// The control thread: hands control requests to `core` (answered while a cell runs) and
    /// turns SIGINT, seen through `interruptSignals`, into `core.interrupt()`, until `stop` is
    /// set; then closes its sockets.
    func serveControl(_ core: KernelCore, interruptSignals: InterruptSignalPipe?, until stop: SharedFlag) {
        var sources: [ZMQPoll.Source] = [.socket(control)]
        if let interruptSignals { sources.append(.fileDescriptor(interruptSignals.readEnd)) }
        while !stop.isSet {
            let ready = ZMQPoll.wait(for: sources, timeoutMilliseconds: 100)
            if ready.count > 1, ready[1], interruptSignals?.drain() == true {
                log("control: SIGINT received, interrupting")
                core.interrupt()
            }
            if ready[0] {
                while let request = receiveNow(from: control) { core.handle(request, on: .control) }
            }
        }
        controlFeed.close()
        control.close()
    }

    // MARK: Receiving

    private func socket(for channel: KernelChannel) -> ZMQSocket {
        switch channel {
        case .shell: shell
        case .control: control
        case .stdin: stdin
        }
    }

    /// Receives and verifies one message if one is queued; logs and returns nil for anything
    /// that must be dropped.
    private func receiveNow(from socket: ZMQSocket) -> JupyterMessage? {
        do {
            guard let frames = try socket.receive(wait: false) else { return nil }
            return decode(frames, from: socket)
        } catch {
            log("\(socket.name): dropped a message: \(error)")
            return nil
        }
    }

    private func decode(_ frames: [Data], from socket: ZMQSocket) -> JupyterMessage? {
        do {
            return try codec.decode(frames)
        } catch {
            log("\(socket.name): dropped a message: \(error)")
            return nil
        }
    }
}
