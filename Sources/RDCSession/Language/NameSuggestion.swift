// Layer: session (command language). Pure Swift, no I/O: finds the declared name nearest to a
// mistyped word, for "did you mean" hints.

/// Suggests the candidate nearest to a mistyped word.
enum NameSuggestion {
    /// The candidate closest to `word` by edit distance (adjacent swaps count as one edit,
    /// letter case is ignored), if it is close enough to be a plausible typo: at most one edit
    /// for words of up to four letters, two for longer ones. A candidate that starts with a
    /// word of three or more letters also qualifies. Ties go to the earlier candidate.
    static func nearest(to word: String, among candidates: [String]) -> String? {
        let typed = Array(word.lowercased())
        guard !typed.isEmpty else { return nil }
        let allowedEdits = typed.count <= 4 ? 1 : 2
        var best: (name: String, distance: Int)?
        for candidate in candidates where candidate != word {
            let lowered = candidate.lowercased()
            var distance = editDistance(typed, Array(lowered))
            if distance > allowedEdits, typed.count >= 3, lowered.hasPrefix(String(typed)) {
                distance = allowedEdits
            }
            if distance <= allowedEdits, distance < (best?.distance ?? Int.max) {
                best = (candidate, distance)
            }
        }
        return best?.name
    }

    /// Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of
    /// two adjacent characters each cost one.
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previousPrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previousPrevious[j - 2] + 1)
                }
            }
            (previousPrevious, previous, current) = (previous, current, previousPrevious)
        }
        return previous[b.count]
    }
}
