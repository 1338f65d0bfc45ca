// Layer: session (command language). Reads the registry and, for path values only, lists
// folders of the local file system. Completion for front ends (Jupyter's complete_request,
// the REPL's tab key): offsets are in Unicode scalars (code points), as Jupyter counts.

import Foundation

/// Words that may replace a range of the code.
public struct CompletionResult: Sendable, Equatable {
    /// Candidates, in registry order (file names sorted).
    public let matches: [String]
    /// The scalar offsets each match replaces (from the start of the word to the cursor).
    public let range: Range<Int>

    /// Makes a completion result.
    public init(matches: [String], range: Range<Int>) {
        self.matches = matches
        self.range = range
    }
}

extension CommandLanguage {
    /// Completes the word before `cursor` (a Unicode-scalar offset into `code`): command names
    /// at a line's start, choices of positionals, `key=` for options not yet given, values
    /// after `key=`, and file-system paths (relative ones from `workingDirectory`, the
    /// process's current folder by default; folders end in `/`). After a `$` in a value it
    /// offers `$name` for every variable in `variables` or defined by a `let` above the
    /// cursor; after an empty `key=` it offers them along with the option's values.
    public static func complete(code: String, cursor: Int, workingDirectory: String? = nil,
                                variables: Variables = Variables()) -> CompletionResult {
        let context = CursorContext(code: code, cursor: cursor)
        let nothing = CompletionResult(matches: [], range: context.cursor..<context.cursor)
        guard let statement = context.statement, !context.isInComment else { return nothing }
        let directory = workingDirectory ?? FileManager.default.currentDirectoryPath
        let current = context.currentWord
        let wordStart = current?.start ?? context.cursor
        let variableNames = knownVariables(before: statement, in: code, session: variables)

        // A variable reference being written: `$na` or `${na` in a value.
        if let current, !current.isQuoted, let reference = variableReference(in: context, word: current) {
            let matches = variableNames.filter { $0.hasPrefix(reference.prefix) }
                .map { reference.braced ? "${\($0)}" : "$\($0)" }
            return CompletionResult(matches: matches, range: reference.start..<context.cursor)
        }

        // The command word (also after `?`).
        if context.currentWordIndex == 0 {
            var start = wordStart
            if start < context.cursor, context.scalars[start] == "?" { start += 1 }
            let prefix = context.text(start..<context.cursor)
            let names = CommandName.allCases.map(\.rawValue).filter { $0.hasPrefix(prefix) }
            return CompletionResult(matches: names, range: start..<context.cursor)
        }
        guard let parsed = NormalizedStatement(statement.words), let spec = CommandRegistry.spec(named: parsed.command)
        else { return nothing }
        let others = parsed.arguments.filter { $0.start != current?.start }
        let choice = choiceWord(of: spec, in: others)

        // A value after `key=`.
        if let current, let key = current.key, current.valueStart <= context.cursor {
            guard let option = spec.options(forChoice: choice).first(where: { $0.name == key }) else { return nothing }
            let range = current.valueStart..<context.cursor
            let variableMatches = range.isEmpty ? variableNames.map { "$\($0)" } : []
            return CompletionResult(
                matches: valueMatches(option.type, rawPrefix: context.text(range), directory: directory) + variableMatches,
                range: range)
        }

        // A positional word or an option name.
        let range = wordStart..<context.cursor
        let prefix = context.text(range)
        let slot = parsed.arguments.filter { $0.key == nil && $0.end <= wordStart && $0.start != current?.start }.count
        let positional = slot < spec.positionals.count ? spec.positionals[slot] : nil
        var matches: [String] = []
        if let positional, !positional.collectsRest {
            matches += valueMatches(positional.valueType, rawPrefix: prefix, directory: directory)
        }
        if positional == nil || positional?.isRequired == false || positional?.collectsRest == true {
            let given = Set(others.compactMap(\.key))
            matches += spec.options(forChoice: choice)
                .filter { !given.contains($0.name) && $0.name.hasPrefix(prefix) }
                .map { "\($0.name)=" }
        }
        return CompletionResult(matches: matches, range: range)
    }

    /// The names of `session`'s variables, then those of `let` lines above `statement` in `code`.
    static func knownVariables(before statement: ScannedStatement, in code: String, session: Variables) -> [String] {
        var names = session.names
        for earlier in LanguageScanner.statements(of: code) where earlier.end <= statement.start {
            guard let first = earlier.words.first, first.key == nil, !first.isQuoted, first.value == CommandName.let.rawValue,
                  let second = earlier.words.dropFirst().first else { continue }
            let name = second.key ?? second.value
            if Variables.isValidName(name), !names.contains(name) { names.append(name) }
        }
        return names
    }

