// Layer: session tests. The `backend` command switches the process's convolution backend and
// reports oneDNN's state; training runs on either.

import Foundation
import XCTest
import RDCSession
import NumericCore

final class BackendCommandTests: XCTestCase {
    override func tearDown() {
        ConvolutionBackend.current = .onednn
        super.tearDown()
    }

    private func text(_ session: Session, _ program: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        var texts: [String] = []
        XCTAssertNoThrow(try session.run(program) { output in
            if case .text(let text, _) = output { texts.append(text) }
        }, program, file: file, line: line)
        return texts.joined()
    }

    func testSwitchesBackendsAndTrainsOnEach() {
        let session = Session(options: SessionOptions(workingDirectory: NSTemporaryDirectory(), seed: 1))
        XCTAssertTrue(text(session, "backend").contains("convolution backend: onednn"))
        XCTAssertTrue(text(session, "backend reference").contains("convolution backend: reference"))
        XCTAssertEqual(ConvolutionBackend.current, .reference)
        _ = text(session, "data synthetic n=64 size=16 classes=4\nmodel conv latent=4\npretrain epochs=1 batch=32")
        let report = text(session, "backend onednn\npretrain epochs=1 batch=32\nbackend")
        XCTAssertEqual(ConvolutionBackend.current, .onednn)
        XCTAssertTrue(report.contains("transposed conv"), "the kernels oneDNN picked are listed: \(report)")
        XCTAssertThrowsError(try session.run("backend mkl") { _ in })
    }
}
