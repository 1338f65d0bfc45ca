// Layer: terminal front end. May use termios and the standard streams; never ZeroMQ. A small
// line editor: raw mode while a line is typed (cooked mode otherwise, so Ctrl-C during a
// command is a SIGINT), with cursor keys, history and Tab completion.

import Foundation
import RDCSession
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What reading a line gave.
public enum LineInput: Equatable {
    /// A line, without its newline.
    case line(String)
    /// Ctrl-C at the prompt: the line was abandoned.
    case interrupted
    /// Ctrl-D on an empty line, or the end of the input.
    case endOfInput
}

/// Candidates for the word before the cursor: the words and the scalar range they replace.
public typealias LineCompleter = (_ line: String, _ cursor: Int) -> (matches: [String], range: Range<Int>)

/// Reads lines from standard input: edited in raw mode on a terminal, plainly otherwise.
public final class LineEditor {
    private var history: [String] = []
    /// One reused buffer of bytes read from the terminal, `pendingOffset..<pendingCount` not yet
    /// handled (a paste arrives in large chunks).
    private var pendingInput = [UInt8](repeating: 0, count: 1 << 16)
    private var pendingCount = 0
    private var pendingOffset = 0
    private let completer: LineCompleter
    private let isTerminal: Bool

    /// An editor completing with `completer`; edits only when standard input is a terminal.
    public init(completer: @escaping LineCompleter, isTerminal: Bool = isatty(STDIN_FILENO) == 1) {
        self.completer = completer
        self.isTerminal = isTerminal
    }

    /// Reads one line after showing `prompt` (shown only on a terminal).
    public func readLine(prompt: String) -> LineInput {
        guard isTerminal else {
            guard let line = Swift.readLine(strippingNewline: true) else { return .endOfInput }
            return .line(line)
        }
        var original = termios()
        guard tcgetattr(STDIN_FILENO, &original) == 0 else {
            writeToStandardStream(prompt, .stdout)
            return Swift.readLine(strippingNewline: true).map(LineInput.line) ?? .endOfInput
        }
        var raw = original
        raw.c_lflag &= ~tcflag_t(ECHO | ICANON | ISIG | IEXTEN)
        raw.c_iflag &= ~tcflag_t(IXON | ICRNL)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        tcsetattr(STDIN_FILENO, TCSANOW, &raw)
        defer { tcsetattr(STDIN_FILENO, TCSANOW, &original) }
        let result = edit(prompt: prompt)
        if case .line(let line) = result, !line.trimmingCharacters(in: .whitespaces).isEmpty, history.last != line {
            history.append(line)
        }
        return result
    }

    // MARK: Editing

    private struct EditState {
        var text: [Unicode.Scalar] = []
        var cursor = 0
        var string: String { String(String.UnicodeScalarView(text)) }
    }

    private func edit(prompt: String) -> LineInput {
        var state = EditState()
        var historyIndex = history.count
        var draft: [Unicode.Scalar] = []
        var decoder = UTF8Decoding()
        redraw(prompt, state)
        while let byte = readByte() {
            switch byte {
            case 0x0D, 0x0A:
                writeToStandardStream("\r\n", .stdout)
                return .line(state.string)
            case 0x03:
                writeToStandardStream("^C\r\n", .stdout)
                return .interrupted
            case 0x04:
                if state.text.isEmpty {
                    writeToStandardStream("\r\n", .stdout)
                    return .endOfInput
                }
                if state.cursor < state.text.count { state.text.remove(at: state.cursor) }
            case 0x7F, 0x08:
                if state.cursor > 0 {
                    state.text.remove(at: state.cursor - 1)
                    state.cursor -= 1
                }
            case 0x01: state.cursor = 0
            case 0x05: state.cursor = state.text.count
            case 0x02: state.cursor = max(0, state.cursor - 1)
            case 0x06: state.cursor = min(state.text.count, state.cursor + 1)
            case 0x0B: state.text.removeSubrange(state.cursor...)
            case 0x15:
                state.text.removeSubrange(..<state.cursor)
                state.cursor = 0
            case 0x09:
                complete(&state, prompt: prompt)
            case 0x1B:
                switch readEscapeSequence() {
                case "[D", "OD": state.cursor = max(0, state.cursor - 1)
                case "[C", "OC": state.cursor = min(state.text.count, state.cursor + 1)
                case "[H", "OH", "[1~", "[7~": state.cursor = 0
                case "[F", "OF", "[4~", "[8~": state.cursor = state.text.count
                case "[3~":
                    if state.cursor < state.text.count { state.text.remove(at: state.cursor) }
                case "[A", "OA":
                    guard historyIndex > 0 else { break }
                    if historyIndex == history.count { draft = state.text }
                    historyIndex -= 1
                    state.text = Array(history[historyIndex].unicodeScalars)
                    state.cursor = state.text.count
                case "[B", "OB":
                    guard historyIndex < history.count else { break }
                    historyIndex += 1
                    state.text = historyIndex == history.count ? draft : Array(history[historyIndex].unicodeScalars)
                    state.cursor = state.text.count
                default: break
                }
            default:
                guard byte >= 0x20, let scalar = decoder.feed(byte) else { break }
                state.text.insert(scalar, at: state.cursor)
                state.cursor += 1
            }
            // Redrawing after every byte of a paste makes it quadratic: redraw once the
            // bytes that have arrived are all handled.
            if pendingOffset == pendingCount { redraw(prompt, state) }
        }
        return .endOfInput
    }

