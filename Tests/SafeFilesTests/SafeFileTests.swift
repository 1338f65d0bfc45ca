// Layer: tests of the SafeFiles utility. Touches only a temporary folder per test.

import Foundation
import Glibc
import XCTest
@testable import SafeFiles

final class SafeFileTests: XCTestCase {
    private var folder: String!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "safefile-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        chmod(folder, 0o755)
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func contents(_ path: String) throws -> [UInt8] { try SafeFile.read(path) }

    private func entries() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
    }

    func testSavingTwiceReplacesTheFileAndLeavesNoTemporaryFiles() throws {
        let path = folder + "/a.ckpt"
        try SafeFile.write(Array("first".utf8), to: path)
        try SafeFile.write(Array("second".utf8), to: path)
        XCTAssertEqual(try contents(path), Array("second".utf8))
        XCTAssertEqual(try entries(), ["a.ckpt"])
    }

    func testKeepsTheModeOfTheFileItReplaces() throws {
        let path = folder + "/a.ckpt"
        try SafeFile.write([1], to: path)
        chmod(path, 0o600)
        try SafeFile.write([2], to: path)
        var info = stat()
        stat(path, &info)
        XCTAssertEqual(info.st_mode & 0o777, 0o600)
    }

    func testAFolderIsRefusedAndKeepsItsContents() throws {
        let target = folder + "/results"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
        try SafeFile.write([7], to: target + "/inside")
        XCTAssertThrowsError(try SafeFile.write([1, 2, 3], to: target)) { error in
            XCTAssertEqual(error as? FileProblem, FileProblem(path: target, kind: .isFolder))
            XCTAssertEqual("\(error)", "\(target): is a folder, not a file")
        }
        XCTAssertEqual(try contents(target + "/inside"), [7])
    }

    func testAFIFOIsRefusedAndLeftInPlace() throws {
        let fifo = folder + "/pipe"
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        XCTAssertThrowsError(try SafeFile.write([1], to: fifo)) { error in
            XCTAssertEqual((error as? FileProblem)?.kind, .notRegularFile("a FIFO (named pipe)"))
        }
        var info = stat()
        XCTAssertEqual(lstat(fifo, &info), 0)
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFIFO)
    }

    func testADeviceIsRefused() throws {
        XCTAssertThrowsError(try SafeFile.write([1], to: "/dev/null")) { error in
            XCTAssertEqual((error as? FileProblem)?.kind, .notRegularFile("a character device"))
        }
    }

    func testASymbolicLinkIsKeptAndItsTargetReplaced() throws {
        let real = folder + "/real.ckpt", link = folder + "/link.ckpt"
        try SafeFile.write([1], to: real)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "real.ckpt")
        try SafeFile.write([2], to: link)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: link), "real.ckpt")
        XCTAssertEqual(try contents(real), [2])
        XCTAssertEqual(try entries(), ["link.ckpt", "real.ckpt"])
    }

    func testADanglingSymbolicLinkCreatesItsTarget() throws {
        let link = folder + "/link.ckpt"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: folder + "/new.ckpt")
        try SafeFile.write([5], to: link)
        XCTAssertEqual(try contents(folder + "/new.ckpt"), [5])
    }

    func testAReadOnlyFolderFailsAndKeepsTheOldFile() throws {
        let path = folder + "/a.ckpt"
        try SafeFile.write([1], to: path)
        try makeFolderReadOnly(folder)
        defer { undoReadOnly(folder) }
        XCTAssertThrowsError(try SafeFile.write([2], to: path)) { error in
            XCTAssertEqual((error as? FileProblem)?.kind, .permissionDenied)
        }
        XCTAssertEqual(try contents(path), [1])
        XCTAssertEqual(try entries(), ["a.ckpt"])
    }

    func testAReadOnlyFileSystemFailsInPlainWords() throws {
        // /proc is read-only for new files whoever we are, root included.
        XCTAssertThrowsError(try SafeFile.write([1], to: "/proc/rdc-test-file")) { error in
            let problem = try? XCTUnwrap(error as? FileProblem)
            XCTAssertNotNil(problem)
            XCTAssertFalse("\(error)".contains("NSCocoaErrorDomain"))
        }
        XCTAssertThrowsError(try SafeFile.prepareWritableFolder("/proc/x")) { error in
            XCTAssertTrue("\(error)".hasPrefix("/proc/x: "), "\(error)")
        }
    }

    func testAMissingFolderIsNamed() throws {
        let path = folder + "/missing/a.ckpt"
        XCTAssertThrowsError(try SafeFile.write([1], to: path)) { error in
            XCTAssertEqual(error as? FileProblem, FileProblem(path: folder + "/missing", kind: .doesNotExist))
        }
    }

    func testReadingSaysWhyNot() throws {
        XCTAssertEqual((try? SafeFile.read(folder + "/nothing")) == nil, true)
        XCTAssertThrowsError(try SafeFile.read(folder + "/nothing")) { error in
            XCTAssertEqual("\(error)", "\(folder!)/nothing: does not exist")
        }
        XCTAssertThrowsError(try SafeFile.read(folder)) { error in
            XCTAssertEqual((error as? FileProblem)?.kind, .isFolder)
        }
        try SafeFile.write([UInt8](repeating: 3, count: 100), to: folder + "/big")
        XCTAssertThrowsError(try SafeFile.read(folder + "/big", limit: 99)) { error in
            XCTAssertEqual((error as? FileProblem)?.kind, .tooLarge(limit: 99))
        }
        XCTAssertEqual(try SafeFile.read(folder + "/big", limit: 100).count, 100)
    }

    func testReadsAStreamToItsEnd() throws {
        var ends: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&ends), 0)
        let payload = [UInt8](repeating: 9, count: 200_000)
        let writeEnd = ends[1]
        let writer = Thread {
            payload.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let count = Glibc.write(writeEnd, buffer.baseAddress! + offset, buffer.count - offset)
                    if count <= 0 { break }
                    offset += count
                }
            }
            close(writeEnd)
        }
        writer.start()
        let read = try SafeFile.read("/dev/fd/\(ends[0])")
        close(ends[0])
        XCTAssertEqual(read, payload)
    }

    func testPreparesNestedOutputFolders() throws {
        let nested = folder + "/a/b/c"
        try SafeFile.prepareWritableFolder(nested)
        XCTAssertEqual(try FileNodeKind.at(nested), .folder)
        XCTAssertEqual(try entries(), ["a"])
        try SafeFile.write([1], to: folder + "/file")
        XCTAssertThrowsError(try SafeFile.prepareWritableFolder(folder + "/file/sub")) { error in
            XCTAssertEqual(error as? FileProblem, FileProblem(path: folder + "/file", kind: .notFolder))
        }
    }

    /// Takes write permission away from `path`; root ignores permissions, so for root the
    /// folder is made immutable instead (`chattr +i`, which binds root too).
    private func makeFolderReadOnly(_ path: String) throws {
        chmod(path, 0o555)
        guard geteuid() == 0 else { return }
        XCTAssertEqual(try runChattr("+i", path), 0, "chattr +i failed: cannot make a folder read-only for root")
    }

    private func undoReadOnly(_ path: String) {
        if geteuid() == 0 { _ = try? runChattr("-i", path) }
        chmod(path, 0o755)
    }

    private func runChattr(_ flag: String, _ path: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/chattr")
        process.arguments = [flag, path]
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
