// Layer: Jupyter front end. May use Foundation and SafeFiles only; knows nothing of R-DC or tensors.
import Foundation
import SafeFiles

/// What a Jupyter client tells the kernel in its connection file: where to bind and how to sign.
public struct ConnectionInfo: Equatable, Sendable {
    /// `tcp` or `ipc`.
    public var transport: String
    /// The address (tcp) or path stem (ipc) to bind.
    public var ip: String
    /// Port of the shell ROUTER socket; 0 lets the kernel pick a free one.
    public var shellPort: Int
    /// Port of the IOPub XPUB socket; 0 lets the kernel pick a free one.
    public var iopubPort: Int
    /// Port of the stdin ROUTER socket; 0 lets the kernel pick a free one.
    public var stdinPort: Int
    /// Port of the control ROUTER socket; 0 lets the kernel pick a free one.
    public var controlPort: Int
    /// Port of the heartbeat socket (REQ clients ping it); 0 lets the kernel pick a free one.
    public var heartbeatPort: Int
    /// The HMAC key; empty means messages are not signed.
    public var key: String
    /// Must be `hmac-sha256`.
    public var signatureScheme: String
    /// The kernel name the client launched, when it said.
    public var kernelName: String?

    /// Makes connection info directly; ports of 0 are resolved when the server binds.
    public init(transport: String = "tcp", ip: String = "127.0.0.1", shellPort: Int = 0, iopubPort: Int = 0,
                stdinPort: Int = 0, controlPort: Int = 0, heartbeatPort: Int = 0, key: String,
                signatureScheme: String = "hmac-sha256", kernelName: String? = nil) throws {
        self.transport = transport
        self.ip = ip
        self.shellPort = shellPort
        self.iopubPort = iopubPort
        self.stdinPort = stdinPort
        self.controlPort = controlPort
        self.heartbeatPort = heartbeatPort
        self.key = key
        self.signatureScheme = signatureScheme
        self.kernelName = kernelName
        try validate()
    }

    /// The largest connection file read (a real one is a few hundred bytes).
    public static let maximumFileSize = 1 << 20

    /// Reads and checks a connection file.
    public init(contentsOfFile path: String) throws {
        let bytes: [UInt8]
        do {
            bytes = try SafeFile.read(path, limit: Self.maximumFileSize)
        } catch let problem as FileProblem {
            throw ConnectionInfoError.unreadableFile(path: path, reason: problem.reason)
        }
        try self.init(json: Data(bytes), source: path)
    }

    /// Decodes and checks the JSON of a connection file; `source` names it in errors.
    public init(json: Data, source: String = "connection file") throws {
        guard let object = try? JSONSerialization.jsonObject(with: json), let fields = object as? [String: Any] else {
            throw ConnectionInfoError.notAJSONObject(source: source)
        }
        func string(_ field: String, default fallback: String? = nil) throws -> String {
            if let value = fields[field] as? String { return value }
            if fields[field] == nil, let fallback { return fallback }
            throw ConnectionInfoError.badField(source: source, field: field, expected: "a string")
        }
        func port(_ field: String) throws -> Int {
            guard let number = fields[field] as? NSNumber, let port = Int(exactly: number.doubleValue) else {
                throw ConnectionInfoError.badField(source: source, field: field, expected: "a port number")
            }
            return port
        }
        transport = try string("transport", default: "tcp")
        ip = try string("ip", default: "127.0.0.1")
        shellPort = try port("shell_port")
        iopubPort = try port("iopub_port")
        stdinPort = try port("stdin_port")
        controlPort = try port("control_port")
        heartbeatPort = try port("hb_port")
        key = try string("key", default: "")
        signatureScheme = try string("signature_scheme", default: "hmac-sha256")
        kernelName = fields["kernel_name"] as? String
        try validate(source: source)
    }

    private func validate(source: String = "connection info") throws {
        guard transport == "tcp" || transport == "ipc" else {
            throw ConnectionInfoError.badField(source: source, field: "transport", expected: "\"tcp\" or \"ipc\", not \"\(transport)\"")
        }
        guard signatureScheme == "hmac-sha256" else {
            throw ConnectionInfoError.badField(source: source, field: "signature_scheme",
                                               expected: "\"hmac-sha256\", not \"\(signatureScheme)\"")
        }
        for (field, port) in [("shell_port", shellPort), ("iopub_port", iopubPort), ("stdin_port", stdinPort),
                              ("control_port", controlPort), ("hb_port", heartbeatPort)] where !(0...65535).contains(port) {
            throw ConnectionInfoError.badField(source: source, field: field, expected: "a port in 0...65535, not \(port)")
        }
    }

    /// The libzmq endpoint for a port: `tcp://ip:port` (`*` for port 0) or `ipc://ip-port`.
    func endpoint(port: Int) -> String {
        if transport == "ipc" { return "ipc://\(ip)-\(port)" }
        return "tcp://\(ip):\(port == 0 ? "*" : String(port))"
    }

    /// The JSON a client would read, with the resolved ports (for writing a connection file).
    public func jsonData() -> Data {
        var fields: [String: Any] = [
            "transport": transport, "ip": ip, "shell_port": shellPort, "iopub_port": iopubPort,
            "stdin_port": stdinPort, "control_port": controlPort, "hb_port": heartbeatPort,
            "key": key, "signature_scheme": signatureScheme,
        ]
        if let kernelName { fields["kernel_name"] = kernelName }
        // Only strings and integers go in, so serialisation cannot fail.
        return (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])) ?? Data()
    }
}

/// Why a connection file could not be used.
public enum ConnectionInfoError: Error, Equatable, CustomStringConvertible {
    /// The file could not be read.
    case unreadableFile(path: String, reason: String)
    /// The file is not a JSON object.
    case notAJSONObject(source: String)
    /// A field is missing or holds the wrong kind of value.
    case badField(source: String, field: String, expected: String)

    /// A sentence naming the file and what was wrong.
    public var description: String {
        switch self {
        case .unreadableFile(let path, let reason): "cannot read connection file \(path): \(reason)"
        case .notAJSONObject(let source): "\(source) is not a JSON object"
        case .badField(let source, let field, let expected): "\(source): field \"\(field)\" must be \(expected)"
        }
    }
}
