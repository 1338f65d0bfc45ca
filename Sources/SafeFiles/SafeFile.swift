// Layer: system utility below every other module. May use Glibc file calls only; knows nothing
// of tensors, R-DC, sessions or front ends. Writing that can only add, reading that says why not.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads and writes that never lose what was there.
///
/// A write goes to a temporary file in the target's folder, is flushed to the device
/// (`fsync`), renamed over the target and the folder is synced: at every instant the path
/// holds either the complete old file or the complete new one, even across `kill -9` or a
/// power cut. A target that exists but is not a regular file (folder, FIFO, device, socket)
/// is refused and left untouched; a symbolic link is followed and its target replaced, the
/// link kept.
public enum SafeFile {
    /// Writes `bytes` to `path` atomically (see the type's description). Throws `FileProblem`.
    public static func write(_ bytes: some Collection<UInt8>, to path: String) throws {
        let target = try resolvedWriteTarget(path)
        let folder = parentFolder(of: target)
        switch try FileNodeKind.at(folder, followingLinks: true) {
        case .folder: break
        case .missing: throw FileProblem(path: folder, kind: .doesNotExist)
        default: throw FileProblem(path: folder, kind: .notFolder)
        }
        var mode: mode_t = 0o644
        var existing = stat()
        if stat(target, &existing) == 0 { mode = existing.st_mode & 0o7777 }

        var template = Array("\(folder)/.\(fileName(of: target)).XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        if descriptor < 0 { throw FileProblem(path: target, errno: errno) }
        let temporary = String(cString: template)
        var committed = false
        defer {
            if !committed { unlink(temporary) }
        }
        do {
            defer { close(descriptor) }
            try writeAll(bytes, to: descriptor, reportingAs: target)
            if fchmod(descriptor, mode) != 0 { throw FileProblem(path: target, errno: errno) }
            if fsync(descriptor) != 0 { throw FileProblem(path: target, errno: errno) }
        }
        if rename(temporary, target) != 0 { throw FileProblem(path: target, errno: errno) }
        committed = true
        syncFolder(folder)
    }

    /// Reads the whole of `path`: a regular file, or a stream (FIFO, `/dev/stdin`, `/dev/fd/N`)
    /// read to its end. Refuses folders; refuses more than `limit` bytes. Throws `FileProblem`.
    public static func read(_ path: String, limit: Int = Int.max) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 { throw FileProblem(path: path, errno: errno) }
        defer { close(descriptor) }
        return try readAll(from: descriptor, path: path, limit: limit)
    }

    /// Reads everything from an open descriptor (e.g. standard input), as `read(_:limit:)`.
    public static func readAll(from descriptor: Int32, path: String, limit: Int = Int.max) throws -> [UInt8] {
        var info = stat()
        if fstat(descriptor, &info) != 0 { throw FileProblem(path: path, errno: errno) }
        if info.st_mode & S_IFMT == S_IFDIR { throw FileProblem(path: path, kind: .isFolder) }
        let isRegular = info.st_mode & S_IFMT == S_IFREG
        if isRegular && Int(info.st_size) > limit { throw FileProblem(path: path, kind: .tooLarge(limit: limit)) }
        var bytes: [UInt8] = []
        if isRegular { bytes.reserveCapacity(Int(info.st_size)) }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw FileProblem(path: path, errno: errno)
            }
            if count == 0 { break }
            guard bytes.count + count <= limit else { throw FileProblem(path: path, kind: .tooLarge(limit: limit)) }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return bytes
    }

    /// Makes sure `path` is a folder this process can create files in, creating it and any
    /// missing parents first. Throws `FileProblem` naming the part of the path at fault.
    public static func prepareWritableFolder(_ path: String) throws {
        var built = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            built += "/" + component
            switch try FileNodeKind.at(built, followingLinks: true) {
            case .folder: continue
            case .missing:
                if mkdir(built, 0o755) != 0 && errno != EEXIST { throw FileProblem(path: built, errno: errno) }
            default: throw FileProblem(path: built, kind: .notFolder)
            }
        }
        // access() answers for permissions but not for read-only mounts or pseudo file
        // systems such as /proc: create and remove a probe file to be sure.
        var probe = Array("\(path.isEmpty ? "." : path)/.rdc-probe.XXXXXX".utf8CString)
        let descriptor = probe.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        if descriptor < 0 { throw FileProblem(path: path, errno: errno) }
        close(descriptor)
        unlink(String(cString: probe))
    }

    /// What `write` would replace for `path`: the path itself, or a symbolic link's final
    /// target. Refuses targets that exist and are not regular files.
    static func resolvedWriteTarget(_ path: String) throws -> String {
        var current = path
        for _ in 0..<40 {
            switch try FileNodeKind.at(current) {
            case .missing, .regularFile: return current
            case .folder: throw FileProblem(path: current, kind: .isFolder)
            case .special(let what): throw FileProblem(path: current, kind: .notRegularFile(what))
            case .symbolicLink:
                var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
                let length = readlink(current, &buffer, buffer.count - 1)
                if length < 0 { throw FileProblem(path: current, errno: errno) }
                let destination = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                current = destination.hasPrefix("/") ? destination : parentFolder(of: current) + "/" + destination
            }
        }
        throw FileProblem(path: path, kind: .other("too many levels of symbolic links"))
    }

    private static func writeAll(_ bytes: some Collection<UInt8>, to descriptor: Int32, reportingAs path: String) throws {
        let contiguous = Array(bytes)
        try contiguous.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw FileProblem(path: path, errno: errno)
                }
                offset += written
            }
        }
    }

    private static func syncFolder(_ folder: String) {
        let descriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }

    static func parentFolder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let parent = String(path[..<slash])
        return parent.isEmpty ? "/" : parent
    }

    private static func fileName(of path: String) -> Substring {
        guard let slash = path.lastIndex(of: "/") else { return Substring(path) }
        return path[path.index(after: slash)...]
    }
}
