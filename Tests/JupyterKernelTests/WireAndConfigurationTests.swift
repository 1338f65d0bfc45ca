// Layer: tests of the Jupyter front end: signing, framing, connection files and kernelspecs.
import Foundation
import XCTest
@testable import JupyterKernel

final class MessageSigningTests: XCTestCase {
    func testSignatureMatchesTheRFC4231Vector() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?" (split across frames).
        let signer = MessageSigner(key: "Jefe")
        let frames = [Data("what do ya ".utf8), Data("want ".utf8), Data("for nothing?".utf8), Data()]
        let expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        XCTAssertEqual(signer.signature(of: frames), expected)
        XCTAssertTrue(signer.isValid(signature: Data(expected.utf8), of: frames))
        XCTAssertTrue(signer.isValid(signature: Data(expected.uppercased().utf8), of: frames))
        XCTAssertFalse(signer.isValid(signature: Data(expected.replacingOccurrences(of: "5b", with: "5c").utf8), of: frames))
        XCTAssertFalse(signer.isValid(signature: Data("zz".utf8), of: frames))
        XCTAssertFalse(signer.isValid(signature: Data(), of: frames))
    }

    func testEmptyKeyGivesEmptySignaturesAndChecksNothing() {
        let signer = MessageSigner(key: "")
        XCTAssertEqual(signer.signature(of: [Data("{}".utf8)]), "")
        XCTAssertTrue(signer.isValid(signature: Data(), of: [Data("{}".utf8)]))
    }

    func testCodecRoundTripsAndChecksTheBytesAsReceived() throws {
        let codec = WireCodec(key: "k")
        let message = MessageFactory(session: "s").make("stream", content: ["text": "é"], parent: nil,
                                                        identities: [Data("id".utf8)])
        var frames = codec.encode(message)
        XCTAssertEqual(frames[0], Data("id".utf8))
        XCTAssertEqual(frames[1], WireCodec.delimiter)
        let decoded = try codec.decode(frames)
        XCTAssertEqual(decoded.identities, [Data("id".utf8)])
        XCTAssertEqual(decoded.content["text"] as? String, "é")
        XCTAssertEqual(decoded.header["version"] as? String, "5.4")

        // The same JSON re-encoded with different spacing no longer matches the signature.
        frames[6] = Data(#"{ "text": "é" }"#.utf8)
        XCTAssertThrowsError(try codec.decode(frames)) { XCTAssertEqual("\($0)", WireError.badSignature.description) }
        XCTAssertThrowsError(try codec.decode(Array(frames.prefix(4))))
        XCTAssertThrowsError(try codec.decode([Data("no delimiter".utf8)]))
    }
}

final class ConnectionInfoTests: XCTestCase {
    private let valid = """
    {"shell_port": 5001, "iopub_port": 5002, "stdin_port": 5003, "control_port": 5004, "hb_port": 5005,
     "ip": "127.0.0.1", "key": "abc", "transport": "tcp", "signature_scheme": "hmac-sha256", "kernel_name": "rdc"}
    """

    func testDecodesAConnectionFile() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("conn-\(UUID().uuidString).json")
        try Data(valid.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let info = try ConnectionInfo(contentsOfFile: file.path)
        XCTAssertEqual(info.shellPort, 5001)
        XCTAssertEqual(info.heartbeatPort, 5005)
        XCTAssertEqual(info.key, "abc")
        XCTAssertEqual(info.kernelName, "rdc")
        XCTAssertEqual(info.endpoint(port: info.iopubPort), "tcp://127.0.0.1:5002")
        XCTAssertEqual(try ConnectionInfo(json: info.jsonData()), info)
    }

