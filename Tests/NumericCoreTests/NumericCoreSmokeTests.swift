import XCTest
import NumericCore

final class RandomTests: XCTestCase {
    func testSameSeedSameSequence() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42)
        XCTAssertEqual((0..<100).map { _ in a.next() }, (0..<100).map { _ in b.next() })
        XCTAssertEqual(a.permutation(10).sorted(), Array(0..<10))
    }
}