    /// Where a `$name` or `${name` reaching the cursor starts in `word`, and its name so far.
    private static func variableReference(in context: CursorContext, word: ScannedWord)
        -> (start: Int, prefix: String, braced: Bool)? {
        guard word.valueStart <= context.cursor else { return nil }
        var start = context.cursor
        while start > word.valueStart, Variables.isNameScalar(context.scalars[start - 1]) { start -= 1 }
        let braced = start > word.valueStart && context.scalars[start - 1] == "{"
        let dollar = start - (braced ? 2 : 1)
        guard dollar >= word.valueStart, context.scalars[dollar] == "$" else { return nil }
        return (dollar, context.text(start..<context.cursor), braced)
    }

    /// The written choice of `spec`'s choice positional among `words`, if it is a valid one.
    static func choiceWord(of spec: CommandSpec, in words: [ScannedWord]) -> String? {
        guard let index = spec.positionals.firstIndex(where: { !$0.choices.isEmpty }) else { return nil }
        let positionalWords = words.filter { $0.key == nil }
        guard index < positionalWords.count else { return nil }
        let written = positionalWords[index].value
        return spec.choice(named: written) == nil ? nil : written
    }

    private static func valueMatches(_ type: ValueType, rawPrefix: String, directory: String) -> [String] {
        switch type {
        case .oneOf(let choices): return choices.filter { $0.hasPrefix(rawPrefix) }
        case .toggle: return ["on", "off"].filter { $0.hasPrefix(rawPrefix) }
        case .file(let extensions):
            return PathCompletion.matches(rawPrefix: rawPrefix, directory: directory, foldersOnly: false,
                                          extensions: extensions)
        case .directory:
            return PathCompletion.matches(rawPrefix: rawPrefix, directory: directory, foldersOnly: true,
                                          extensions: [])
        case .integer, .decimal, .text, .shape: return []
        case .automaticOr(let inner):
            return ([ValueType.automaticWord].filter { $0.hasPrefix(rawPrefix) }
                    + valueMatches(inner, rawPrefix: rawPrefix, directory: directory))
        }
    }
}

/// Lists file-system entries that complete a partly written path.
enum PathCompletion {
    /// Completions of `rawPrefix` as written (perhaps opening with a quote): entries of its
    /// folder whose names start with its last component, sorted, folders ending in `/`; hidden
    /// entries only when the component starts with `.`. Matches holding spaces or quotes are
    /// quoted, and a quote opened by the user is kept; the quote of a file is closed.
    static func matches(rawPrefix: String, directory: String, foldersOnly: Bool, extensions: [String]) -> [String] {
        let isQuoted = rawPrefix.hasPrefix("\"")
        let written = isQuoted ? unescapeQuoted(String(rawPrefix.dropFirst())) : rawPrefix
        let folderPart: String
        let namePrefix: String
        if let slash = written.lastIndex(of: "/") {
            folderPart = String(written[...slash])
            namePrefix = String(written[written.index(after: slash)...])
        } else {
            folderPart = ""
            namePrefix = written
        }
        let folder = resolve(folderPart, from: directory)
        let fileManager = FileManager.default
        guard let names = try? fileManager.contentsOfDirectory(atPath: folder) else { return [] }
        var matches: [String] = []
        for name in names.sorted() where name.hasPrefix(namePrefix) {
            if name.hasPrefix(".") && !namePrefix.hasPrefix(".") { continue }
            var isFolder: ObjCBool = false
            guard fileManager.fileExists(atPath: folder + "/" + name, isDirectory: &isFolder) else { continue }
            if !isFolder.boolValue {
                if foldersOnly { continue }
                if !extensions.isEmpty && !extensions.contains(where: { name.hasSuffix($0) }) { continue }
            }
            let path = folderPart + name + (isFolder.boolValue ? "/" : "")
            matches.append(render(path, isFolder: isFolder.boolValue, forceQuotes: isQuoted))
        }
        return matches
    }

    private static func resolve(_ folderPart: String, from directory: String) -> String {
        if folderPart.hasPrefix("/") { return folderPart }
        if folderPart == "~/" || folderPart.hasPrefix("~/") {
            return NSHomeDirectory() + folderPart.dropFirst()
        }
        return folderPart.isEmpty ? directory : directory + "/" + folderPart
    }

    private static func render(_ path: String, isFolder: Bool, forceQuotes: Bool) -> String {
        guard forceQuotes || path.contains(where: { $0.isWhitespace || $0 == "\"" || $0 == "#" || $0 == "=" }) else {
            return path
        }
        let escaped = path.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "\"" + escaped + (isFolder ? "" : "\"")
    }

    private static func unescapeQuoted(_ text: String) -> String {
        var result = ""
        var escaping = false
        for character in text {
            if escaping {
                if character != "\"" && character != "\\" { result.append("\\") }
                result.append(character)
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else if character != "\"" {
                result.append(character)
            }
        }
        if escaping { result.append("\\") }
        return result
    }
}
