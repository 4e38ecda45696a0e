#if canImport(Glibc)
import Glibc
#endif
import InwardPOSIX
import InwardProtocol

/// Where the daemon's control socket is, and how that was decided.
struct SocketLocation: Sendable {
    /// The path to connect to.
    var path: String
    /// Other default paths that were looked at and did not exist (named in errors).
    var alsoLooked: [String] = []
    /// The treatment room, when the socket is a room's (`--room`, `INWARD_ROOM`,
    /// or the only room running): its daemon is the unit `inwardd@ROOM`.
    var room: String? = nil
    /// The room's read-only observer socket, taken because the control socket
    /// refused this user: status and follow only, controls are refused.
    var observer = false

    static let systemPath = "/run/inward/control"

    /// The control socket of room `name`'s daemon.
    static func roomPath(_ name: String) -> String { "/run/inward/\(name)/control" }

    /// The read-only observer socket of room `name`'s daemon (inwardd-observe@ROOM.socket).
    static func observePath(_ name: String) -> String { "/run/inward/\(name)/observe" }

    /// Where to go when the kernel refuses this user the room's control socket:
    /// the room's observer socket (members of `inward-observe` may watch there).
    /// Nil when the socket is not a room's (`--socket`, `$INWARD_SOCKET`) or is one already.
    var observerFallback: SocketLocation? {
        guard let room, !observer, path == Self.roomPath(room) else { return nil }
        return SocketLocation(path: Self.observePath(room), room: room, observer: true)
    }

    /// `--socket`, else `$INWARD_SOCKET`, else room `--room`/`$INWARD_ROOM`'s
    /// `/run/inward/ROOM/control`, else the default: `/run/inward/control`
    /// for root; for other users `$XDG_RUNTIME_DIR/inward/control` (a per-user
    /// daemon) when it exists, else the system daemon's `/run/inward/control`
    /// (a therapist in the `inward` group talks to the clinic's system service).
    /// When none of those exists and exactly one room's daemon listens, that one.
    static func resolve(option: String?, room roomOption: String? = nil,
                        environment: [String: String] = currentEnvironment()) -> SocketLocation {
        if let option, !option.isEmpty { return SocketLocation(path: option) }
        if let env = environment["INWARD_SOCKET"], !env.isEmpty { return SocketLocation(path: env) }
        if let room = Room.chosen(roomOption, environment: environment) {
            return SocketLocation(path: roomPath(room), room: room)
        }
        let runtime = environment["XDG_RUNTIME_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/run/user/\(getuid())"
        let user = runtime + "/inward/control"
        let first = getuid() == 0 ? [systemPath] : [user, systemPath]
        if let found = first.first(where: exists) { return SocketLocation(path: found) }
        let rooms = Room.running()
        if rooms.count == 1 { return SocketLocation(path: roomPath(rooms[0]), room: rooms[0]) }
        return SocketLocation(path: first[0], alsoLooked: Array(first.dropFirst()) + rooms.map(roomPath))
    }

    static func currentEnvironment() -> [String: String] {
        var env: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "=") { env[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
            p += 1
        }
        return env
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }
}

/// What can go wrong talking to the daemon.
enum ClientError: Error {
    /// No socket file, or nobody accepting on it.
    case noDaemon(SocketLocation)
    /// The socket exists but this user may not connect to it.
    case permissionDenied(SocketLocation)
    /// Another connect/send/receive failure.
    case io(SocketLocation, operation: String, errno: Int32)
    /// No reply within the timeout.
    case timeout(SocketLocation, seconds: Double)
    /// The daemon closed the connection before replying.
    case closed(SocketLocation)
    /// The daemon sent something that is not a Varlink reply.
    case badReply(String)
    /// A Varlink error reply: `io.inward.Session.*` or `org.varlink.service.*`.
    case varlink(name: String, parameters: JSONObject)
}

/// A blocking Varlink client on a Unix socket: one call at a time, every wait
/// bounded so the CLI never hangs.
final class VarlinkConnection {
    let location: SocketLocation
    private let fd: Int32
    private var framer = VarlinkFramer(maxMessageSize: 16 * 1024 * 1024)
    /// How long to wait for a reply (and for a send to go through).
    var timeout: Double

