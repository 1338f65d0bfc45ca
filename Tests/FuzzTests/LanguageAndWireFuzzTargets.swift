// Layer: tests (fuzzing). May use RDCSession and JupyterKernel; ships in no product. The targets
// of the text and wire parsers: the command language (parse, completeness, completion,
// inspection), the Jupyter wire decoder with its signature check, and connection files.

import Foundation
@testable import JupyterKernel
import RDCSession

extension FuzzTargets {
    /// Every target: the file formats, then the language and the wire.
    static func all(scratch: ScratchFolder) throws -> [FuzzTarget] {
        try fileTargets(scratch: scratch) + [commands, wire, connectionFile]
    }

    // MARK: command language

    static let commands = FuzzTarget(name: "commands", seeds: Seeds.programs) { input in
        let text = String(decoding: input, as: UTF8.self)
        _ = CommandLanguage.isComplete(code: text)
        let length = text.count, cursor = input.isEmpty ? 0 : Int(input[0]) % (length + 3) - 1
        _ = CommandLanguage.complete(code: text, cursor: cursor, workingDirectory: "/nonexistent-fuzz-folder")
        _ = CommandLanguage.inspect(code: text, cursor: cursor, detailLevel: Int(input.last ?? 0) % 2)
        _ = try CommandLanguage.parse(text)
    }

    // MARK: Jupyter

    /// Frames separated by the byte 0x1E; decoded by a codec with a key (signatures checked)
    /// and by one without (everything reaches the JSON parser).
    static let wire = FuzzTarget(name: "wire", seeds: Seeds.wireMessages) { input in
        let frames = input.split(separator: 0x1E, omittingEmptySubsequences: false).map { Data($0) }
        _ = try? WireCodec(key: Seeds.wireKey).decode(frames)
        _ = try WireCodec(key: "").decode(frames)
    }

    static let connectionFile = FuzzTarget(name: "connection-file", seeds: Seeds.connectionFiles) { input in
        _ = try ConnectionInfo(json: Data(input), source: "fuzz.json")
    }
}

extension Seeds {
    static let programs: [[UInt8]] = {
        var texts = [
            "data synthetic n=200 size=16 classes=4\nmodel conv latent=10\npretrain epochs=2 lr=0.001\n",
            "data csv path=\"my file.csv\" label=first shape=1x8x8 scale=16 # comment\n",
            "cluster k=10 method=kmeans restarts=3 \\\n  \nevaluate\nshow interpolations\n",
            "?pretrain\nhelp data\necho \"hi there\" stream=stderr\nsave a.ckpt\nload a.ckpt\nseed 7\nthreads 2\n",
        ]
        let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/quickstart.rdc")
        if let example = try? String(contentsOf: examples, encoding: .utf8) { texts.append(example) }
        return texts.map { Array($0.utf8) }
    }()

    static let wireKey = "fuzz-key"

    static let wireMessages: [[UInt8]] = {
        let factory = MessageFactory(session: "fuzz")
        let messages = [
            factory.make("execute_request", content: ["code": "status", "silent": false, "store_history": true], parent: nil,
                         identities: [Data("client".utf8)]),
            factory.make("complete_request", content: ["code": "pre", "cursor_pos": 3], parent: nil),
            factory.make("kernel_info_request", content: [:], parent: nil, metadata: ["x": [1, 2.5, NSNull()]]),
        ]
        return messages.map { message in
            Array(WireCodec(key: wireKey).encode(message).map { Array($0) }.joined(separator: [0x1E]))
        }
    }()

    static let connectionFiles: [[UInt8]] = [
        #"{"transport": "tcp", "ip": "127.0.0.1", "shell_port": 5001, "iopub_port": 5002, "stdin_port": 5003, "control_port": 5004, "hb_port": 5005, "key": "abc", "signature_scheme": "hmac-sha256", "kernel_name": "rdc"}"#,
        #"{"shell_port": 0, "iopub_port": 0, "stdin_port": 0, "control_port": 0, "hb_port": 0}"#,
    ].map { Array($0.utf8) }
}
