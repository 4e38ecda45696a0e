import Foundation
import InwardPOSIX
import InwardProtocol
#if canImport(Glibc)
import Glibc
#endif

/// The one Varlink test client: a blocking Unix-socket connection with
/// NUL-framed messages, replies read in order, and a receive timeout so a
/// broken server fails a test instead of hanging it.
///
/// Two ways to use it:
/// - typed and throwing, for tests of the session service:
///   `try c.call(.start, ["plan": "calm"])`, `try c.receive()`;
/// - raw and non-throwing, for tests of the framing and the server itself:
///   `send(bytes)`, `read()` (a message, EOF or a timeout), `exchange(json)`.
///
/// Not shared between threads: one thread sends and reads at a time.
final class VarlinkTestClient: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible { let description: String }

    /// What the next read brought.
    enum Read: Equatable {
        case message([UInt8])
        case closed
        case timedOut
    }

    let fd: Int32
    private var buffer: [UInt8] = []

    /// The descriptor is stored only once connected: a throwing init of a fully
    /// initialised class still runs `deinit`, which would close it a second time
    /// (and maybe close a descriptor another thread has just opened).
    /// - Parameter timeout: seconds a read may wait for the server (a safety
    ///   net, not a timing assertion; times `TestTime.scale`).
    init(path: String, timeout: Int = 10) throws {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        do {
            try UnixSocketAddress(path: path).connect(fd)
        } catch {
            close(fd)
            throw Failure(description: "\(error)")
        }
        self.fd = fd
        var tv = timeval(tv_sec: Int(TestTime.scaled(Double(timeout)).rounded(.up)), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    // MARK: Typed calls

    /// Calls an `io.inward.Session` method and returns its reply.
    func call(_ method: SessionMethod, _ parameters: JSONObject = [:], more: Bool = false) throws -> VarlinkReply {
        try call(method.qualifiedName, parameters, more: more)
    }

    /// Calls `method` by its qualified name (for other interfaces, such as
    /// `org.varlink.service.GetInfo`) and returns the reply.
    func call(_ method: String, _ parameters: JSONObject = [:], more: Bool = false) throws -> VarlinkReply {
        let call = VarlinkCall(method: method, parameters: parameters, more: more)
        try sendRaw(call.serialized())
        return try receive()
    }

    /// Sends all bytes, or throws.
    func sendRaw(_ bytes: [UInt8]) throws {
        guard send(bytes) else { throw Failure(description: "send: the server closed the connection") }
    }

    /// Reads the next reply, or throws at EOF, timeout or an unparsable message.
    func receive() throws -> VarlinkReply {
        switch read() {
        case .message(let bytes): return try VarlinkReply.parse(bytes)
        case .closed: throw Failure(description: "the daemon closed the connection")
        case .timedOut: throw Failure(description: "no reply within the receive timeout")
        }
    }

    // MARK: Raw exchange

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

    /// Sends a message as written (JSON text, no NUL) and reads one reply.
    func exchange(_ json: String) -> VarlinkReply? {
        guard send(json) else { return nil }
        return reply()
    }

    /// True when the server closed the connection (after any pending replies are read).
    func isClosedByServer() -> Bool { read() == .closed }
}

extension VarlinkReply {
    /// The reply's parameters as an object.
    var object: JSONObject { parameters?.objectValue ?? [:] }

    /// One parameter of the reply.
    subscript(_ key: String) -> JSONValue? { parameters?.objectValue?[key] }
}
