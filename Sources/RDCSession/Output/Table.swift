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
    public var plainText: String {
        let count = columnCount
        let allRows = (header.isEmpty ? [] : [header]) + rows
        let widths = (0..<count).map { column in allRows.map { cell($0, column).count }.max() ?? 0 }
        let rightAligned = numericColumns
        func render(_ row: [String], numericAlignment: Bool) -> String {
            let cells = (0..<count).map { column -> String in
                let text = cell(row, column)
                let padding = String(repeating: " ", count: widths[column] - text.count)
                return numericAlignment && rightAligned[column] ? padding + text : text + padding
            }
            var line = cells.joined(separator: "  ")
            while line.last == " " { line.removeLast() }
            return line
        }
        var lines: [String] = []
        if let title { lines.append(title) }
        if !header.isEmpty {
            lines.append(render(header, numericAlignment: true))
            lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        }
        lines += rows.map { render($0, numericAlignment: true) }
        return lines.joined(separator: "\n")
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
