// Layer: terminal front end. May use Glibc signals, pipes and threads; never ZeroMQ. Turns
// SIGINT (Ctrl-C while a command runs) into a call from ordinary code.

import Foundation
import RDCSession
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The write end of the watcher's pipe: the SIGINT handler may only do async-signal-safe work,
/// so it writes one byte here and nothing else.
private var signalPipeWriteEnd: Int32 = -1

private func forwardInterruptSignal(_: Int32) {
    var byte: UInt8 = 1
    _ = write(signalPipeWriteEnd, &byte, 1)
}

/// Installs a SIGINT handler that writes to a pipe and a thread that reads the pipe and calls
/// `onInterrupt` for each signal (the self-pipe trick). One per process; `stop()` restores the
/// previous handler.
public final class InterruptWatcher {
    private let writeEnd: Int32
    private var previousAction = sigaction()
    private let thread: Thread

    /// Starts watching; `onInterrupt` runs on the watcher thread.
    public init(onInterrupt: @escaping @Sendable () -> Void) {
        var ends: [Int32] = [0, 0]
        precondition(pipe(&ends) == 0, "cannot create the SIGINT pipe (errno \(errno))")
        let readEnd = ends[0]
        writeEnd = ends[1]
        signalPipeWriteEnd = writeEnd
        thread = Thread {
            var byte: UInt8 = 0
            while true {
                let count = read(readEnd, &byte, 1)
                if count == 1 && byte == 1 { onInterrupt(); continue }
                if count < 0 && errno == EINTR { continue }
                break  // a 0 byte from `stop()`, end of file or an error
            }
            close(readEnd)
        }
        thread.name = "rdc-interrupt-watcher"
        thread.start()
        var action = sigaction()
        #if canImport(Glibc)
        action.__sigaction_handler.sa_handler = forwardInterruptSignal
        #else
        action.__sigaction_u.__sa_handler = forwardInterruptSignal
        #endif
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(SIGINT, &action, &previousAction)
    }

    /// Restores the previous SIGINT handler and ends the watcher thread.
    public func stop() {
        sigaction(SIGINT, &previousAction, nil)
        signalPipeWriteEnd = -1
        var stop: UInt8 = 0
        _ = write(writeEnd, &stop, 1)
        close(writeEnd)
    }
}
