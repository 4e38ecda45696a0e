import Foundation
import InwardDaemon
import InwardPOSIX
import InwardProtocol
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A small real handler for `io.inward.Test`:
/// - `Echo(...)` replies with its parameters;
/// - `Count()` counts calls (oneway ones too) and replies `{"count": n}`;
/// - `Stream(n)` with `more` replies n times with `continues` from another thread,
///   then once without (`{"i": n, "done": true}`); without `more`: ExpectedMore;
/// - `Hold()` with `more` keeps the responder and never answers (for disconnects);
/// - `Flood()` with `more` streams 1 KiB replies from another thread while `isOpen`;
/// - anything else: MethodNotFound, or InterfaceNotFound for other interfaces.
final class TestHandler: VarlinkHandler {
    struct State {
        var count = 0
        var closed: [ConnectionID: Int] = [:]
        var held: [ConnectionID: any VarlinkResponder] = [:]
    }
    let state = Mutex(State())

    func handle(_ call: VarlinkCall, from peer: VarlinkPeer, responder: any VarlinkResponder) {
        let connection = peer.connection
        guard call.interface == "io.inward.Test" else {
            responder.send(VarlinkService.Errors.interfaceNotFound(String(call.interface)))
            return
        }
        switch call.methodName {
        case "Echo":
            responder.send(VarlinkReply(parameters: call.parameters))
        case "Whoami":
            responder.send(VarlinkReply(["uid": .integer(Int64(peer.uid ?? UInt32.max)), "pid": .integer(Int64(peer.pid ?? -1)),
                                         "read_only": .bool(peer.readOnly), "user": .optional(peer.userName)]))
        case "Count":
            let n = state.withLock { s in
                s.count += 1
                return s.count
            }
            responder.send(VarlinkReply(["count": .integer(Int64(n))]))
        case "Stream":
            guard call.more else {
                responder.send(VarlinkService.Errors.expectedMore())
                return
            }
            let n = Int(call.parameterObject["n"]?.int64Value ?? 3)
            let thread = Thread {
                for i in 0..<n {
                    responder.send(VarlinkReply(["i": .integer(Int64(i))], continues: true))
                    usleep(1000)
                }
                responder.send(VarlinkReply(["i": .integer(Int64(n)), "done": true]))
            }
            thread.start()
        case "Hold":
            state.withLock { $0.held[connection] = responder }
        case "Flood":
            // Replies of about 1 KiB as fast as possible until the client is gone.
            let filler = JSONValue.string(String(repeating: "x", count: 1000))
            let thread = Thread {
                var i: Int64 = 0
                while responder.isOpen && i < 1_000_000 {
                    responder.send(VarlinkReply(["i": .integer(i), "filler": filler], continues: true))
                    i += 1
                }
            }
            thread.start()
        default:
            responder.send(VarlinkService.Errors.methodNotFound(call.method))
        }
    }

    func connectionClosed(_ connection: ConnectionID) {
        state.withLock { $0.closed[connection, default: 0] += 1 }
    }
}

/// A ControlServer on a temporary socket, running on its own thread.
final class TestServer: @unchecked Sendable {
    let directory: String
    let path: String
    let handler = TestHandler()
    let server: ControlServer
    private let stopped = DispatchSemaphore(value: 0)

    /// The read-only (observer) socket, with `observerSocket: true`.
    var observePath: String { directory + "/observe" }

    init(limits: ControlServer.Limits = .init(), observerSocket: Bool = false) throws {
        var template = Array("/tmp/inward-srv-XXXXXX".utf8CString)
        guard let dir = mkdtemp(&template) else { throw TestFailure("mkdtemp failed") }
        directory = String(cString: dir)
        path = directory + "/control"
        var listeners = [ControlServer.Listener(fd: try ControlServer.bind(path: path))]
        if observerSocket {
            listeners.append(ControlServer.Listener(fd: try ControlServer.bind(path: directory + "/observe"), readOnly: true))
        }
        server = ControlServer(listeners: listeners, handler: handler, limits: limits, logger: quietLogger())
        server.serviceVersion = "9.9.9-test"
        let server = self.server
        let stopped = self.stopped
        let thread = Thread {
            server.run()
            stopped.signal()
        }
        thread.start()
    }

    func stop() {
        server.shutdown()
        stopped.wait()
        _ = unlink(path)
        _ = unlink(observePath)
        _ = rmdir(directory)
    }

    func client() throws -> RawClient { try RawClient(path: path) }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func quietLogger() -> Logger {
    Logger(label: "test.control-server", factory: { _ in SwiftLogNoOpLogHandler() })
}

/// Waits (up to 20 s, a safety net, not a timing assertion) until `condition` holds.
func eventually(_ condition: () -> Bool) -> Bool {
    for _ in 0..<20_000 {
        if condition() { return true }
        usleep(1000)
    }
    return condition()
}

/// A raw Unix-socket Varlink client: blocking socket, NUL-framed messages.
final class RawClient: @unchecked Sendable {
    enum Read: Equatable {
        case message([UInt8])
        case closed
        case timedOut
    }

    let fd: Int32
    private var buffer: [UInt8] = []

    /// The descriptor is stored only once connected: a throwing init of a fully
    /// initialised class still runs `deinit`, which would close it twice.
    init(path: String) throws {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: \(errno)") }
        do {
            try UnixSocketAddress(path: path).connect(fd)
        } catch {
            Glibc.close(fd)
            throw TestFailure("\(error)")
        }
        self.fd = fd
        // A safety net so a broken server fails the test instead of hanging it.
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { Glibc.close(fd) }

    /// Sends all bytes; false if the server closed the connection.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = try? SystemCall.retrying("send") {
                bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            }
            guard let n else { return false }
            offset += n
        }
        return true
    }

    /// Sends one message (the JSON text and a NUL).
    @discardableResult
    func send(_ json: String) -> Bool { send(Array(json.utf8) + [0]) }

    /// The next message without its NUL, or how the stream ended.
    func read() -> Read {
        while true {
            if let nul = buffer.firstIndex(of: 0) {
                let message = Array(buffer[..<nul])
                buffer.removeSubrange(...nul)
                return .message(message)
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            // The receive timeout (SO_RCVTIMEO) ends a blocking recv with EAGAIN.
            let received: Int?
            do {
                received = try SystemCall.nonBlocking("recv") { chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) } }
            } catch {
                return .closed  // ECONNRESET and any other failure
            }
            guard let n = received else { return .timedOut }
            if n == 0 { return .closed }
            buffer.append(contentsOf: chunk[..<n])
        }
    }

    /// The next reply, parsed; nil at EOF, timeout or garbage.
    func reply() -> VarlinkReply? {
        guard case .message(let bytes) = read() else { return nil }
        return try? VarlinkReply.parse(bytes)
    }

    func call(_ json: String) -> VarlinkReply? {
        guard send(json) else { return nil }
        return reply()
    }

    /// True when the server closed the connection (after any pending replies are read).
    func isClosedByServer() -> Bool { read() == .closed }
}

extension VarlinkReply {
    subscript(_ key: String) -> JSONValue? { parameters?.objectValue?[key] }
}
