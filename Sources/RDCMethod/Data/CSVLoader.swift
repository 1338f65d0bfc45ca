// Layer: method (R-DC), data. May use NumericCore and Foundation; never the session, sockets or pictures.

import Foundation

/// Which column of a CSV file holds the label.
public enum CSVLabelColumn: String, CaseIterable, Sendable {
    /// The first value of each row is the label.
    case first
    /// The last value of each row is the label.
    case last
    /// No labels: every value is a feature.
    case none
}

extension Dataset {
    /// Numbers from a CSV file (plain or gzipped, a UTF-8 byte-order mark ignored), one sample
    /// per row, comma-separated. The first row is a header, and skipped, only when none of its
    /// fields is a number; any other non-numeric field is an error naming its row and column.
    ///
    /// - Parameters:
    ///   - labelColumn: where the integer label is.
    ///   - layout: the shape of a sample (e.g. `.image(channels: 1, height: 8, width: 8)`);
    ///     by default `.vector` of the row's feature count.
    ///   - scale: when given, values are divided by it and must then lie in [0, 1]; when nil,
    ///     values already in [0, 1] are kept and anything else is min–max scaled to [0, 1].
    /// - Throws: `DatasetError` naming the file and row for ragged rows, non-numeric values,
    ///   non-integer labels, a layout of the wrong size (or one whose size overflows), or
    ///   values beyond `scale`.
    public static func csv(
        path: String, labelColumn: CSVLabelColumn = .last, layout: SampleLayout? = nil, scale: Float? = nil,
        name: String? = nil, classNames: [String]? = nil
    ) throws -> Dataset {
        var bytes = try DataFile.read(path)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) } // UTF-8 byte-order mark
        let text = String(decoding: bytes, as: UTF8.self)
        var features = [Float]()
        var labels = [Int]()
        var width = -1
        var rowNumber = 0
        for line in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            rowNumber += 1
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            let values = fields.map { Float($0.trimmingCharacters(in: .whitespaces)) }
            // A header has no number in it; a row with some numbers and a bad field is a typo.
            if rowNumber == 1 && values.allSatisfy({ $0 == nil }) { continue }
            if let column = values.firstIndex(where: { $0 == nil }) {
                throw DatasetError(file: path, problem: "row \(rowNumber), column \(column + 1): '\(fields[column])' is not a number")
            }
            if width < 0 { width = values.count }
            guard values.count == width else {
                throw DatasetError(file: path, problem: "row \(rowNumber) has \(values.count) values, earlier rows \(width)")
            }
            var row = values.map { $0! }
            if labelColumn != .none {
                guard row.count >= 2 else {
                    throw DatasetError(file: path, problem: "row \(rowNumber) has no values besides the label")
                }
                let label = labelColumn == .first ? row.removeFirst() : row.removeLast()
                guard label == label.rounded(), abs(label) < 1e9 else {
                    throw DatasetError(file: path, problem: "row \(rowNumber): label \(label) is not an integer")
                }
                labels.append(Int(label))
            }
            features.append(contentsOf: row)
        }
        guard width > 0, !features.isEmpty else { throw DatasetError(file: path, problem: "no data rows") }
        let valuesPerRow = labelColumn == .none ? width : width - 1
        let layout = layout ?? .vector(length: valuesPerRow)
        let valuesPerSample = try layout.checkedValueCount(file: path)
        guard valuesPerSample == valuesPerRow else {
            throw DatasetError(file: path, problem: "rows have \(valuesPerRow) feature values but shape \(layout) needs \(valuesPerSample)")
        }
        try scaleToUnitInterval(&features, scale: scale, file: path)
        return try decoded(from: path, name: name ?? "csv \((path as NSString).lastPathComponent)", layout: layout,
                           storage: features, labels: labelColumn == .none ? nil : labels, classNames: classNames)
    }

    /// scikit-learn's 8×8 digits (1,797 samples, values 0–16, 10 classes) from its
    /// `digits.csv.gz`; found by `locateDigitsCSV()` unless `path` is given.
    public static func digits(path: String? = nil) throws -> Dataset {
        guard let file = path ?? locateDigitsCSV() else {
            throw DatasetError(file: "digits.csv.gz", problem: "not found; install scikit-learn (e.g. in ./.venv) or set RDC_DIGITS_CSV to the file")
        }
        return try csv(path: file, labelColumn: .last, layout: .image(channels: 1, height: 8, width: 8), scale: 16,
                       name: "digits", classNames: (0..<10).map(String.init))
    }

    /// Where scikit-learn's `digits.csv.gz` is, trying in order: `$RDC_DIGITS_CSV`,
    /// `./.venv/lib/python3*/site-packages`, `/usr/lib/python3/dist-packages`,
    /// `/usr/local/lib/python3*/{dist,site}-packages`, `/usr/lib/python3*/site-packages` and
    /// `~/.local/lib/python3*/site-packages` (each followed by `sklearn/datasets/data/digits.csv.gz`).
    public static func locateDigitsCSV(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        workingDirectory: String = FileManager.default.currentDirectoryPath
    ) -> String? {
        if let explicit = environment["RDC_DIGITS_CSV"], !explicit.isEmpty { return explicit }
        let home = environment["HOME"] ?? NSHomeDirectory()
        let packageFolders = pythonFolders(in: "\(workingDirectory)/.venv/lib", then: "site-packages")
            + ["/usr/lib/python3/dist-packages"]
            + pythonFolders(in: "/usr/local/lib", then: "dist-packages")
            + pythonFolders(in: "/usr/local/lib", then: "site-packages")
            + pythonFolders(in: "/usr/lib", then: "site-packages")
            + pythonFolders(in: "\(home)/.local/lib", then: "site-packages")
        return DataFile.firstExisting(packageFolders.map { "\($0)/sklearn/datasets/data/digits.csv.gz" })
    }

    /// `folder/python3*/leaf` for every `python3*` entry of `folder`, newest version first.
    private static func pythonFolders(in folder: String, then leaf: String) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return entries.filter { $0.hasPrefix("python3") }
            .sorted { $0.compare($1, options: .numeric) == .orderedDescending }
            .map { "\(folder)/\($0)/\(leaf)" }
    }
}

/// Scales `values` into [0, 1]: divides by `scale` when given (then every value must fit),
/// otherwise min–max scales unless they already lie in [0, 1].
func scaleToUnitInterval(_ values: inout [Float], scale: Float?, file: String) throws {
    if let scale {
        guard scale > 0, scale.isFinite else { throw DatasetError(file: file, problem: "scale must be positive, got \(scale)") }
        for index in values.indices { values[index] /= scale }
        if let bad = values.first(where: { !($0 >= 0 && $0 <= 1) }) {
            throw DatasetError(file: file, problem: "value \(bad * scale) lies outside [0, scale = \(scale)]")
        }
        return
    }
    guard values.allSatisfy({ $0.isFinite }) else { throw DatasetError(file: file, problem: "contains NaN or infinite values") }
    guard let low = values.min(), let high = values.max() else { return }
    if low >= 0 && high <= 1 { return }
    let range = high - low
    for index in values.indices { values[index] = range > 0 ? (values[index] - low) / range : 0 }
}
