import Foundation
import InwardProtocol
#if canImport(Glibc)
import Glibc
#endif

/// A blocking Varlink client over a Unix socket, for tests: one connection,
/// calls answered in order, with a timeout so a test never hangs.
final class VarlinkTestClient {
    struct Failure: Error, CustomStringConvertible { let description: String }

    let fd: Int32
    private var framer = VarlinkFramer(maxMessageSize: 16 << 20)

    /// The descriptor is stored only once connected: a throwing init of a fully
    /// initialised class still runs `deinit`, which would close it a second time
    /// (and maybe close a descriptor another thread has just opened).
    init(path: String) throws {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            let bytes = Array(path.utf8.prefix(raw.count - 1))
            raw.copyBytes(from: bytes + [0])
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw Failure(description: "connect \(path): \(reason)")
        }
        self.fd = fd
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    func sendRaw(_ bytes: [UInt8]) throws {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "send: \(String(cString: strerror(errno)))")
            }
            off += n
        }
    }

    /// Reads the next reply.
    func receive() throws -> VarlinkReply {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            if let message = try framer.next() { return try VarlinkReply.parse(message) }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw Failure(description: n == 0 ? "the daemon closed the connection" : "recv: \(String(cString: strerror(errno)))") }
            buffer[0..<n].withUnsafeBytes { framer.append($0) }
        }
    }

    /// Calls `method` (e.g. "io.inward.Session.Status") and returns the reply.
    func call(_ method: String, _ parameters: JSONObject = [:], more: Bool = false) throws -> VarlinkReply {
        let call = VarlinkCall(method: method, parameters: parameters, more: more)
        try sendRaw(call.serialized())
        return try receive()
    }
}
