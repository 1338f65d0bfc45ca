import Foundation
import RDCMethod
import XCTest
import NumericCore

/// The Fixtures folder next to this file (no Bundle.module: the JSON is not a resource).
let fixturesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

/// A JSON fixture written by Fixtures/make_fixtures.py.
func loadFixture(_ name: String) throws -> [String: Any] {
    let data = try Data(contentsOf: fixturesDirectory.appendingPathComponent(name))
    return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
}

/// `points`, `rows`, `columns` of a fixture entry as a `[rows, columns]` tensor.
func fixtureMatrix(_ entry: [String: Any]) throws -> Tensor {
    let values = try XCTUnwrap(entry["points"] as? [Double]).map(Float.init)
    let rows = try XCTUnwrap(entry["rows"] as? Int), columns = try XCTUnwrap(entry["columns"] as? Int)
    return Tensor(shape: [rows, columns], storage: values)
}

/// A fresh empty temporary folder, removed when the test ends.
func temporaryFolder(_ test: XCTestCase) throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rdc-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
    return folder
}

/// Asserts that `body` throws an error whose text contains every one of `fragments`.
func assertThrows<T>(_ body: @autoclosure () throws -> T, containing fragments: [String],
                     file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try body(), file: file, line: line) { error in
        let text = "\(error)"
        for fragment in fragments {
            XCTAssertTrue(text.contains(fragment), "'\(text)' lacks '\(fragment)'", file: file, line: line)
        }
    }
}
