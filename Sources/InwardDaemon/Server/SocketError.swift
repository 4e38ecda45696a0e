#if canImport(Glibc)
import Glibc
#endif

/// Why the control socket could not be set up. Every case names the path (when
/// there is one) so the message alone tells the operator what to look at.
public enum SocketError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A system call failed: `operation` names it (e.g. "bind"), `path` the socket
    /// or directory it was about, `errno` the error.
    case system(operation: String, path: String?, errno: Int32)
    /// The path does not fit in `sockaddr_un.sun_path`.
    case pathTooLong(path: String, maxBytes: Int)
    /// Another process is listening on the path (another inwardd?); nothing was changed.
    case alreadyInUse(path: String)
    /// Something that is not a socket exists at the path; it was left alone.
    case notASocket(path: String)

    public var description: String {
        switch self {
        case .system(let operation, let path, let code):
            let reason = String(cString: strerror(code))
            if let path { return "\(operation) \(path): \(reason)" }
            return "\(operation): \(reason)"
        case .pathTooLong(let path, let maxBytes):
            return "socket path \(path) is too long (at most \(maxBytes) bytes)"
        case .alreadyInUse(let path):
            return "another server is already listening on \(path) (is inwardd already running? "
                + "see systemctl status inwardd); not replacing it"
        case .notASocket(let path):
            return "\(path) exists and is not a socket; not replacing it (remove it or choose another --socket)"
        }
    }
}
