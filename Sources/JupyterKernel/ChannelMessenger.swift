// Layer: Jupyter front end. May use CZMQ (through ZMQSocket) and Foundation; knows nothing of R-DC.
import CZMQ
import Foundation

/// A Bool shared between threads.
final class SharedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
    func clear() { lock.withLock { value = false } }
}

/// Everything one request-handling thread needs to talk: its own message factory and its own
/// PUSH socket into the IOPub publisher. Owned and used by exactly one thread.
final class ChannelMessenger {
    let codec: WireCodec
    let factory: MessageFactory
    private let iopub: ZMQSocket
    private let log: (String) -> Void

    /// Connects a fresh PUSH socket to the publisher's inproc PULL endpoint.
    init(context: ZMQContext, iopubEndpoint: String, codec: WireCodec, session: String, name: String,
         log: @escaping (String) -> Void) throws {
        self.codec = codec
        self.factory = MessageFactory(session: session)
        self.log = log
        iopub = try ZMQSocket(context: context, type: ZMQ_PUSH, name: "\(name) IOPub feed")
        // Messages already handed over must reach the publisher even while this socket closes.
        try iopub.setLinger(milliseconds: 2000)
        try iopub.connect(iopubEndpoint)
    }

    /// Publishes on IOPub with the message type as topic; messages of one thread keep their order.
    func publish(_ type: String, content: JSONObject, parent: JupyterMessage?) {
        let message = factory.make(type, content: content, parent: parent, identities: [Data(type.utf8)])
        do { try iopub.send(codec.encode(message)) } catch { log("IOPub: \(error)") }
    }

    /// Sends `type` on `socket` back to the identities of `request`.
    func reply(_ type: String, content: JSONObject, to request: JupyterMessage, on socket: ZMQSocket,
               metadata: JSONObject = [:]) {
        let message = factory.make(type, content: content, parent: request, metadata: metadata,
                                   identities: request.identities)
        do { try socket.send(codec.encode(message)) } catch { log("\(socket.name): \(error)") }
    }

    /// Publishes `busy`, runs `body`, then `idle`: clients wait for `idle` after the reply.
    func whileBusy(with request: JupyterMessage, _ body: () -> Void) {
        publish("status", content: ["execution_state": "busy"], parent: request)
        body()
        publish("status", content: ["execution_state": "idle"], parent: request)
    }

    /// Receives and verifies one message; logs and returns nil for anything that must be dropped.
    func receive(from socket: ZMQSocket) -> JupyterMessage? {
        do {
            guard let frames = try socket.receive(wait: false) else { return nil }
            return try codec.decode(frames)
        } catch {
            log("\(socket.name): dropped a message: \(error)")
            return nil
        }
    }

    func close() { iopub.close() }
}
