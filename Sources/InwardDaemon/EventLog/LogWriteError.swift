#if canImport(Glibc)
import Glibc
#endif

/// The timeline log could not take an event: what failed, on which file, and
/// the system's reason. A control whose event fails this way is answered with
/// `io.inward.Session.LogWriteFailed(path, reason)`, never acknowledged.
public struct LogWriteError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The session log file (or the folder it should be in).
    public let path: String
    /// What the daemon was doing: "open", "write", "fdatasync", ...
    public let operation: String
    public let errno: Int32
    /// The system's message, or a description when `errno` is 0.
    public let reason: String

    public init(path: String, operation: String, errno code: Int32) {
        self.path = path
        self.operation = operation
        self.errno = code
        let message = String(cString: strerror(code))
        var hint = ""
        switch code {
        case ENOSPC, EDQUOT: hint = "; free space on the state folder's file system"
        case EROFS: hint = "; the state folder's file system is read-only"
        case EACCES, EPERM: hint = "; check the owner and mode of the state folder"
        case ENOTDIR, EEXIST: hint = "; something that is not a folder is in the way"
        default: break
        }
        self.reason = "\(operation) failed: \(message)\(hint)"
    }

    public init(path: String, operation: String, reason: String) {
        self.path = path
        self.operation = operation
        self.errno = 0
        self.reason = reason
    }

    public var description: String { "session log \(path): \(reason)" }
}
