// Layer: Jupyter front end. May use Foundation only; knows nothing of R-DC or tensors.
import Foundation

/// Remembers the first shutdown request and wakes whoever waits for one.
final class ShutdownLatch: @unchecked Sendable {
    private let lock = NSLock()
    private var requestedRestart: Bool?
    private let requested = DispatchSemaphore(value: 0)

    /// The first request's restart flag, nil before one.
    var restart: Bool? { lock.withLock { requestedRestart } }

    /// Records a request; only the first one counts (and wakes `wait()`).
    func request(restart: Bool) {
        let isFirst = lock.withLock { () -> Bool in
            guard requestedRestart == nil else { return false }
            requestedRestart = restart
            return true
        }
        if isFirst { requested.signal() }
    }

    /// Blocks until a request came; returns its restart flag.
    func wait() -> Bool {
        requested.wait()
        return lock.withLock { requestedRestart ?? false }
    }
}
