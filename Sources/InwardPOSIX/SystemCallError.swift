#if canImport(Glibc)
import Glibc
#endif

/// A system call that failed: which call (with what it was about, such as the
/// socket path) and the errno it left.
///
/// The description reads like the call and the C library's message:
/// `connect(/run/inward/room1/control): Connection refused`.
public struct SystemCallError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The call and its subject, e.g. `connect(/run/inward/control)` or `fdatasync`.
    public let call: String
    /// The errno the call left.
    public let errno: Int32

    public init(call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    /// The C library's text for `errno` (`strerror`), e.g. "Connection refused".
    public var reason: String { String(cString: strerror(errno)) }

    public var description: String { "\(call): \(reason)" }
}
