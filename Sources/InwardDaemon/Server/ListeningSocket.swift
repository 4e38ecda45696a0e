import CSystemd
import InwardPOSIX
#if canImport(Glibc)
public import Glibc
#endif

/// Creating the listening socket, or taking it from systemd.
extension ControlServer {
    /// Binds and listens on a Unix stream socket at `path`, non-blocking and close-on-exec.
    ///
    /// - Creates the parent directory (mode 0755) when it is missing.
    /// - When a socket file is already there, connects to it first: if something
    ///   answers, another server is running and this throws `.alreadyInUse(path)`
    ///   without touching it; if nothing listens, the stale file is removed and the
    ///   bind retried. A file at the path that is not a socket is never removed
    ///   (`.notASocket`).
    /// - Sets the file's mode to `mode` (default 0660) and, when `group` is given,
    ///   its group, so only the daemon's user and group can connect.
    public static func bind(path: String, mode: Glibc.mode_t = 0o660, group: Glibc.gid_t? = nil) throws(SocketError) -> Int32 {
        let address: UnixSocketAddress
        do throws(UnixSocketAddress.PathError) {
            address = try UnixSocketAddress(path: path)
        } catch {
            throw .pathTooLong(path: path, maxBytes: UnixSocketAddress.maxPathBytes)
        }
        try createParentDirectory(of: path)

        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw .system(operation: "socket", path: path, errno: errno) }
        var replacedStale = false
        while true {
            let code: Int32
            do throws(SystemCallError) {
                try address.bind(fd)
                break
            } catch {
                code = error.errno
            }
            guard code == EADDRINUSE, !replacedStale else {
                _ = Glibc.close(fd)
                throw .system(operation: "bind", path: path, errno: code)
            }
            do throws(SocketError) {
                try removeIfStale(path: path, address: address)
            } catch {
                _ = Glibc.close(fd)
                throw error
            }
            replacedStale = true
        }
        do throws(SocketError) {
            guard chmod(path, mode) == 0 else { throw .system(operation: "chmod", path: path, errno: errno) }
            if let group, chown(path, uid_t.max, group) != 0 {
                throw .system(operation: "chown", path: path, errno: errno)
            }
            guard listen(fd, SOMAXCONN) == 0 else { throw .system(operation: "listen", path: path, errno: errno) }
        } catch {
            _ = Glibc.close(fd)
            _ = unlink(path)
            throw error
        }
        return fd
    }

    /// The listening sockets systemd passed (socket activation), or nil when
    /// there are none. A socket named `observe` (`FileDescriptorName=observe`
    /// in its socket unit) is read-only: observers may only watch. Uses
    /// `sd_listen_fds_with_names(1)`, which clears `LISTEN_FDS` from the environment.
    public static func systemdListeners() -> [Listener]? {
        var names: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        let count = sd_listen_fds_with_names(1, &names)
        guard count > 0 else { return nil }
        defer {
            if let names {
                for i in 0..<Int(count) { free(names[i]) }
                free(names)
            }
        }
        let first = Int32(SD_LISTEN_FDS_START)
        var listeners: [Listener] = []
        for i in 0..<count {
            let fd = first + i
            guard sd_is_socket_unix(fd, Int32(SOCK_STREAM.rawValue), 1, nil, 0) > 0 else { continue }
            let name = names?[Int(i)].map { String(cString: $0) }
            listeners.append(Listener(fd: fd, readOnly: name == "observe"))
        }
        return listeners.isEmpty ? nil : listeners
    }

    /// Creates the missing directories above `path`, mode 0755.
    private static func createParentDirectory(of path: String) throws(SocketError) {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return }
        let parent = String(path[..<slash])
        var st = stat()
        if stat(parent, &st) == 0 { return }
        var prefix = parent.hasPrefix("/") ? "" : "."
        for component in parent.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw .system(operation: "mkdir", path: prefix, errno: errno)
            }
        }
    }

    /// After EADDRINUSE: throws if a server answers on `path` or the file is not a
    /// socket; otherwise removes the stale socket file.
    private static func removeIfStale(path: String, address: UnixSocketAddress) throws(SocketError) {
        let probe = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard probe >= 0 else { throw .system(operation: "socket", path: path, errno: errno) }
        defer { _ = Glibc.close(probe) }
        let failure: Int32
        do throws(SystemCallError) {
            try address.connect(probe)
            failure = 0
        } catch {
            failure = error.errno
        }
        if failure == 0 { throw .alreadyInUse(path: path) }
        switch failure {
        case EAGAIN, EINPROGRESS:
            // Listening, with a full backlog.
            throw .alreadyInUse(path: path)
        case ECONNREFUSED:
            var st = stat()
            guard lstat(path, &st) == 0 else {
                if errno == ENOENT { return }
                throw .system(operation: "lstat", path: path, errno: errno)
            }
            guard (st.st_mode & S_IFMT) == S_IFSOCK else { throw .notASocket(path: path) }
            if unlink(path) != 0 && errno != ENOENT {
                throw .system(operation: "unlink stale socket", path: path, errno: errno)
            }
        case ENOENT:
            return
        default:
            throw .system(operation: "connect (checking for a running server)", path: path, errno: failure)
        }
    }
}