    /// Tab: one match replaces the word; several extend it by their common prefix, or are
    /// listed under the line when they share nothing more.
    private func complete(_ state: inout EditState, prompt: String) {
        let (matches, range) = completer(state.string, state.cursor)
        guard !matches.isEmpty, range.lowerBound >= 0, range.upperBound <= state.text.count else { return }
        let typed = String(String.UnicodeScalarView(state.text[range]))
        let replacement: String
        if matches.count == 1 {
            replacement = matches[0] + (matches[0].hasSuffix("/") || matches[0].hasSuffix("=") ? "" : " ")
        } else {
            let common = matches.dropFirst().reduce(matches[0]) { String($0.commonPrefix(with: $1)) }
            if common.unicodeScalars.count <= typed.unicodeScalars.count {
                writeToStandardStream("\r\n" + matches.joined(separator: "  ") + "\r\n", .stdout)
                return
            }
            replacement = common
        }
        let inserted = Array(replacement.unicodeScalars)
        state.text.replaceSubrange(range, with: inserted)
        state.cursor = range.lowerBound + inserted.count
    }

    private func redraw(_ prompt: String, _ state: EditState) {
        var line = "\r" + prompt + state.string + "\u{1B}[K"
        let back = state.text.count - state.cursor
        if back > 0 { line += "\u{1B}[\(back)D" }
        writeToStandardStream(line, .stdout)
    }

    /// The next input byte, reading whatever the terminal has ready (up to 64 KiB) when none
    /// is pending; nil at the end of the input.
    private func readByte() -> UInt8? {
        if pendingOffset == pendingCount {
            while true {
                let count = pendingInput.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
                if count > 0 {
                    pendingCount = count
                    pendingOffset = 0
                    break
                }
                if count < 0 && errno == EINTR { continue }
                return nil
            }
        }
        defer { pendingOffset += 1 }
        return pendingInput[pendingOffset]
    }

    /// The rest of an escape sequence after ESC: "[A", "OH", "[3~", ...
    private func readEscapeSequence() -> String {
        guard let first = readByte() else { return "" }
        var sequence = String(UnicodeScalar(first))
        guard first == UInt8(ascii: "[") || first == UInt8(ascii: "O") else { return sequence }
        while let next = readByte() {
            sequence.append(Character(UnicodeScalar(next)))
            if (0x40...0x7E).contains(next) { break }
        }
        return sequence
    }
}

/// Assembles UTF-8 bytes typed one at a time into scalars.
private struct UTF8Decoding {
    private var pending: [UInt8] = []

    /// The scalar completed by `byte`, or nil while one is still incomplete (or invalid).
    mutating func feed(_ byte: UInt8) -> Unicode.Scalar? {
        pending.append(byte)
        let expected: Int
        switch pending[0] {
        case 0..<0x80: expected = 1
        case 0xC0..<0xE0: expected = 2
        case 0xE0..<0xF0: expected = 3
        case 0xF0..<0xF8: expected = 4
        default:
            pending = []
            return nil
        }
        guard pending.count >= expected else { return nil }
        defer { pending = [] }
        return String(decoding: pending, as: UTF8.self).unicodeScalars.first
    }
}
