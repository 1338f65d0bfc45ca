// Layer: Jupyter front end. May use Foundation only; knows nothing of R-DC or tensors.
import Foundation

/// A Bool shared between threads.
final class SharedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    /// Whether the flag is set.
    var isSet: Bool { lock.withLock { value } }
    /// Sets the flag.
    func set() { lock.withLock { value = true } }
    /// Clears the flag.
    func clear() { lock.withLock { value = false } }
}
