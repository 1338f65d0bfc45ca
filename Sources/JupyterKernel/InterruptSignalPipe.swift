// Layer: Jupyter front end. May use Glibc signals and pipes; knows nothing of R-DC or tensors.
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The write end the SIGINT handler writes to; -1 when no handler is installed.
/// A plain integer global: the handler may only do async-signal-safe work (one `write`).
private var interruptSignalWriteEnd: Int32 = -1

private func recordInterruptSignal(_: Int32) {
    var byte: UInt8 = 1
    _ = write(interruptSignalWriteEnd, &byte, 1)
}

/// Installs a SIGINT handler that only writes a byte to a pipe (the self-pipe trick); the
/// control thread polls the read end and calls the interpreter from ordinary code.
/// One instance at a time per process; `uninstall()` restores the previous handler.
final class InterruptSignalPipe {
    let readEnd: Int32
    private let writeEnd: Int32
    private var previousAction = sigaction()

    init() throws {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw KernelServerError.systemCall("create the SIGINT pipe", errno: errno) }
        readEnd = ends[0]
        writeEnd = ends[1]
        for end in ends { _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK) }
        interruptSignalWriteEnd = writeEnd
        var action = sigaction()
        #if canImport(Glibc)
        action.__sigaction_handler.sa_handler = recordInterruptSignal
        #else
        action.__sigaction_u.__sa_handler = recordInterruptSignal
        #endif
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(SIGINT, &action, &previousAction)
    }

    /// Empties the pipe; true when at least one SIGINT had arrived.
    func drain() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 64)
        var received = false
        while read(readEnd, &buffer, buffer.count) > 0 { received = true }
        return received
    }

    func uninstall() {
        sigaction(SIGINT, &previousAction, nil)
        interruptSignalWriteEnd = -1
        close(readEnd)
        close(writeEnd)
    }
}
