// Layer: method (R-DC), metrics. May use NumericCore only; never the session, sockets or pictures.

/// The Hungarian method (Kuhn–Munkres with potentials, O(r²·c)) for rectangular assignment.
public enum Hungarian {
    /// A one-to-one assignment of rows to columns of the row-major `rows × columns` cost
    /// matrix minimising total cost; every row is assigned when rows ≤ columns, every column
    /// otherwise. Returns the column of each row, or nil for a row left unassigned.
    public static func minimumCostAssignment(costs: [Double], rows: Int, columns: Int) -> [Int?] {
        precondition(costs.count == rows * columns, "cost matrix must hold rows × columns values")
        guard rows > 0, columns > 0 else { return [Int?](repeating: nil, count: rows) }
        if rows > columns {
            var transposed = [Double](repeating: 0, count: rows * columns)
            for r in 0..<rows { for c in 0..<columns { transposed[c * rows + r] = costs[r * columns + c] } }
            let columnToRow = minimumCostAssignment(costs: transposed, rows: columns, columns: rows)
            var rowToColumn = [Int?](repeating: nil, count: rows)
            for (column, row) in columnToRow.enumerated() { rowToColumn[row!] = column }
            return rowToColumn
        }
        // 1-based potentials formulation: u over rows, v over columns, column 0 a sentinel.
        let n = rows, m = columns
        var u = [Double](repeating: 0, count: n + 1), v = [Double](repeating: 0, count: m + 1)
        var rowOfColumn = [Int](repeating: 0, count: m + 1), way = [Int](repeating: 0, count: m + 1)
        var minimum = [Double](repeating: 0, count: m + 1)
        var used = [Bool](repeating: false, count: m + 1)
        for row in 1...n {
            rowOfColumn[0] = row
            var column0 = 0
            for j in 0...m { minimum[j] = .infinity; used[j] = false }
            repeat {
                used[column0] = true
                let row0 = rowOfColumn[column0]
                var delta = Double.infinity, column1 = 0
                for j in 1...m where !used[j] {
                    let reduced = costs[(row0 - 1) * m + (j - 1)] - u[row0] - v[j]
                    if reduced < minimum[j] { minimum[j] = reduced; way[j] = column0 }
                    if minimum[j] < delta { delta = minimum[j]; column1 = j }
                }
                for j in 0...m {
                    if used[j] { u[rowOfColumn[j]] += delta; v[j] -= delta } else { minimum[j] -= delta }
                }
                column0 = column1
            } while rowOfColumn[column0] != 0
            repeat {
                let column1 = way[column0]
                rowOfColumn[column0] = rowOfColumn[column1]
                column0 = column1
            } while column0 != 0
        }
        var result = [Int?](repeating: nil, count: n)
        for j in 1...m where rowOfColumn[j] != 0 { result[rowOfColumn[j] - 1] = j - 1 }
        return result
    }
}
