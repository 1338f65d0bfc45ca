// Layer: Jupyter front end. May use CZMQ, Crypto and Foundation; knows nothing of R-DC or tensors.
// The server: binds the five sockets and runs one thread per channel. The protocol itself is
// `KernelCore`'s; the server gives it `ZMQTransport` and threads. It knows nothing of the
// language; everything language-specific goes through `KernelInterpreter`.
import CZMQ
import Foundation
import SignalPipe

/// Why the server could not start.
public enum KernelServerError: Error, CustomStringConvertible {
    /// `run()` was called a second time.
    case alreadyRun
    /// An operating-system call failed.
    case systemCall(String, errno: Int32)

    /// A sentence naming what failed.
    public var description: String {
        switch self {
        case .alreadyRun: "KernelServer.run() can be called only once"
        case .systemCall(let operation, let code): "failed to \(operation): \(String(cString: strerror(code)))"
        }
    }
}

/// A Jupyter kernel server speaking messaging protocol 5.4 for any `KernelInterpreter`.
///
/// Threads: heartbeat (echo), IOPub (the one XPUB publisher), control, shell (runs cells one at
/// a time; also owns stdin); control and shell hand their requests to one `KernelCore`. Each libzmq socket is used by exactly one thread. `init` binds all
/// sockets, so bind errors surface at once and `connection` tells the ports actually bound.
public final class KernelServer {
    /// The connection as bound: ports given as 0 are replaced by the ports chosen.
    public let connection: ConnectionInfo
    /// Whether `run()` turns SIGINT into `interpreter.interrupt()` (restoring the previous
    /// handler when it returns). Only one server per process should do so at a time.
    public var handlesInterruptSignal = true

    private let interpreter: KernelInterpreter
    private let log: (String) -> Void
    private let context: ZMQContext
    private let codec: WireCodec
    private let session = UUID().uuidString.lowercased()
    private let feedEndpoint: String
    private var sockets: Sockets?

    private struct Sockets {
        let shell, control, stdin, heartbeat, iopub, iopubFeed: ZMQSocket
    }

    /// Binds the shell, control, stdin, heartbeat and IOPub sockets described by `connection`.
    /// `logger` receives one line per notable event (dropped messages, unknown requests); it is
    /// called from the server's threads, possibly concurrently.
    public init(connection: ConnectionInfo, interpreter: KernelInterpreter, logger: @escaping (String) -> Void) throws {
        self.interpreter = interpreter
        self.log = logger
        self.codec = WireCodec(key: connection.key)
        self.feedEndpoint = "inproc://iopub-feed-\(session)"
        let context = try ZMQContext()
        self.context = context
        var bound = connection
        do {
            // Replies and the last status messages must get out after a shutdown request.
            let limitRequests = { (socket: ZMQSocket) in try socket.limitIncomingFrames(to: Self.largestRequestFrame) }
            let shell = try Self.bind(ZMQ_ROUTER, "shell", in: context, connection, port: &bound.shellPort, linger: 1000,
                                      configure: limitRequests)
            let control = try Self.bind(ZMQ_ROUTER, "control", in: context, connection, port: &bound.controlPort, linger: 1000,
                                        configure: limitRequests)
            let stdin = try Self.bind(ZMQ_ROUTER, "stdin", in: context, connection, port: &bound.stdinPort, linger: 1000,
                                      configure: limitRequests)
            let heartbeat = try Self.bind(ZMQ_ROUTER, "heartbeat", in: context, connection, port: &bound.heartbeatPort, linger: 0) { socket in
                try socket.limitIncomingFrames(to: Self.largestHeartbeatFrame)
            }
            let iopub = try Self.bind(ZMQ_XPUB, "IOPub", in: context, connection, port: &bound.iopubPort, linger: 1000) { socket in
                try socket.setOption(ZMQ_XPUB_VERBOSE, 1)  // every subscription, even a repeated one, gets a welcome
                try socket.setOption(ZMQ_SNDHWM, 100_000)
                // libzmq keeps each subscription in a trie of about 50 bytes per topic byte (an 8 MB
                // topic cost the kernel 800 MB); IOPub topics are message types, a few bytes long.
                try socket.limitIncomingFrames(to: Self.largestSubscription)
            }
            let feed = try ZMQSocket(context: context, type: ZMQ_PULL, name: "IOPub feed")
            try feed.setLinger(milliseconds: 0)
            try feed.bind(feedEndpoint)
            sockets = Sockets(shell: shell, control: control, stdin: stdin, heartbeat: heartbeat, iopub: iopub, iopubFeed: feed)
        } catch {
            context.terminate()  // sockets made so far were closed when released
            throw error
        }
        self.connection = bound
    }

