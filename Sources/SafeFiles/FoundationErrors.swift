// Layer: system utility below every other module. May use Foundation's error types only.
// Turns the file errors Foundation throws into `FileProblem`s, so none reaches a user raw.

import Foundation

extension FileProblem {
    /// The problem a Foundation file error describes (its underlying POSIX error when it has
    /// one, else its Cocoa code), or nil when `error` is not a file error.
    public init?(foundationError error: Error, path fallbackPath: String? = nil) {
        if let problem = error as? FileProblem {
            self = problem
            return
        }
        let nsError = error as NSError
        let path = (nsError.userInfo[NSFilePathErrorKey] as? String)
            ?? (nsError.userInfo[NSURLErrorKey] as? URL)?.path ?? fallbackPath ?? "file"
        if nsError.domain == NSPOSIXErrorDomain {
            self.init(path: path, errno: Int32(nsError.code))
        } else if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError,
                  underlying.domain == NSPOSIXErrorDomain {
            self.init(path: path, errno: Int32(underlying.code))
        } else if nsError.domain == NSCocoaErrorDomain {
            switch CocoaError.Code(rawValue: nsError.code) {
            case .fileNoSuchFile, .fileReadNoSuchFile: self.init(path: path, kind: .doesNotExist)
            case .fileReadNoPermission, .fileWriteNoPermission: self.init(path: path, kind: .permissionDenied)
            case .fileWriteOutOfSpace: self.init(path: path, kind: .diskFull)
            case .fileWriteVolumeReadOnly: self.init(path: path, kind: .readOnly)
            case .fileReadTooLarge: self.init(path: path, kind: .tooLarge(limit: Int.max))
            case .fileReadCorruptFile, .fileReadUnknownStringEncoding, .fileReadInapplicableStringEncoding:
                self.init(path: path, kind: .other("cannot be read as text (not valid UTF-8?)"))
            case .fileReadUnknown, .fileWriteUnknown, .fileReadInvalidFileName, .fileWriteInvalidFileName:
                // Foundation reports a folder read as a file this way (error 256).
                var isFolder: ObjCBool = false
                if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
                    self.init(path: path, kind: .isFolder)
                } else {
                    self.init(path: path, kind: .other("cannot be read or written"))
                }
            default: return nil
            }
        } else {
            return nil
        }
    }
}
