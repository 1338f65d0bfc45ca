// Layer: tests of the Jupyter front end. A `KernelTransport` without I/O, in the spirit of
// SwiftNIO's EmbeddedChannel: it records every message the core sends or publishes, in order,
// and serves the messages a test queued on a channel.
import Foundation
@testable import JupyterKernel

/// An in-memory `KernelTransport`. Thread-safe: a test may drive shell and control requests
/// from two threads at once, as the server does.
final class InMemoryTransport: KernelTransport, @unchecked Sendable {
    /// One message that left the core: on a channel, or (channel nil) on IOPub.
    struct Record {
        let channel: KernelChannel?
        let message: JupyterMessage
        var isIOPub: Bool { channel == nil }
    }

    private let lock = NSLock()
    private var recorded: [Record] = []
    private var waiting: [KernelChannel: [JupyterMessage]] = [:]
    private var sendHook: ((JupyterMessage, KernelChannel) -> Void)?
    private var publishHook: ((JupyterMessage) -> Void)?

    /// Everything sent and published so far, in the order it left the core.
    var records: [Record] { lock.withLock { recorded } }

    /// The messages sent on `channel` whose parent is `request`.
    func sent(on channel: KernelChannel, answering request: JupyterMessage) -> [JupyterMessage] {
        records.filter { $0.channel == channel && $0.message.parentHeader["msg_id"] as? String == request.messageID }.map(\.message)
    }

    /// The IOPub messages whose parent is `request`, in order.
    func published(for request: JupyterMessage) -> [JupyterMessage] {
        records.filter { $0.isIOPub && $0.message.parentHeader["msg_id"] as? String == request.messageID }.map(\.message)
    }

    /// Puts `message` on `channel` as if a client had sent it and the core had not read it yet.
    func enqueue(_ message: JupyterMessage, on channel: KernelChannel) {
        lock.withLock { waiting[channel, default: []].append(message) }
    }

    /// How many queued messages on `channel` the core has not taken.
    func waitingCount(on channel: KernelChannel) -> Int { lock.withLock { waiting[channel]?.count ?? 0 } }

    /// Calls `hook` after each message sent (outside the lock), e.g. to answer an input_request.
    func onSend(_ hook: @escaping (JupyterMessage, KernelChannel) -> Void) { lock.withLock { sendHook = hook } }

    /// Calls `hook` after each message published (outside the lock).
    func onPublish(_ hook: @escaping (JupyterMessage) -> Void) { lock.withLock { publishHook = hook } }

    // MARK: KernelTransport

    func send(_ message: JupyterMessage, on channel: KernelChannel) {
        let hook = lock.withLock { () -> ((JupyterMessage, KernelChannel) -> Void)? in
            recorded.append(Record(channel: channel, message: message))
            return sendHook
        }
        hook?(message, channel)
    }

    func publish(_ message: JupyterMessage, from channel: KernelChannel) {
        let hook = lock.withLock { () -> ((JupyterMessage) -> Void)? in
            recorded.append(Record(channel: nil, message: message))
            return publishHook
        }
        hook?(message)
    }

    func takeWaitingMessages(on channel: KernelChannel, limit: Int) -> [JupyterMessage] {
        lock.withLock {
            let taken = Array((waiting[channel] ?? []).prefix(limit))
            waiting[channel]?.removeFirst(taken.count)
            return taken
        }
    }

    func receive(on channel: KernelChannel, timeoutMilliseconds: Int) -> JupyterMessage? {
        let deadline = Date().addingTimeInterval(Double(timeoutMilliseconds) / 1000)
        repeat {
            if let message = takeWaitingMessages(on: channel, limit: 1).first { return message }
            Thread.sleep(forTimeInterval: 0.001)
        } while Date() < deadline
        return nil
    }
}