    /// The largest frame a client may send on shell, control or stdin: far above any cell's code.
    static let largestRequestFrame = 64 << 20
    /// The largest heartbeat frame: clients send `ping`.
    static let largestHeartbeatFrame = 64 << 10
    /// The largest IOPub subscription frame (1 byte of subscribe/unsubscribe, then the topic).
    static let largestSubscription = 1 << 10

    /// Makes a socket, sets its options and binds it; a port of 0 is replaced by the one chosen.
    private static func bind(_ type: Int32, _ name: String, in context: ZMQContext, _ connection: ConnectionInfo,
                             port: inout Int, linger: Int32, configure: (ZMQSocket) throws -> Void = { _ in }) throws -> ZMQSocket {
        let socket = try ZMQSocket(context: context, type: type, name: name)
        try socket.setLinger(milliseconds: linger)
        try configure(socket)
        try socket.bind(connection.endpoint(port: port))
        if connection.transport == "tcp", let chosen = try socket.lastEndpoint().split(separator: ":").last.flatMap({ Int($0) }) {
            port = chosen
        }
        return socket
    }

    deinit {
        // Only when run() never ran: close the bound sockets so the context can end.
        guard let sockets else { return }
        for socket in [sockets.shell, sockets.control, sockets.stdin, sockets.heartbeat, sockets.iopub, sockets.iopubFeed] {
            socket.close()
        }
        context.terminate()
    }

    /// Serves requests until a `shutdown_request` and returns whether it asked for a restart.
    /// Returns within about a second of the shutdown reply; a cell still running is interrupted.
    public func run() throws -> Bool {
        guard let sockets else { throw KernelServerError.alreadyRun }
        self.sockets = nil
        let stop = SharedFlag()
        let interruptSignals = handlesInterruptSignal ? try InterruptSignalPipe() : nil
        defer { interruptSignals?.uninstall() }

        let transport = try ZMQTransport(shell: sockets.shell, control: sockets.control, stdin: sockets.stdin, context: context,
                                         iopubEndpoint: feedEndpoint, codec: codec, log: log)
        let core = KernelCore(interpreter: interpreter, transport: transport, session: session, log: log)
        let publisher = IOPubPublisher(xpub: sockets.iopub, feed: sockets.iopubFeed, codec: codec, session: session, log: log)
        let heartbeat = HeartbeatEcho(socket: sockets.heartbeat, log: log)
        let publisherStop = SharedFlag()

        let publisherThread = Self.start("iopub") { publisher.run(until: publisherStop) }
        let heartbeatThread = Self.start("heartbeat") { heartbeat.run(until: stop) }
        let controlThread = Self.start("control") { transport.serveControl(core, interruptSignals: interruptSignals, until: stop) }
        let shellThread = Self.start("shell") { transport.serveShell(core, until: stop) }

        let restart = core.waitForShutdown()
        stop.set()
        core.stopServing()
        let deadline = DispatchTime.now() + .milliseconds(1500)
        let channelsEnded = [controlThread, heartbeatThread, shellThread].allSatisfy { $0.wait(timeout: deadline) == .success }
        // The publisher goes last so that every message the channels queued is forwarded.
        publisherStop.set()
        let publisherEnded = publisherThread.wait(timeout: .now() + .milliseconds(1500)) == .success
        if channelsEnded && publisherEnded {
            context.terminate()
        } else {
            log("a kernel thread did not stop within 1.5 s (a cell ignoring interrupts?); leaving it behind")
        }
        return restart
    }

    /// Starts a named thread and returns a group that is left when the thread ends.
    private static func start(_ name: String, _ body: @escaping () -> Void) -> DispatchGroup {
        let group = DispatchGroup()
        group.enter()
        let thread = Thread {
            body()
            group.leave()
        }
        thread.name = "kernel-\(name)"
        thread.start()
        return group
    }
}
