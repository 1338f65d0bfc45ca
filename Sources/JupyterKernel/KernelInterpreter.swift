// Layer: Jupyter front end. May use Foundation only; knows nothing of R-DC or tensors.
// The one seam between the language-agnostic server and a language: in the style of xeus,
// one method per request kind, plain value types in and out.
import Foundation

/// A language plugged into `KernelServer`. All methods except `interrupt()` are called on the
/// shell thread, one request at a time.
public protocol KernelInterpreter: AnyObject {
    /// What `kernel_info_reply` says about the implementation and the language.
    var kernelInfo: KernelInfo { get }

    /// Runs one cell. Outputs go through `context`; the outcome becomes the `execute_reply`
    /// (and, for an error, the single `error` message on IOPub, published by the server).
    func execute(code: String, context: ExecutionContext) -> ExecutionOutcome

    /// Completions at `cursor`, counted in Unicode code points (scalars) from the start of `code`.
    func complete(code: String, cursor: Int) -> CompletionReply

    /// Help for the token at `cursor` (code points); `detailLevel` is 0 or 1.
    func inspect(code: String, cursor: Int, detailLevel: Int) -> InspectionReply

    /// Whether `code` is ready to run (for consoles deciding between Enter-runs and Enter-newline).
    func isComplete(code: String) -> CompletenessReply

    /// Asks the running cell to stop at its next check. Called from the control thread or the
    /// SIGINT watcher while `execute` may be running: must be thread-safe and return at once.
    /// It may also arrive between cells; an interpreter should clear its flag when a cell starts.
    func interrupt()
}

/// The implementation and language description sent in `kernel_info_reply`.
public struct KernelInfo: Sendable, Equatable {
    /// Name of the kernel implementation, e.g. `rdc`.
    public var implementation: String
    /// Version of the kernel implementation.
    public var implementationVersion: String
    /// Text a console shows on start.
    public var banner: String
    /// Links shown in a front end's help menu.
    public var helpLinks: [HelpLink]
    /// The language the kernel runs.
    public var languageInfo: LanguageInfo

    /// Describes a kernel implementation and its language.
    public init(implementation: String, implementationVersion: String, banner: String,
                helpLinks: [HelpLink] = [], languageInfo: LanguageInfo) {
        self.implementation = implementation
        self.implementationVersion = implementationVersion
        self.banner = banner
        self.helpLinks = helpLinks
        self.languageInfo = languageInfo
    }
}

extension KernelInfo {
    /// The content of `kernel_info_reply`.
    var replyContent: JSONObject {
        let language = languageInfo
        return [
            "status": "ok",
            "protocol_version": protocolVersion,
            "implementation": implementation,
            "implementation_version": implementationVersion,
            "banner": banner,
            "help_links": helpLinks.map { ["text": $0.text, "url": $0.url] },
            "language_info": [
                "name": language.name, "version": language.version, "mimetype": language.mimetype,
                "file_extension": language.fileExtension, "pygments_lexer": language.pygmentsLexer,
                "codemirror_mode": language.codemirrorMode, "nbconvert_exporter": language.nbconvertExporter,
            ],
            "debugger": false,
            "supported_features": [String](),
        ]
    }
}

/// One entry of a front end's help menu.
public struct HelpLink: Sendable, Equatable {
    /// The menu text.
    public var text: String
    /// The address opened.
    public var url: String

    /// A help menu entry.
    public init(text: String, url: String) {
        self.text = text
        self.url = url
    }
}

/// `language_info` of `kernel_info_reply`.
public struct LanguageInfo: Sendable, Equatable {
    /// Language name, e.g. `rdc`.
    public var name: String
    /// Language version.
    public var version: String
    /// MIME type of a script file, e.g. `text/x-rdc`.
    public var mimetype: String
    /// File extension including the dot, e.g. `.rdc`.
    public var fileExtension: String
    /// Pygments lexer used by nbconvert and consoles.
    public var pygmentsLexer: String
    /// CodeMirror mode used by notebook editors.
    public var codemirrorMode: String
    /// nbconvert exporter for "download as script".
    public var nbconvertExporter: String

    /// Describes a language.
    public init(name: String, version: String, mimetype: String, fileExtension: String,
                pygmentsLexer: String, codemirrorMode: String, nbconvertExporter: String = "script") {
        self.name = name
        self.version = version
        self.mimetype = mimetype
        self.fileExtension = fileExtension
        self.pygmentsLexer = pygmentsLexer
        self.codemirrorMode = codemirrorMode
        self.nbconvertExporter = nbconvertExporter
    }
}

/// How a cell ended.
public enum ExecutionOutcome {
    /// The cell ran; `payload` entries go into `execute_reply.payload` (e.g. a pager page).
    case ok(payload: [ExecutionPayload] = [])
    /// The cell failed: the server publishes one `error` message and replies `status: error`.
    case error(name: String, value: String, traceback: [String])
}

/// One entry of `execute_reply.payload`.
public enum ExecutionPayload {
    /// Text for the front end's pager (`source: page`), starting at line `start`.
    case page(data: MimeBundle, start: Int = 0)
    /// Puts `text` into the next input cell (`source: set_next_input`).
    case setNextInput(text: String, replace: Bool = false)
    /// Any other payload, sent as given; it must contain a `source` key.
    case custom(JSONObject)

    var json: JSONObject {
        switch self {
        case .page(let data, let start): ["source": "page", "data": data, "start": start]
        case .setNextInput(let text, let replace): ["source": "set_next_input", "text": text, "replace": replace]
        case .custom(let object): object
        }
    }
}

/// Completions for `complete_reply`.
public struct CompletionReply {
    /// Candidate texts that replace `code[cursorStart..<cursorEnd]`.
    public var matches: [String]
    /// Start of the replaced range, in code points.
    public var cursorStart: Int
    /// End of the replaced range, in code points.
    public var cursorEnd: Int
    /// Extra information, e.g. `_jupyter_types_experimental`.
    public var metadata: JSONObject

    /// Completions replacing `cursorStart..<cursorEnd`.
    public init(matches: [String], cursorStart: Int, cursorEnd: Int, metadata: JSONObject = [:]) {
        self.matches = matches
        self.cursorStart = cursorStart
        self.cursorEnd = cursorEnd
        self.metadata = metadata
    }
}

/// Help text for `inspect_reply`.
public struct InspectionReply {
    /// Whether anything was found at the cursor.
    public var found: Bool
    /// The help as a MIME bundle (at least `text/plain` when found).
    public var data: MimeBundle
    /// Metadata for the bundle.
    public var metadata: JSONObject

    /// An inspection result; use `.notFound` when there is nothing to show.
    public init(found: Bool, data: MimeBundle, metadata: JSONObject = [:]) {
        self.found = found
        self.data = data
        self.metadata = metadata
    }

    /// Nothing known at the cursor.
    public static var notFound: InspectionReply { InspectionReply(found: false, data: [:]) }
}

/// The answer to `is_complete_request`.
public enum CompletenessReply: Equatable, Sendable {
    /// Ready to run.
    case complete
    /// More input is expected; `indent` is suggested for the next line.
    case incomplete(indent: String)
    /// Cannot run as it stands (a syntax error a newline would not fix).
    case invalid
    /// The interpreter cannot tell.
    case unknown
}
