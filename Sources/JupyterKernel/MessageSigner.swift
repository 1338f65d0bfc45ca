// Layer: Jupyter front end. May use Crypto and Foundation; knows nothing of R-DC or tensors.
import Crypto
import Foundation

/// Signs and checks Jupyter messages with HMAC-SHA256 over the four JSON frames.
struct MessageSigner {
    private let key: SymmetricKey?

    /// An empty key turns signing off: signatures are empty and not checked.
    init(key: String) {
        self.key = key.isEmpty ? nil : SymmetricKey(data: Data(key.utf8))
    }

    /// The lowercase hex signature of header, parent header, metadata and content, in that order.
    func signature(of frames: [Data]) -> String {
        guard let key else { return "" }
        var hmac = HMAC<SHA256>(key: key)
        for frame in frames { hmac.update(data: frame) }
        return Data(hmac.finalize()).map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `signature` (hex, as received) authenticates the frames exactly as received.
    /// The comparison is constant-time; with signing off every signature is accepted.
    func isValid(signature: Data, of frames: [Data]) -> Bool {
        guard let key else { return true }
        guard let code = Self.bytes(fromHex: signature) else { return false }
        var joined = Data()
        for frame in frames { joined.append(frame) }
        return HMAC<SHA256>.isValidAuthenticationCode(code, authenticating: joined, using: key)
    }

    private static func bytes(fromHex hex: Data) -> Data? {
        guard hex.count % 2 == 0 else { return nil }
        func nibble(_ character: UInt8) -> UInt8? {
            switch character {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var bytes = Data(capacity: hex.count / 2)
        var index = hex.startIndex
        while index < hex.endIndex {
            guard let high = nibble(hex[index]), let low = nibble(hex[hex.index(after: index)]) else { return nil }
            bytes.append(high << 4 | low)
            index = hex.index(index, offsetBy: 2)
        }
        return bytes
    }
}
