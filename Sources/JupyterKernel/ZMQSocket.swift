// Layer: Jupyter front end. May use CZMQ and Foundation; knows nothing of R-DC or tensors.
// A thin, owning wrapper over libzmq contexts and sockets. Each socket is used by one thread.
import CZMQ
import Foundation

/// A failure reported by libzmq, with the operation that failed and libzmq's own message.
public struct ZMQError: Error, CustomStringConvertible {
    /// What the kernel was doing, e.g. `bind tcp://127.0.0.1:5555`.
    public let operation: String
    /// libzmq's errno for the failure.
    public let code: Int32

    init(_ operation: String, code: Int32 = zmq_errno()) {
        self.operation = operation
        self.code = code
    }

    /// A sentence naming the operation and libzmq's explanation.
    public var description: String {
        "ZeroMQ failed to \(operation): \(String(cString: zmq_strerror(code)))"
    }
}

/// Owns one libzmq context; sockets made from it must be closed before it is terminated.
final class ZMQContext {
    let handle: UnsafeMutableRawPointer

    init() throws {
        guard let handle = zmq_ctx_new() else { throw ZMQError("create a context") }
        self.handle = handle
    }

    /// Blocks until every socket of the context is closed and their linger time has passed.
    func terminate() {
        while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
    }
}

/// One libzmq socket. Not thread-safe: exactly one thread may use it at a time.
final class ZMQSocket {
    private(set) var handle: UnsafeMutableRawPointer?
    /// The kind of socket, used in error messages.
    let name: String

    init(context: ZMQContext, type: Int32, name: String) throws {
        guard let handle = zmq_socket(context.handle, type) else { throw ZMQError("create the \(name) socket") }
        self.handle = handle
        self.name = name
    }

    deinit { close() }

    func setOption(_ option: Int32, _ value: Int32) throws {
        var value = value
        guard zmq_setsockopt(handle, option, &value, MemoryLayout<Int32>.size) == 0 else {
            throw ZMQError("set option \(option) on the \(name) socket")
        }
    }

    func setOption(_ option: Int32, int64 value: Int64) throws {
        var value = value
        guard zmq_setsockopt(handle, option, &value, MemoryLayout<Int64>.size) == 0 else {
            throw ZMQError("set option \(option) on the \(name) socket")
        }
    }

    /// Peers that send a frame larger than `bytes` are disconnected by libzmq before the frame is
    /// stored, so no client can make the kernel hold an arbitrarily large frame.
    func limitIncomingFrames(to bytes: Int) throws { try setOption(ZMQ_MAXMSGSIZE, int64: Int64(bytes)) }

    func setOption(_ option: Int32, bytes: Data) throws {
        let status = bytes.withUnsafeBytes { zmq_setsockopt(handle, option, $0.baseAddress, $0.count) }
        guard status == 0 else { throw ZMQError("set option \(option) on the \(name) socket") }
    }

    /// Sets how long pending outgoing messages are kept after `close()`, in milliseconds.
    func setLinger(milliseconds: Int32) throws { try setOption(ZMQ_LINGER, milliseconds) }

    func bind(_ endpoint: String) throws {
        guard zmq_bind(handle, endpoint) == 0 else { throw ZMQError("bind the \(name) socket to \(endpoint)") }
    }

    func connect(_ endpoint: String) throws {
        guard zmq_connect(handle, endpoint) == 0 else { throw ZMQError("connect the \(name) socket to \(endpoint)") }
    }

    /// The endpoint the socket was last bound to, with a wildcard port resolved.
    func lastEndpoint() throws -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        var size = buffer.count
        guard zmq_getsockopt(handle, ZMQ_LAST_ENDPOINT, &buffer, &size) == 0 else {
            throw ZMQError("read the endpoint of the \(name) socket")
        }
        return String(cString: buffer)
    }

    /// Sends all frames as one multipart message; blocks while the socket's queue is full.
    func send(_ frames: [Data]) throws {
        for (index, frame) in frames.enumerated() {
            let flags = index == frames.count - 1 ? 0 : ZMQ_SNDMORE
            // A signal (SIGINT for an interrupt) can cut a blocking send short; the frame is
            // then not queued and is sent again, or the multipart message would be left half-sent.
            while frame.withUnsafeBytes({ zmq_send(handle, $0.baseAddress, $0.count, flags) }) < 0 {
                let code = zmq_errno()
                guard code == EINTR else { throw ZMQError("send on the \(name) socket", code: code) }
            }
        }
    }

    /// Receives one multipart message. With `wait: false` returns nil when none is queued.
    func receive(wait: Bool = true) throws -> [Data]? {
        var frames: [Data] = []
        var message = zmq_msg_t()
        zmq_msg_init(&message)
        defer { zmq_msg_close(&message) }
        while true {
            let flags = frames.isEmpty && !wait ? ZMQ_DONTWAIT : 0
            if zmq_msg_recv(&message, handle, flags) < 0 {
                let code = zmq_errno()
                if code == EAGAIN && frames.isEmpty { return nil }
                if code == EINTR { continue }
                throw ZMQError("receive on the \(name) socket", code: code)
            }
            frames.append(Data(bytes: zmq_msg_data(&message), count: zmq_msg_size(&message)))
            if zmq_msg_more(&message) == 0 { return frames }
        }
    }

    /// Waits up to `timeoutMilliseconds` for a message; true when one can be received.
    func waitForMessage(timeoutMilliseconds: Int) -> Bool {
        var item = zmq_pollitem_t(socket: handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)
        return zmq_poll(&item, 1, timeoutMilliseconds) > 0 && item.revents & Int16(ZMQ_POLLIN) != 0
    }

    func close() {
        guard let handle else { return }
        zmq_close(handle)
        self.handle = nil
    }
}

/// Waits on several sockets and plain file descriptors at once.
enum ZMQPoll {
    /// Something `ZMQPoll.wait` can watch.
    enum Source {
        case socket(ZMQSocket)
        case fileDescriptor(Int32)
    }

    /// Returns, for each source in order, whether it became readable within the timeout.
    static func wait(for sources: [Source], timeoutMilliseconds: Int) -> [Bool] {
        var items = sources.map { source -> zmq_pollitem_t in
            switch source {
            case .socket(let socket):
                return zmq_pollitem_t(socket: socket.handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)
            case .fileDescriptor(let fd):
                return zmq_pollitem_t(socket: nil, fd: fd, events: Int16(ZMQ_POLLIN), revents: 0)
            }
        }
        guard zmq_poll(&items, Int32(items.count), timeoutMilliseconds) > 0 else {
            return Array(repeating: false, count: items.count)
        }
        return items.map { $0.revents & Int16(ZMQ_POLLIN) != 0 }
    }
}
