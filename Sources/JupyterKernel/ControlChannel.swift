// Layer: Jupyter front end. May use CZMQ (through ZMQSocket) and Foundation; knows nothing of R-DC.
import Foundation
import SignalPipe

/// The control thread's loop: answers interrupt, shutdown and kernel_info while a cell runs,
/// and turns SIGINT (seen through `InterruptSignalPipe`) into an interpreter interrupt.
final class ControlChannel {
    private let control: ZMQSocket
    private let messenger: ChannelMessenger
    private let interpreter: KernelInterpreter
    private let kernelInfoContent: JSONObject
    private let signals: ServerSignals
    private let interruptSignals: InterruptSignalPipe?
    private let log: (String) -> Void

    init(control: ZMQSocket, messenger: ChannelMessenger, interpreter: KernelInterpreter, kernelInfoContent: JSONObject,
         signals: ServerSignals, interruptSignals: InterruptSignalPipe?, log: @escaping (String) -> Void) {
        self.control = control
        self.messenger = messenger
        self.interpreter = interpreter
        self.kernelInfoContent = kernelInfoContent
        self.signals = signals
        self.interruptSignals = interruptSignals
        self.log = log
    }

    func run() {
        var sources: [ZMQPoll.Source] = [.socket(control)]
        if let interruptSignals { sources.append(.fileDescriptor(interruptSignals.readEnd)) }
        while !signals.stop.isSet {
            let ready = ZMQPoll.wait(for: sources, timeoutMilliseconds: 100)
            if ready.count > 1, ready[1], interruptSignals?.drain() == true {
                log("control: SIGINT received, interrupting")
                interrupt()
            }
            if ready[0] {
                while let request = messenger.receive(from: control) { handle(request) }
            }
        }
        messenger.close()
        control.close()
    }

    private func interrupt() {
        signals.inputInterrupted.set()
        interpreter.interrupt()
    }

    private func handle(_ request: JupyterMessage) {
        var shutdownRestart: Bool?
        messenger.whileBusy(with: request) {
            switch request.messageType {
            case "kernel_info_request":
                messenger.reply("kernel_info_reply", content: kernelInfoContent, to: request, on: control)
            case "interrupt_request":
                interrupt()
                messenger.reply("interrupt_reply", content: ["status": "ok"], to: request, on: control)
            case "shutdown_request":
                let restart = request.content["restart"] as? Bool ?? false
                messenger.reply("shutdown_reply", content: ["status": "ok", "restart": restart], to: request, on: control)
                shutdownRestart = restart
            default:
                log("control: unknown message type \"\(request.messageType)\" ignored")
            }
        }
        // Only after idle went out: run() then stops every thread.
        if let shutdownRestart { signals.requestShutdown(restart: shutdownRestart) }
    }
}
