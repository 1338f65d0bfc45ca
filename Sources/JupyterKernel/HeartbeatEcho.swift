// Layer: Jupyter front end. May use CZMQ (through ZMQSocket) and Foundation; knows nothing of R-DC.
import Foundation

/// The heartbeat thread's loop: sends every message on the heartbeat ROUTER socket back to
/// the peer that sent it, until stopped.
///
/// The socket is a ROUTER, as ipykernel's is, not the REP of the messaging spec: REQ clients
/// cannot tell the difference, and a ROUTER keeps no state from one request to the next. A
/// libzmq REP socket does: when it drops a request without an envelope from a peer it cannot
/// write to (gone, or not reading), its router half stays "mid-reply" and the reply to the
/// next request, from any client, is lost; that client then sees a dead kernel.
struct HeartbeatEcho {
    /// The heartbeat ROUTER socket, used by this loop's thread only.
    let socket: ZMQSocket
    let log: (String) -> Void

    /// Echoes until `stop` is set (or the socket fails), then closes the socket.
    func run(until stop: SharedFlag) {
        while !stop.isSet {
            guard socket.waitForMessage(timeoutMilliseconds: 100) else { continue }
            do {
                // The first frame is the sender's routing id, so sending the frames back unchanged
                // answers that sender; libzmq drops the echo when the sender is gone or not reading.
                if let frames = try socket.receive(wait: false) { try socket.send(frames) }
            } catch {
                log("heartbeat stopped: \(error)")
                break
            }
        }
        socket.close()
    }
}
