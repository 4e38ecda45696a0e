import Foundation
import InwardPOSIX
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
        do {
            try UnixSocketAddress(path: path).connect(fd)
        } catch {
            close(fd)
            throw Failure(description: "\(error)")
        }
        self.fd = fd
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    func sendRaw(_ bytes: [UInt8]) throws {
        var off = 0
        while off < bytes.count {
            off += try SystemCall.retrying("send") { bytes[off...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } }
        }
    }

    /// Reads the next reply.
    func receive() throws -> VarlinkReply {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            if let message = try framer.next() { return try VarlinkReply.parse(message) }
            let n = try SystemCall.retrying("recv") { buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) } }
            guard n > 0 else { throw Failure(description: "the daemon closed the connection") }
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
