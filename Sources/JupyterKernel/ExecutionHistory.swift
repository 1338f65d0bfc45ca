// Layer: Jupyter front end. May use Glibc's fnmatch and Foundation; knows nothing of R-DC.
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The latest inputs run with `store_history` during this kernel's lifetime, answering
/// `history_request`. Only the most recent `capacity` cells are kept, so a kernel that runs for
/// weeks does not grow without bound (consoles ask for the last 1,000).
struct ExecutionHistory {
    /// One stored cell.
    struct Entry: Equatable {
        let line: Int
        let input: String
        /// The `text/plain` of the cell's execute_result, if it had one.
        let output: String?
    }

    /// This kernel's lifetime is one history session.
    static let session = 1
    /// How many cells are kept by default.
    static let defaultCapacity = 10_000
    let capacity: Int
    private(set) var entries: [Entry] = []

    init(capacity: Int = Self.defaultCapacity) {
        self.capacity = max(1, capacity)
    }

    /// Stores a cell, forgetting the oldest one beyond `capacity`.
    mutating func append(line: Int, input: String, output: String?) {
        entries.append(Entry(line: line, input: input, output: output))
        if entries.count > capacity { entries.removeFirst(entries.count - capacity) }
    }

    /// The entries a `history_request` asks for (`hist_access_type` tail, range or search).
    func entries(for request: JSONObject) -> [Entry] {
        let unique = request["unique"] as? Bool ?? false
        switch request["hist_access_type"] as? String {
        case "tail":
            return Self.last(request["n"] as? Int ?? 10, of: unique ? Self.deduplicated(entries) : entries)
        case "range":
            let session = request["session"] as? Int ?? 0
            guard session == 0 || session == Self.session else { return [] }
            let start = request["start"] as? Int ?? 0
            let stop = request["stop"] as? Int
            return entries.filter { entry in entry.line >= start && (stop.map { entry.line < $0 } ?? true) }
        case "search":
            let pattern = request["pattern"] as? String ?? "*"
            let matching = entries.filter { fnmatch(pattern, $0.input, 0) == 0 }
            let selected = unique ? Self.deduplicated(matching) : matching
            if let n = request["n"] as? Int { return Self.last(n, of: selected) }
            return selected
        default:
            return []
        }
    }

    /// Rows as the reply carries them: `[session, line, input]` or `[session, line, [input, output]]`.
    func rows(for request: JSONObject) -> [[Any]] {
        let withOutput = request["output"] as? Bool ?? false
        return entries(for: request).map { entry in
            let value: Any = withOutput ? [entry.input, entry.output ?? NSNull()] as [Any] : entry.input
            return [Self.session, entry.line, value]
        }
    }

    private static func last(_ count: Int, of entries: [Entry]) -> [Entry] {
        Array(entries.suffix(max(count, 0)))
    }

    /// Keeps the latest occurrence of each input, in order.
    private static func deduplicated(_ entries: [Entry]) -> [Entry] {
        var seen = Set<String>()
        return entries.reversed().filter { seen.insert($0.input).inserted }.reversed()
    }
}
