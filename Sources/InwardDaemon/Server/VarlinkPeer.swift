#if canImport(Glibc)
import Glibc
#endif

/// Who is on the other end of a connection, as the kernel says (SO_PEERCRED
/// at accept time), and which of the server's sockets they came in on.
public struct VarlinkPeer: Sendable, Equatable {
    public let connection: ConnectionID
    /// The peer's user, group and process when the kernel told them; nil on a
    /// socket that does not carry credentials.
    public let uid: UInt32?
    public let gid: UInt32?
    public let pid: Int32?
    /// The client came in on a read-only socket (the room's observer socket).
    public let readOnly: Bool

    public init(connection: ConnectionID, uid: UInt32? = nil, gid: UInt32? = nil, pid: Int32? = nil, readOnly: Bool = false) {
        self.connection = connection
        self.uid = uid
        self.gid = gid
        self.pid = pid
        self.readOnly = readOnly
    }

    /// The credentials of the process connected on `fd`.
    static func of(_ fd: Int32, connection: ConnectionID, readOnly: Bool) -> VarlinkPeer {
        // struct ucred (pid, uid, gid), which Swift's Glibc module leaves out (it needs _GNU_SOURCE).
        var credentials: (pid: Int32, uid: UInt32, gid: UInt32) = (0, 0, 0)
        var length = socklen_t(MemoryLayout<(Int32, UInt32, UInt32)>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0,
              length == socklen_t(MemoryLayout<(Int32, UInt32, UInt32)>.size) else {
            return VarlinkPeer(connection: connection, readOnly: readOnly)
        }
        return VarlinkPeer(connection: connection, uid: credentials.uid, gid: credentials.gid, pid: credentials.pid,
                           readOnly: readOnly)
    }

    /// The user's login name (from the user database), or "uid N" when it has none.
    public var userName: String? {
        guard let uid else { return nil }
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        if getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, let found = result {
            return String(cString: found.pointee.pw_name)
        }
        return "uid \(uid)"
    }
}
