// Layer: Jupyter front end. May use Foundation only; knows nothing of R-DC or tensors.
import Foundation

/// A JSON object as Foundation's JSONSerialization reads and writes it.
public typealias JSONObject = [String: Any]

/// A MIME bundle: MIME type → data (a string for text and base64 images, JSON for `application/json`).
public typealias MimeBundle = [String: Any]

/// The protocol version put in every header the kernel sends.
let protocolVersion = "5.4"

/// One Jupyter message, decoded or about to be encoded.
struct JupyterMessage {
    /// ZeroMQ routing identities (ROUTER sockets) or the topic (IOPub).
    var identities: [Data]
    var header: JSONObject
    var parentHeader: JSONObject
    var metadata: JSONObject
    var content: JSONObject
    var buffers: [Data] = []

    var messageType: String { header["msg_type"] as? String ?? "" }
    var messageID: String { header["msg_id"] as? String ?? "" }
}

/// Why a received multipart message was dropped.
enum WireError: Error, CustomStringConvertible {
    case missingDelimiter
    case tooFewFrames(Int)
    case badSignature
    case badJSON(frame: String)

    var description: String {
        switch self {
        case .missingDelimiter: "no <IDS|MSG> delimiter frame"
        case .tooFewFrames(let count): "only \(count) frames after the delimiter, 5 needed"
        case .badSignature: "signature does not match (message dropped)"
        case .badJSON(let frame): "the \(frame) frame is not a JSON object"
        }
    }
}

/// Turns messages into signed multipart frames and back.
struct WireCodec {
    static let delimiter = Data("<IDS|MSG>".utf8)
    let signer: MessageSigner

    init(key: String) { signer = MessageSigner(key: key) }

    /// Frames: identities…, delimiter, signature, header, parent header, metadata, content, buffers….
    func encode(_ message: JupyterMessage) -> [Data] {
        let jsonFrames = [message.header, message.parentHeader, message.metadata, message.content].map(Self.serialize)
        return message.identities + [Self.delimiter, Data(signer.signature(of: jsonFrames).utf8)] + jsonFrames + message.buffers
    }

    /// Splits, verifies (over the bytes exactly as received) and parses a multipart message.
    func decode(_ frames: [Data]) throws -> JupyterMessage {
        guard let delimiterIndex = frames.firstIndex(of: Self.delimiter) else { throw WireError.missingDelimiter }
        let afterDelimiter = frames[(delimiterIndex + 1)...]
        guard afterDelimiter.count >= 5 else { throw WireError.tooFewFrames(afterDelimiter.count) }
        let signature = afterDelimiter[afterDelimiter.startIndex]
        let jsonFrames = Array(afterDelimiter.dropFirst().prefix(4))
        guard signer.isValid(signature: signature, of: jsonFrames) else { throw WireError.badSignature }
        let names = ["header", "parent_header", "metadata", "content"]
        let objects = try zip(jsonFrames, names).map { frame, name -> JSONObject in
            guard let object = try? JSONSerialization.jsonObject(with: frame) as? JSONObject else {
                throw WireError.badJSON(frame: name)
            }
            return object
        }
        return JupyterMessage(identities: Array(frames[..<delimiterIndex]), header: objects[0], parentHeader: objects[1],
                              metadata: objects[2], content: objects[3], buffers: Array(afterDelimiter.dropFirst(5)))
    }

    /// Serialises a JSON object; values that JSON cannot hold are replaced by their description
    /// so that an interpreter's odd metadata can never stop a reply from going out.
    static func serialize(_ object: JSONObject) -> Data {
        if JSONSerialization.isValidJSONObject(object), let data = try? JSONSerialization.data(withJSONObject: object) {
            return data
        }
        return (try? JSONSerialization.data(withJSONObject: sanitized(object) as! JSONObject)) ?? Data("{}".utf8)
    }

    private static func sanitized(_ value: Any) -> Any {
        switch value {
        case let object as [String: Any]: return object.mapValues(sanitized)
        case let array as [Any]: return array.map(sanitized)
        case let double as Double where !double.isFinite: return NSNull()
        case is String, is NSNumber, is NSNull: return value
        default: return String(describing: value)
        }
    }
}

/// Builds outgoing messages for one thread: fresh UUID msg_ids, ISO-8601 dates, version 5.4.
/// Each thread that sends keeps its own factory because date formatters are not shared safely.
final class MessageFactory {
    let session: String
    private let dateFormatter: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()

    init(session: String) { self.session = session }

    /// A message of `type` answering `parent` (or unparented), addressed to `identities`.
    func make(_ type: String, content: JSONObject, parent: JupyterMessage?, metadata: JSONObject = [:],
              identities: [Data] = []) -> JupyterMessage {
        let header: JSONObject = [
            "msg_id": UUID().uuidString.lowercased(),
            "session": session,
            "username": "kernel",
            "date": dateFormatter.string(from: Date()),
            "msg_type": type,
            "version": protocolVersion,
        ]
        return JupyterMessage(identities: identities, header: header, parentHeader: parent?.header ?? [:],
                              metadata: metadata, content: content)
    }
}
