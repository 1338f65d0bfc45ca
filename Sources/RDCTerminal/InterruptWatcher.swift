// Layer: terminal front end. May use threads and the SIGINT pipe; never ZeroMQ. Turns SIGINT
// (Ctrl-C while a command runs) into a call from ordinary code.

import Foundation
import SignalPipe

/// Watches for SIGINT on a thread of its own and calls `onInterrupt` for each one.
/// One per process; `stop()` restores the previous handler.
public final class InterruptWatcher {
    private let signals: InterruptSignalPipe

    /// Starts watching; `onInterrupt` runs on the watcher thread.
    public init(onInterrupt: @escaping @Sendable () -> Void) {
        do {
            signals = try InterruptSignalPipe()
        } catch {
            preconditionFailure("\(error)")
        }
        let signals = self.signals
        let thread = Thread {
            while signals.waitForSignal() { onInterrupt() }
        }
        thread.name = "rdc-interrupt-watcher"
        thread.start()
    }

    /// Restores the previous SIGINT handler and ends the watcher thread.
    public func stop() {
        signals.uninstall()
    }
}
