// Layer: system utility below every other module. May use Glibc file calls only; knows nothing
// of tensors, R-DC, sessions or front ends. Plain-words file errors for every layer.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a file could not be read or written, in words a user understands, always with the path.
///
/// Every layer reports file trouble through this type, so a user never sees a raw
/// `NSCocoaErrorDomain` description.
public struct FileProblem: Error, Equatable, Sendable, CustomStringConvertible {
    /// What kind of problem it is.
    public enum Kind: Equatable, Sendable {
        /// Nothing exists at the path (or a folder on the way is missing).
        case doesNotExist
        /// The path names a folder where a file is needed.
        case isFolder
        /// The path names something that is neither a file nor a folder (FIFO, device, socket).
        case notRegularFile(String)
        /// The path names a file where a folder is needed.
        case notFolder
        /// The user may not read or write it.
        case permissionDenied
        /// The device has no room left.
        case diskFull
        /// The file system is mounted read-only.
        case readOnly
        /// The file is larger than the caller can take.
        case tooLarge(limit: Int)
        /// Anything else, with the system's own words.
        case other(String)
    }

    /// The path as the user gave it (or as resolved, for symbolic links).
    public let path: String
    /// What went wrong.
    public let kind: Kind

    /// A problem with `path`.
    public init(path: String, kind: Kind) {
        self.path = path
        self.kind = kind
    }

    /// The problem that `errno` value `code` describes for `path`.
    public init(path: String, errno code: Int32) {
        self.path = path
        switch code {
        case ENOENT: kind = .doesNotExist
        case EISDIR: kind = .isFolder
        case ENOTDIR: kind = .doesNotExist
        case EACCES, EPERM: kind = .permissionDenied
        case ENOSPC, EDQUOT: kind = .diskFull
        case EROFS: kind = .readOnly
        case EFBIG: kind = .tooLarge(limit: Int.max)
        default: kind = .other(String(cString: strerror(code)))
        }
    }

    /// "PATH: is a folder", "PATH: does not exist", "PATH: permission denied", ….
    public var description: String { "\(path): \(reason)" }

    /// The problem without the path.
    public var reason: String {
        switch kind {
        case .doesNotExist: return "does not exist"
        case .isFolder: return "is a folder, not a file"
        case .notRegularFile(let what): return "is \(what), not a regular file"
        case .notFolder: return "is a file, not a folder"
        case .permissionDenied: return "permission denied"
        case .diskFull: return "disk full"
        case .readOnly: return "read-only file system"
        case .tooLarge(let limit):
            return limit == Int.max ? "file too large" : "file too large (more than \(limit) bytes)"
        case .other(let words): return words.lowercased()
        }
    }
}

/// What sits at a path, without following a final symbolic link.
enum FileNodeKind: Equatable {
    case missing
    case regularFile
    case folder
    case symbolicLink
    /// A FIFO, device or socket, described in words ("a FIFO").
    case special(String)

    /// The kind of node at `path` (lstat); `.missing` when nothing is there.
    static func at(_ path: String, followingLinks: Bool = false) throws -> FileNodeKind {
        var info = stat()
        let result = followingLinks ? stat(path, &info) : lstat(path, &info)
        if result != 0 {
            if errno == ENOENT || errno == ENOTDIR { return .missing }
            throw FileProblem(path: path, errno: errno)
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .regularFile
        case S_IFDIR: return .folder
        case S_IFLNK: return .symbolicLink
        case S_IFIFO: return .special("a FIFO (named pipe)")
        case S_IFCHR: return .special("a character device")
        case S_IFBLK: return .special("a block device")
        case S_IFSOCK: return .special("a socket")
        default: return .special("a special file")
        }
    }
}
