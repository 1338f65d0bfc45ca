// Layer: session (outputs). Pure Swift, no I/O: a table of text cells that front ends show as
// aligned plain text or as HTML.

import Foundation

/// A table of text cells with a header row. Columns whose cells are all numbers are aligned
/// right in plain text.
public struct Table: Sendable, Equatable {
    /// A caption, or nil for none.
    public var title: String?
    /// Column names; may be empty for a table without a header line.
    public var header: [String]
    /// The rows; each as many cells as the widest row (shorter rows are padded when shown).
    public var rows: [[String]]

    /// Makes a table.
    public init(title: String? = nil, header: [String], rows: [[String]]) {
        self.title = title
        self.header = header
        self.rows = rows
    }

    private var columnCount: Int {
        max(header.count, rows.map(\.count).max() ?? 0)
    }

    private func cell(_ row: [String], _ column: Int) -> String {
        column < row.count ? row[column] : ""
    }

    /// Columns whose non-empty body cells all read as numbers.
    private var numericColumns: [Bool] {
        (0..<columnCount).map { column in
            let cells = rows.map { cell($0, column) }.filter { !$0.isEmpty }
            return !cells.isEmpty && cells.allSatisfy { parseDecimal($0.replacingOccurrences(of: "%", with: "")) != nil }
        }
    }

    /// The table as aligned columns separated by two spaces, a rule under the header, the
    /// title (if any) on the first line; no trailing spaces.
    public var plainText: String { plainText(maximumWidth: nil) }

    /// As `plainText`, but when the lines would be wider than `maximumWidth` the widest columns of
    /// text are narrowed and their cells wrapped at spaces onto continuation lines, so help reads
    /// in a terminal and in a notebook without the lines folding across the columns.
    public func plainText(maximumWidth: Int?) -> String {
        let count = columnCount
        let allRows = (header.isEmpty ? [] : [header]) + rows
        var widths = (0..<count).map { column in allRows.map { cell($0, column).count }.max() ?? 0 }
        let rightAligned = numericColumns
        if let maximumWidth { Self.narrow(&widths, of: allRows, toFit: maximumWidth, numeric: rightAligned) }
        func render(_ row: [String], numericAlignment: Bool) -> [String] {
            let wrapped = (0..<count).map { column in Self.wrap(cell(row, column), width: widths[column]) }
            return (0..<(wrapped.map(\.count).max() ?? 1)).map { lineIndex in
                let cells = (0..<count).map { column -> String in
                    let text = lineIndex < wrapped[column].count ? wrapped[column][lineIndex] : ""
                    let padding = String(repeating: " ", count: max(0, widths[column] - text.count))
                    return numericAlignment && rightAligned[column] ? padding + text : text + padding
                }
                var line = cells.joined(separator: "  ")
                while line.last == " " { line.removeLast() }
                return line
            }
        }
        var lines: [String] = []
        if let title { lines.append(title) }
        if !header.isEmpty {
            lines += render(header, numericAlignment: true)
            lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        }
        lines += rows.flatMap { render($0, numericAlignment: true) }
        return lines.joined(separator: "\n")
    }

    /// Narrows the widest text column a character at a time until the line fits or no column can
    /// give more: a column keeps at least 16 characters and its longest word (a path is not cut),
    /// and numeric columns are never wrapped.
    private static func narrow(_ widths: inout [Int], of allRows: [[String]], toFit maximumWidth: Int, numeric: [Bool]) {
        let floors = widths.indices.map { column in
            max(16, allRows.map { (column < $0.count ? $0[column] : "").split(separator: " ").map(\.count).max() ?? 0 }.max() ?? 0)
        }
        var total = widths.reduce(0, +) + 2 * max(0, widths.count - 1)
        while total > maximumWidth {
            let candidates = widths.indices.filter { !numeric[$0] && widths[$0] > floors[$0] }
            guard let widest = candidates.max(by: { widths[$0] < widths[$1] }) else { return }
            widths[widest] -= 1
            total -= 1
        }
    }

    /// `text` in lines of at most `width` characters, broken at spaces (a longer word is cut).
    static func wrap(_ text: String, width: Int) -> [String] {
        guard text.count > width, width > 0 else { return [text] }
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            var word = Substring(word)
            if !line.isEmpty && line.count + 1 + word.count <= width {
                line += " " + word
                continue
            }
            if !line.isEmpty { lines.append(line) }
            while word.count > width {
                lines.append(String(word.prefix(width)))
                word = word.dropFirst(width)
            }
            line = String(word)
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }

    /// The table as an HTML `<table>`, every cell escaped.
    public var html: String {
        var parts = ["<table>"]
        if let title { parts.append("<caption>\(escapeHTML(title))</caption>") }
        if !header.isEmpty {
            parts.append("<thead><tr>" + header.map { "<th>\(escapeHTML($0))</th>" }.joined() + "</tr></thead>")
        }
        parts.append("<tbody>")
        let rightAligned = numericColumns
        for row in rows {
            let cells = (0..<columnCount).map { column -> String in
                let style = rightAligned[column] ? " style=\"text-align:right\"" : ""
                return "<td\(style)>\(escapeHTML(cell(row, column)))</td>"
            }
            parts.append("<tr>" + cells.joined() + "</tr>")
        }
        parts.append("</tbody>")
        parts.append("</table>")
        return parts.joined(separator: "\n")
    }
}

/// Escapes `&`, `<`, `>`, `"` and `'` for HTML text and attribute values.
public func escapeHTML(_ text: String) -> String {
    var escaped = ""
    escaped.reserveCapacity(text.count)
    for character in text {
        switch character {
        case "&": escaped += "&amp;"
        case "<": escaped += "&lt;"
        case ">": escaped += "&gt;"
        case "\"": escaped += "&quot;"
        case "'": escaped += "&#39;"
        default: escaped.append(character)
        }
    }
    return escaped
}
