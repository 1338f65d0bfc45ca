// Layer: Jupyter front end. May use CZMQ (through ZMQSocket) and Foundation; knows nothing of R-DC.
import Foundation

/// The heartbeat thread's loop: echoes every message on the REP socket until stopped.
struct HeartbeatEcho {
    /// The heartbeat REP socket, used by this loop's thread only.
    let socket: ZMQSocket
    let log: (String) -> Void

    /// Echoes until `stop` is set (or the socket fails), then closes the socket.
    func run(until stop: SharedFlag) {
        while !stop.isSet {
            guard socket.waitForMessage(timeoutMilliseconds: 100) else { continue }
            do {
                if let frames = try socket.receive(wait: false) { try socket.send(frames) }
            } catch {
                // A REP socket in a bad state cannot recover; the client will see missed beats.
                log("heartbeat stopped: \(error)")
                break
            }
        }
        socket.close()
    }
}
