#if canImport(Glibc)
public import Glibc
#endif

/// The address of a Unix-domain socket: a path in a `sockaddr_un`, built and
/// checked once, with `bind` and `connect` that name the path when they fail.
///
/// Threads: an immutable value; use it from any thread.
public struct UnixSocketAddress: Sendable {
    /// Why a path cannot be a socket address.
    public enum PathError: Error, Sendable, Equatable, CustomStringConvertible {
        /// The path is empty.
        case empty
        /// The path does not fit in `sun_path` with its NUL.
        case tooLong(path: String, maxBytes: Int)

        public var description: String {
            switch self {
            case .empty:
                return "the socket path is empty: give the path of the socket file"
            case .tooLong(let path, let maxBytes):
                return "socket path \(path) is too long (at most \(maxBytes) bytes): choose a shorter path"
            }
        }
    }

    /// Longest path that fits, in bytes (107 on Linux).
    public static let maxPathBytes = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1

    public let path: String
    private let storage: sockaddr_un

    public init(path: String) throws(PathError) {
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty else { throw .empty }
        guard bytes.count <= Self.maxPathBytes else { throw .tooLong(path: path, maxBytes: Self.maxPathBytes) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        self.path = path
        self.storage = address
    }

    /// Calls `body` with the address as the `sockaddr` pointer and length the
    /// socket calls take.
    public func withSockaddr<Result, Failure: Error>(
        _ body: (UnsafePointer<sockaddr>, socklen_t) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        var address = storage
        return try withUnsafePointer(to: &address) { (pointer) throws(Failure) -> Result in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { (raw) throws(Failure) -> Result in
                try body(raw, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
    }

    /// bind(2) of `fd` to this path. Throws `bind(PATH)` with the errno
    /// (EADDRINUSE when a socket file is already there).
    public func bind(_ fd: Int32) throws(SystemCallError) {
        try withSockaddr { (address, length) throws(SystemCallError) in
            _ = try SystemCall.retrying("bind(\(path))") { Glibc.bind(fd, address, length) }
        }
    }

    /// connect(2) of `fd` to this path, made again when a signal interrupts it.
    /// Throws `connect(PATH)` with the errno (ENOENT: no socket file;
    /// ECONNREFUSED: nobody listening; EAGAIN on a non-blocking socket: a full
    /// backlog).
    public func connect(_ fd: Int32) throws(SystemCallError) {
        try withSockaddr { (address, length) throws(SystemCallError) in
            _ = try SystemCall.retrying("connect(\(path))") { Glibc.connect(fd, address, length) }
        }
    }
}
