import InwardPOSIX
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("UnixSocketAddress: sockaddr_un from a path, bind and connect")
struct UnixSocketAddressTests {
    private func temporaryDirectory() throws -> String {
        var template = Array("/tmp/inward-posix-XXXXXX".utf8CString)
        guard let dir = mkdtemp(&template) else { throw SystemCallError(call: "mkdtemp", errno: errno) }
        return String(cString: dir)
    }

    @Test("a path one byte over the limit is refused, naming the path and the limit")
    func tooLong() throws {
        #expect(UnixSocketAddress.maxPathBytes == 107)
        let path = "/tmp/" + String(repeating: "x", count: UnixSocketAddress.maxPathBytes - 4)
        #expect(path.utf8.count == UnixSocketAddress.maxPathBytes + 1)
        let error = #expect(throws: UnixSocketAddress.PathError.self) { _ = try UnixSocketAddress(path: path) }
        #expect(error == .tooLong(path: path, maxBytes: 107))
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains(path) && text.contains("107 bytes"), "\(text)")
    }

    @Test("a path of exactly the limit fits; an empty path is refused")
    func limits() throws {
        let path = "/tmp/" + String(repeating: "y", count: UnixSocketAddress.maxPathBytes - 5)
        #expect(try UnixSocketAddress(path: path).path == path)
        #expect(throws: UnixSocketAddress.PathError.empty) { _ = try UnixSocketAddress(path: "") }
    }

    @Test("bind, listen and connect through the address; the peer sees the path")
    func roundTrip() throws {
        let dir = try temporaryDirectory()
        defer { _ = unlink(dir + "/s"); _ = rmdir(dir) }
        let address = try UnixSocketAddress(path: dir + "/s")
        let server = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { _ = close(server) }
        try address.bind(server)
        #expect(listen(server, 1) == 0)
        let client = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { _ = close(client) }
        try address.connect(client)
        var peer = sockaddr_un()
        var length = socklen_t(MemoryLayout<sockaddr_un>.size)
        let rc = withUnsafeMutablePointer(to: &peer) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(client, $0, &length) }
        }
        #expect(rc == 0)
        let peerPath = withUnsafeBytes(of: &peer.sun_path) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        #expect(peerPath == address.path)
        // A second bind to the same path is EADDRINUSE, named after the path.
        let other = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { _ = close(other) }
        #expect(throws: SystemCallError(call: "bind(\(address.path))", errno: EADDRINUSE)) { try address.bind(other) }
    }

    @Test("connect to a missing socket: ENOENT, described as connect(PATH): the C library's text")
    func connectFails() throws {
        let dir = try temporaryDirectory()
        defer { _ = rmdir(dir) }
        let address = try UnixSocketAddress(path: dir + "/absent")
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { _ = close(fd) }
        let error = #expect(throws: SystemCallError.self) { try address.connect(fd) }
        #expect(error?.errno == ENOENT)
        #expect(error?.description == "connect(\(dir)/absent): No such file or directory")
    }
}
