// Layer: system utility below both front ends. May use Glibc signals and pipes only; knows
// nothing of Jupyter, terminals or R-DC. Turns SIGINT into something ordinary code can read.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The write end the SIGINT handler writes to; -1 when no handler is installed.
/// A plain integer global: the handler may only do async-signal-safe work (one `write`).
nonisolated(unsafe) private var interruptSignalWriteEnd: Int32 = -1

private func recordInterruptSignal(_: Int32) {
    var byte = InterruptSignalPipe.signalByte
    _ = write(interruptSignalWriteEnd, &byte, 1)
}

/// What went wrong installing the SIGINT pipe.
public struct InterruptSignalError: Error, CustomStringConvertible {
    /// The failing call's errno.
    public let code: Int32
    public var description: String { "cannot create the SIGINT pipe (errno \(code))" }
}

/// Installs a SIGINT handler that only writes a byte to a pipe (the self-pipe trick), so a
/// thread can notice Ctrl-C or a client's SIGINT and react from ordinary code: either by
/// polling `readEnd` and calling `drain()`, or by blocking in `waitForSignal()`.
/// One instance at a time per process; `uninstall()` restores the previous handler.
public final class InterruptSignalPipe {
    fileprivate static let signalByte: UInt8 = 1
    private static let stopByte: UInt8 = 0

    /// The end to poll for readability (non-blocking).
    public let readEnd: Int32
    private let writeEnd: Int32
    private var previousAction = sigaction()

    /// Creates the pipe and installs the handler.
    public init() throws {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw InterruptSignalError(code: errno) }
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

    deinit {
        close(readEnd)
        close(writeEnd)
    }

    /// Empties the pipe without blocking; true when at least one SIGINT had arrived.
    public func drain() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 64)
        var received = false
        while true {
            let count = read(readEnd, &buffer, buffer.count)
            guard count > 0 else { return received }
            if buffer[0..<count].contains(Self.signalByte) { received = true }
        }
    }

    /// Blocks until a SIGINT arrives (true) or `uninstall()` is called (false).
    public func waitForSignal() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 64)
        while true {
            var descriptor = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, -1)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { return false }
            let count = read(readEnd, &buffer, buffer.count)
            if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            guard count > 0 else { return false }
            if buffer[0..<count].contains(Self.stopByte) { return false }
            return true
        }
    }

    /// Restores the previous SIGINT handler and wakes any `waitForSignal()` with false.
    public func uninstall() {
        sigaction(SIGINT, &previousAction, nil)
        interruptSignalWriteEnd = -1
        var stop = Self.stopByte
        _ = write(writeEnd, &stop, 1)
    }
}
