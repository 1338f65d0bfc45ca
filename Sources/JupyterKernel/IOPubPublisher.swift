// Layer: Jupyter front end. May use CZMQ and Foundation; knows nothing of R-DC or tensors.
import CZMQ
import Foundation

/// The IOPub thread's loop: the only user of the XPUB socket. Forwards the already signed
/// messages other threads push through inproc, and greets each new subscriber with
/// `iopub_welcome` (JEP 65).
final class IOPubPublisher {
    private let xpub: ZMQSocket
    private let feed: ZMQSocket
    private let codec: WireCodec
    private let factory: MessageFactory
    private let log: (String) -> Void

    init(xpub: ZMQSocket, feed: ZMQSocket, codec: WireCodec, session: String, log: @escaping (String) -> Void) {
        self.xpub = xpub
        self.feed = feed
        self.codec = codec
        self.factory = MessageFactory(session: session)
        self.log = log
    }

    /// Forwards until `stop` is set, then forwards whatever is still queued and returns.
    /// The caller sets `stop` only after every producer has closed its feed socket.
    func run(until stop: SharedFlag) {
        publish(factory.make("status", content: ["execution_state": "starting"], parent: nil,
                             identities: [Data("status".utf8)]))
        while !stop.isSet {
            let ready = ZMQPoll.wait(for: [.socket(xpub), .socket(feed)], timeoutMilliseconds: 100)
            if ready[0] { handleSubscriptionEvents() }
            if ready[1] { forwardQueued() }
        }
        forwardQueued()
        feed.close()
        xpub.close()
    }

    private func forwardQueued() {
        do {
            while let frames = try feed.receive(wait: false) { try xpub.send(frames) }
        } catch {
            log("IOPub: \(error)")
        }
    }

    /// XPUB hands up one frame per (un)subscription: 1 or 0, then the topic.
    private func handleSubscriptionEvents() {
        do {
            while let frames = try xpub.receive(wait: false) {
                guard let event = frames.first, event.first == 1 else { continue }
                let topic = event.dropFirst()
                let subscription = String(decoding: topic, as: UTF8.self)
                // The welcome goes out on the subscribed topic itself so the new subscriber surely matches it.
                let identity = topic.isEmpty ? Data("iopub_welcome".utf8) : Data(topic)
                publish(factory.make("iopub_welcome", content: ["subscription": subscription], parent: nil,
                                     identities: [identity]))
            }
        } catch {
            log("IOPub: \(error)")
        }
    }

    private func publish(_ message: JupyterMessage) {
        do { try xpub.send(codec.encode(message)) } catch { log("IOPub: \(error)") }
    }
}