    init(_ location: SocketLocation, timeout: Double = 5) throws(ClientError) {
        self.location = location
        self.timeout = timeout
        signal(SIGPIPE, SIG_IGN)
        let address: UnixSocketAddress
        do throws(UnixSocketAddress.PathError) {
            address = try UnixSocketAddress(path: location.path)
        } catch {
            throw .io(location, operation: "connect (the socket path is longer than \(UnixSocketAddress.maxPathBytes) bytes)",
                      errno: ENAMETOOLONG)
        }
        let s = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard s >= 0 else { throw .io(location, operation: "socket", errno: errno) }
        do throws(SystemCallError) {
            try address.connect(s)
        } catch {
            close(s)
            switch error.errno {
            case ENOENT, ECONNREFUSED, ENOTDIR: throw .noDaemon(location)
            case EACCES, EPERM: throw .permissionDenied(location)
            default: throw .io(location, operation: "connect", errno: error.errno)
            }
        }
        fd = s
    }

    deinit { close(fd) }

    /// Calls `method` and returns its reply's parameters; a Varlink error
    /// reply throws `.varlink`.
    func call(_ method: String, _ parameters: JSONObject = [:]) throws(ClientError) -> JSONObject {
        try send(VarlinkCall(method: method, parameters: parameters))
        guard let reply = try receive(timeout: timeout) else { throw .timeout(location, seconds: timeout) }
        return try Self.check(reply)
    }

    /// Calls `method` with `more` and hands each reply to `onReply` until one
    /// comes without `continues` (or `onReply` returns false). The first reply
    /// must come within the timeout; later ones may take as long as they take,
    /// and `onIdle` runs whenever `idleInterval` seconds pass without one.
    func stream(_ method: String, _ parameters: JSONObject = [:], idleInterval: Double? = nil,
                onIdle: () -> Void = {},
                onReply: (_ parameters: JSONObject, _ continues: Bool) -> Bool) throws(ClientError) {
        try send(VarlinkCall(method: method, parameters: parameters, more: true))
        var first = true
        while true {
            let wait = first ? timeout : (idleInterval ?? -1)
            let reply: VarlinkReply?
            reply = try receive(timeout: wait)
            guard let reply else {
                if first { throw .timeout(location, seconds: timeout) }
                onIdle()
                continue
            }
            first = false
            let params = try Self.check(reply)
            if !onReply(params, reply.continues) || !reply.continues { return }
        }
    }

    private static func check(_ reply: VarlinkReply) throws(ClientError) -> JSONObject {
        let params = reply.parameters?.objectValue ?? JSONObject()
        if let name = reply.error { throw .varlink(name: name, parameters: params) }
        return params
    }

    private func send(_ call: VarlinkCall) throws(ClientError) {
        let bytes = call.serialized()
        var offset = 0
        while offset < bytes.count {
            var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let ready: Int32
            do throws(SystemCallError) {
                ready = try SystemCall.retrying("poll") { poll(&pfd, 1, Int32(timeout * 1000)) }
            } catch {
                throw .io(location, operation: "poll", errno: error.errno)
            }
            if ready == 0 { throw .timeout(location, seconds: timeout) }
            let sent: Int?
            do throws(SystemCallError) {
                sent = try SystemCall.nonBlocking("send") {
                    bytes.withUnsafeBytes { raw in
                        Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                    }
                }
            } catch {
                if error.errno == EPIPE || error.errno == ECONNRESET { throw .closed(location) }
                throw .io(location, operation: "send", errno: error.errno)
            }
            guard let sent else { continue }
            offset += sent
        }
    }

    /// The next reply, or nil when `timeout` seconds (negative: forever) pass first.
    private func receive(timeout: Double) throws(ClientError) -> VarlinkReply? {
        let deadline = timeout < 0 ? nil : MonotonicClock.seconds + timeout
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            do {
                if let message = try framer.next() {
                    do { return try VarlinkReply.parse(message) } catch {
                        throw ClientError.badReply("\(error)")
                    }
                }
            } catch let e as ClientError {
                throw e
            } catch {
                throw .badReply("\(error)")
            }
            if let deadline, deadline - MonotonicClock.seconds <= 0 { return nil }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready: Int32
            do throws(SystemCallError) {
                // The wait is worked out again when a signal interrupts the poll.
                ready = try SystemCall.retrying("poll") {
                    let waitMs = deadline.map { Int32(max(0, min(($0 - MonotonicClock.seconds) * 1000 + 1, 2_000_000_000))) }
                    return poll(&pfd, 1, waitMs ?? -1)
                }
            } catch {
                throw .io(location, operation: "poll", errno: error.errno)
            }
            if ready == 0 { continue }
            let received: Int?
            do throws(SystemCallError) {
                received = try SystemCall.nonBlocking("recv") { buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) } }
            } catch {
                if error.errno == ECONNRESET { throw .closed(location) }
                throw .io(location, operation: "receive", errno: error.errno)
            }
            guard let n = received else { continue }
            if n == 0 { throw .closed(location) }
            buffer.withUnsafeBytes { framer.append(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
    }
}