    func testRejectsBadFilesNamingTheProblem() {
        XCTAssertThrowsError(try ConnectionInfo(contentsOfFile: "/nonexistent/conn.json")) {
            XCTAssertEqual("\($0)", "cannot read connection file /nonexistent/conn.json: does not exist")
        }
        XCTAssertThrowsError(try ConnectionInfo(contentsOfFile: NSTemporaryDirectory())) {
            XCTAssertTrue("\($0)".hasSuffix("is a folder, not a file"), "\($0)")
        }
        XCTAssertThrowsError(try ConnectionInfo(json: Data("[1]".utf8))) {
            XCTAssertEqual($0 as? ConnectionInfoError, .notAJSONObject(source: "connection file"))
        }
        let missingPort = valid.replacingOccurrences(of: #""hb_port": 5005,"#, with: "")
        XCTAssertThrowsError(try ConnectionInfo(json: Data(missingPort.utf8))) { XCTAssertTrue("\($0)".contains("hb_port")) }
        let badScheme = valid.replacingOccurrences(of: "hmac-sha256", with: "hmac-md5")
        XCTAssertThrowsError(try ConnectionInfo(json: Data(badScheme.utf8))) { XCTAssertTrue("\($0)".contains("hmac-md5")) }
        let badTransport = valid.replacingOccurrences(of: #""tcp""#, with: #""udp""#)
        XCTAssertThrowsError(try ConnectionInfo(json: Data(badTransport.utf8))) { XCTAssertTrue("\($0)".contains("transport")) }
    }

    func testBindingToATakenPortFailsWithTheEndpointNamed() throws {
        let first = try KernelServer(connection: ConnectionInfo(key: "k"), interpreter: TestInterpreter(), logger: { _ in })
        let clash = try ConnectionInfo(shellPort: first.connection.shellPort, key: "k")
        XCTAssertThrowsError(try KernelServer(connection: clash, interpreter: TestInterpreter(), logger: { _ in })) {
            XCTAssertTrue("\($0)".contains(":\(first.connection.shellPort)"), "\($0)")
        }
    }
}

final class KernelspecInstallerTests: XCTestCase {
    private var scratch: URL!
    private let projectKernelspec = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("kernelspec")

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("kernelspec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: scratch)
    }

    func testInstallsTheProjectTemplateWithTheBinaryPathAndLogos() throws {
        let template = try KernelSpec(contentsOf: projectKernelspec.appendingPathComponent("kernel.json"))
        XCTAssertEqual(template.argv, ["rdc", "kernel", "--connection-file", "{connection_file}"])
        XCTAssertEqual(template.interruptMode, "message")
        let folder = try KernelspecInstaller().install(template.launching("/opt/bin/rdc"), name: "rdc", logosFrom: projectKernelspec,
                                                       at: .prefix(scratch.path))
        XCTAssertEqual(folder.path, scratch.appendingPathComponent("share/jupyter/kernels/rdc").path)
        let installed = try KernelSpec(contentsOf: folder.appendingPathComponent("kernel.json"))
        XCTAssertEqual(installed.argv.first, "/opt/bin/rdc")
        XCTAssertEqual(installed.displayName, "R-DC")
        XCTAssertEqual(installed.language, "rdc")
        XCTAssertEqual(installed.metadata["debugger"] as? Bool, false)
        // libgomp reads its wait policy when it loads, so only the launcher can keep idle
        // OpenMP threads (oneDNN's) from spinning.
        XCTAssertEqual(installed.environment, ["OMP_WAIT_POLICY": "passive"])
        for logo in KernelspecInstaller.logoFileNames {
            XCTAssertEqual(FileManager.default.contents(atPath: folder.appendingPathComponent(logo).path),
                           FileManager.default.contents(atPath: projectKernelspec.appendingPathComponent(logo).path), logo)
        }
    }

    func testLocationsFollowJupyterConventions() throws {
        let home = KernelspecInstaller(environment: ["HOME": "/home/ada"])
        XCTAssertEqual(try home.kernelsDirectory(for: .user).path, "/home/ada/.local/share/jupyter/kernels")
        let xdg = KernelspecInstaller(environment: ["HOME": "/home/ada", "XDG_DATA_HOME": "/data"])
        XCTAssertEqual(try xdg.kernelsDirectory(for: .user).path, "/data/jupyter/kernels")
        let explicit = KernelspecInstaller(environment: ["JUPYTER_DATA_DIR": "/jd", "XDG_DATA_HOME": "/data"])
        XCTAssertEqual(try explicit.kernelsDirectory(for: .user).path, "/jd/kernels")
        XCTAssertEqual(try home.kernelsDirectory(for: .sysPrefix("/venv")).path, "/venv/share/jupyter/kernels")
        XCTAssertEqual(try home.kernelsDirectory(for: .prefix("/usr/local")).path, "/usr/local/share/jupyter/kernels")
    }

    func testUserInstallReplacesAnEarlierOne() throws {
        let installer = KernelspecInstaller(environment: ["HOME": scratch.path])
        let spec = try KernelSpec(argv: ["/bin/a", "{connection_file}"], displayName: "A", language: "a")
        try installer.install(spec, name: "demo", logosFrom: nil, at: .user)
        let folder = try installer.install(spec.launching("/bin/b"), name: "demo", logosFrom: nil, at: .user)
        XCTAssertEqual(folder.path, scratch.appendingPathComponent(".local/share/jupyter/kernels/demo").path)
        XCTAssertEqual(try KernelSpec(contentsOf: folder.appendingPathComponent("kernel.json")).argv, ["/bin/b", "{connection_file}"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["kernel.json"])
    }

    func testBadNamesAndSpecsAreRefused() throws {
        let spec = try KernelSpec(argv: ["/bin/a", "{connection_file}"], displayName: "A", language: "a")
        XCTAssertThrowsError(try KernelspecInstaller().install(spec, name: "bad name", logosFrom: nil, at: .prefix(scratch.path))) {
            XCTAssertEqual($0 as? KernelspecError, .invalidName("bad name"))
        }
        XCTAssertThrowsError(try KernelSpec(argv: ["/bin/a"], displayName: "A", language: "a")) {
            XCTAssertTrue("\($0)".contains("{connection_file}"))
        }
        XCTAssertThrowsError(try KernelSpec(argv: ["/bin/a", "{connection_file}"], displayName: "A", language: "a", interruptMode: "sometimes"))
    }
}
