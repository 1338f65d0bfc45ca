// Layer: terminal front end. May use RDCSession and Foundation files; never ZeroMQ. Shows a
// session's outputs at a terminal or in a log: text and tables printed, pictures written to
// the output folder with their paths printed, progress as a bar or as periodic lines. Results go
// to standard output; progress and diagnostics to standard error, so `> results.txt` keeps
// only results.

import Foundation
import RDCRender
import RDCSession
import SafeFiles
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where printed text goes: the process's standard streams by default, a closure in tests.
public typealias TextSink = (String, StandardStream) -> Void

/// Writes `text` to standard output or error at once (no buffering between the two).
public func writeToStandardStream(_ text: String, _ stream: StandardStream) {
    let descriptor = stream == .stdout ? STDOUT_FILENO : STDERR_FILENO
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        if written < 0 && errno == EINTR { continue }
        if written <= 0 { return }
        bytes = bytes.dropFirst(written)
    }
}

/// How training progress is shown (always on standard error).
public enum ProgressStyle: Sendable, Equatable {
    /// One `\r`-updated line, for a terminal.
    case bar
    /// A plain line at each epoch's end and every few seconds within long epochs, for a log.
    case lines
    /// Nothing (`--quiet`).
    case hidden

    /// The style for this process: hidden when `quiet`, else a bar when standard error is a
    /// terminal and plain lines when it is not.
    public static func forStandardError(quiet: Bool) -> ProgressStyle {
        quiet ? .hidden : isatty(STDERR_FILENO) == 1 ? .bar : .lines
    }
}

/// Renders `SessionOutput`s for a terminal or a log file.
public final class OutputPrinter {
    private let outputDirectory: String
    private let progressStyle: ProgressStyle
    private let sink: TextSink
    /// The number of the last picture written, or nil until the folder has been looked at.
    private var lastPictureNumber: Int?
    private var barIsOpen = false
    private var lastProgressLine = Date.distantPast
    /// Seconds between plain progress lines when there is no terminal.
    private static let plainProgressInterval = 10.0

    /// How many pictures could not be written; a script with any fails (exit status 1).
    public private(set) var failedWrites = 0

    /// A printer writing pictures under `outputDirectory` (created when the first one comes),
    /// showing progress in the given style.
    public init(outputDirectory: String, progress: ProgressStyle,
                sink: @escaping TextSink = writeToStandardStream) {
        self.outputDirectory = outputDirectory
        self.progressStyle = progress
        self.sink = sink
    }

    /// Shows one output.
    public func show(_ output: SessionOutput) {
        switch output {
        case .text(let text, let stream):
            print(text, stream)
        case .table(let table):
            print(table.plainText + "\n", .stdout)
        case .page(let text):
            print(text.hasSuffix("\n") ? text : text + "\n", .stdout)
        case .image(let image):
            savePicture(image)
        case .progress(let record):
            showProgress(record)
        case .clearOutput:
            break  // A terminal keeps what it has printed.
        }
    }

    /// Prints text on a stream, closing an open progress bar first.
    public func print(_ text: String, _ stream: StandardStream) {
        closeBar()
        sink(text, stream)
    }

    /// Ends an open progress bar with a newline, so the next text starts on its own line.
    public func closeBar() {
        if barIsOpen {
            sink("\n", .stderr)
            barIsOpen = false
        }
    }

    private func savePicture(_ image: RenderedImage) {
        do {
            try SafeFile.prepareWritableFolder(outputDirectory)
            let number = (lastPictureNumber ?? Self.highestPictureNumber(in: outputDirectory)) + 1
            let name = String(format: "%03d-", number) + Self.slug(image.title) + ".png"
            let path = (outputDirectory as NSString).appendingPathComponent(name)
            try SafeFile.write(image.png, to: path)
            lastPictureNumber = number
            print("picture: \(path)  (\(image.title), \(image.logicalWidth)×\(image.logicalHeight))\n", .stdout)
        } catch {
            failedWrites += 1
            print("error: cannot write the picture \"\(image.title)\": \(error)\n", .stderr)
        }
    }

    /// The largest N of the `NNN-….png` pictures already in `folder` (0 when there are none), so
    /// a second run into the same folder adds pictures instead of overwriting the first run's.
    static func highestPictureNumber(in folder: String) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.compactMap { name -> Int? in
            guard name.hasSuffix(".png"), let dash = name.firstIndex(of: "-") else { return nil }
            let digits = name[..<dash]
            return digits.count >= 3 && digits.allSatisfy(\.isASCII) ? Int(digits) : nil
        }.max() ?? 0
    }

    private func showProgress(_ progress: TrainingProgress) {
        switch progressStyle {
        case .hidden:
            return
        case .bar:
            sink("\r" + Self.bar(progress, width: Self.terminalColumns()) + "\u{1B}[K", .stderr)
            barIsOpen = true
            if progress.isFinal { closeBar() }
            return
        case .lines:
            break
        }
        // Without a terminal: each epoch's end, and a line every 10 s within long epochs; the
        // final record repeats the last epoch's figures, which the command's summary line follows.
        let now = Date()
        switch progress.moment {
        case .final: return
        case .batch: guard now.timeIntervalSince(lastProgressLine) >= Self.plainProgressInterval else { return }
        case .epochEnd: break
        }
        lastProgressLine = now
        sink(progress.plainText + "\n", .stderr)
    }

    /// "pretrain epoch 3/10 [#######.............] batch 120/274 recon=12.31 acai=0.04  1m12s left",
    /// cut to `width`.
    static func bar(_ progress: TrainingProgress, width: Int) -> String {
        let cells = 20
        let filled = Int((progress.fractionDone * Double(cells)).rounded(.down))
        var line = "\(progress.phase.rawValue) epoch \(progress.epoch)/\(progress.epochs.upperBound) ["
            + String(repeating: "#", count: filled) + String(repeating: ".", count: cells - filled)
            + "] batch \(progress.batch)/\(progress.batches) " + NamedLoss.text(progress.losses)
            + (progress.tracked.map { " | " + $0.shortText } ?? "")
        if progress.isFinal {
            line += "  done in " + formatSeconds(progress.elapsedSeconds)
        } else if let remaining = progress.remainingSeconds {
            line += "  " + formatDuration(remaining) + " left"
        }
        return String(line.prefix(max(20, width - 1)))
    }

    /// "reconstructions-after-pretrain-3-epochs", at most 60 characters.
    static func slug(_ title: String) -> String {
        var slug = ""
        for character in title.lowercased() {
            if character.isASCII && (character.isLetter || character.isNumber) {
                slug.append(character)
            } else if !slug.isEmpty && slug.last != "-" {
                slug.append("-")
            }
        }
        while slug.last == "-" { slug.removeLast() }
        let cut = String(slug.prefix(60))
        return cut.isEmpty ? "picture" : cut
    }

    private static func terminalColumns() -> Int {
        var size = winsize()
        guard ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 100 }
        return Int(size.ws_col)
    }
}
