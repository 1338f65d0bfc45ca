// Layer: Jupyter front end. May use Foundation only; knows nothing of R-DC, tensors or ZeroMQ.
// The seam between the protocol core and the wire, in the style of xeus's xserver: the core
// (`KernelCore`) builds every message, a transport moves it. `ZMQTransport` is the real one;
// the unit tests use an in-memory one that records what was sent.
import Foundation

/// A channel the kernel talks on besides IOPub.
enum KernelChannel: String, CaseIterable, Sendable {
    /// Requests run one at a time (execute, complete, inspect, history, …).
    case shell
    /// Requests answered even while a cell runs (interrupt, shutdown, kernel_info).
    case control
    /// Input requests to the client of a shell request, and its answers.
    case stdin
}

/// How `KernelCore` reaches its clients.
///
/// Threads: the core makes `.shell` and `.stdin` calls from the thread handling shell requests
/// and `.control` calls from the thread handling control requests; `publish(_:from:)` names the
/// channel whose thread calls it. A transport may therefore give each channel resources used by
/// one thread only (ZeroMQ sockets are not thread-safe).
protocol KernelTransport: AnyObject {
    /// Sends `message` on `channel` to the client its `identities` name.
    func send(_ message: JupyterMessage, on channel: KernelChannel)

    /// Publishes `message` on IOPub (its `identities` hold the topic). Messages published from
    /// one channel reach subscribers in the order they were published.
    func publish(_ message: JupyterMessage, from channel: KernelChannel)

    /// Up to `limit` messages already waiting on `channel`, in arrival order, without waiting
    /// for more. Messages that fail to decode or to verify are logged and left out.
    func takeWaitingMessages(on channel: KernelChannel, limit: Int) -> [JupyterMessage]

    /// The next message on `channel`, waiting at most `timeoutMilliseconds`; nil when none came
    /// (or the one that came was dropped as undecodable).
    func receive(on channel: KernelChannel, timeoutMilliseconds: Int) -> JupyterMessage?
}
