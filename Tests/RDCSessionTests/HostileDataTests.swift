// Layer: session tests. Hostile `data` and `load` inputs through a live session (issue 10): each
// is a clear command error, never a trap, and the session keeps working afterwards.

import Foundation
import XCTest
@testable import RDCSession
import RDCMethod

final class HostileDataTests: XCTestCase {
    /// The text of the error `program` fails with, or nil when it succeeds.
    private func failure(_ session: Session, _ program: String) -> String? {
        do {
            try session.run(program) { _ in }
            return nil
        } catch {
            return "\(error)"
        }
    }

    func testHugeCSVShapeAndEditedCheckpointAreErrorsAndTheSessionGoesOn() throws {
        let folder = NSTemporaryDirectory() + "rdc-hostile-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data("1,2,0\n3,4,1\n".utf8).write(to: URL(fileURLWithPath: folder + "/small.csv"))
        let session = Session(options: SessionOptions(workingDirectory: folder, seed: 1))

        let shape = failure(session, "data csv path=small.csv shape=4294967296x4294967296x1")
        XCTAssertTrue(shape?.contains("overflows") == true, shape ?? "succeeded")
        try Data([UInt8](repeating: 7, count: 64)).write(to: URL(fileURLWithPath: folder + "/junk.ckpt"))
        XCTAssertNil(failure(session, "data synthetic n=20 size=8 classes=2"))
        let junk = failure(session, "load junk.ckpt")
        XCTAssertTrue(junk?.contains("not an R-DC checkpoint") == true, junk ?? "succeeded")
        let folderAsFile = failure(session, "load .")
        XCTAssertTrue(folderAsFile?.contains("is a folder") == true, folderAsFile ?? "succeeded")
        XCTAssertNil(failure(session, "status"))
    }

    func testSyntheticHelpRangesAreTheLoadersLimits() throws {
        let synthetic = try XCTUnwrap(CommandRegistry.spec(for: .data).choice(named: "synthetic"))
        let ranges = Dictionary(uniqueKeysWithValues: synthetic.options.map { ($0.name, $0.type) })
        XCTAssertEqual(ranges["classes"], .integer(SyntheticShape.classRange))
        XCTAssertEqual(ranges["size"], .integer(SyntheticShape.sizeRange))
        XCTAssertEqual(ranges["n"], .integer(SyntheticShape.countRange))
    }
}
