// Layer: session tests. Helpers the command tests share: run a program and collect its text
// and pictures, or its failure; a small trained session.

import Foundation
import XCTest
@testable import RDCSession
import RDCRender

/// A test case with a fresh temporary working folder per test, removed afterwards.
class SessionCommandTestCase: XCTestCase {
    /// The test's working folder.
    var directory: String!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "rdc-\(type(of: self))-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }
}

extension XCTestCase {
    /// The text (tables as plain text) and images of `program`, failing the test if it fails.
    func textAndImages(_ session: Session, _ program: String, file: StaticString = #filePath,
                 line: UInt = #line) -> (text: String, images: [RenderedImage]) {
        var text = "", images: [RenderedImage] = []
        do {
            try session.run(program) { output in
                switch output {
                case .text(let words, _): text += words
                case .table(let table): text += table.plainText + "\n"
                case .image(let image): images.append(image)
                default: break
                }
            }
        } catch {
            XCTFail("\(program): \(error)", file: file, line: line)
        }
        return (text, images)
    }

    /// The failure of `program` in words, or nil when it succeeds.
    func failureText(_ session: Session, _ program: String) -> String? {
        do {
            try session.run(program) { _ in }
            return nil
        } catch {
            return String(describing: error)
        }
    }

    /// A session in `directory` with 200 synthetic 16×16 images of 4 classes, a conv model and
    /// one pretrain epoch.
    func trainedSyntheticSession(in directory: String) -> Session {
        let session = Session(options: SessionOptions(workingDirectory: directory, seed: 1))
        _ = textAndImages(session, """
        data synthetic n=200 size=16 classes=4
        model conv latent=4
        pretrain epochs=1 batch=64
        """)
        return session
    }
}
