import Foundation
@testable import InwardTestSupport
import InwardDaemon
import InwardProtocol
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("ControlServer.bind: the socket file")
struct ListeningSocketTests {
    private func temporaryDirectory() throws -> String {
        var template = Array("/tmp/inward-bind-XXXXXX".utf8CString)
        guard let dir = mkdtemp(&template) else { throw TestFailure("mkdtemp failed") }
        return String(cString: dir)
    }

    private func mode(_ path: String) -> mode_t? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        return st.st_mode
    }

    @Test("the socket file is a socket with mode 0660; a missing parent is created 0755")
    func modeAndParent() throws {
        let dir = try temporaryDirectory()
        defer { _ = system("rm -rf '\(dir)'") }
        let path = dir + "/run/inward/control"
        let fd = try ControlServer.bind(path: path)
        defer { Glibc.close(fd) }
        let st = try #require(mode(path))
        #expect(st & S_IFMT == S_IFSOCK)
        #expect(st & 0o7777 == 0o660)
        #expect(try #require(mode(dir + "/run/inward")) & 0o7777 == 0o755)
    }

    @Test("bind refuses, naming the path, when another server listens on it; the server keeps serving")
    func refusesWhenInUse() throws {
        let server = try TestServer()
        defer { server.stop() }
        #expect(throws: SocketError.alreadyInUse(path: server.path)) {
            _ = try ControlServer.bind(path: server.path)
        }
        #expect(SocketError.alreadyInUse(path: server.path).description.contains(server.path))
        let client = try server.client()
        #expect(client.exchange(#"{"method":"org.varlink.service.GetInfo"}"#)?["vendor"] == "Inward")
    }

    @Test("a stale socket file (nothing listening) is replaced")
    func replacesStale() throws {
        let dir = try temporaryDirectory()
        defer { _ = system("rm -rf '\(dir)'") }
        let path = dir + "/control"
        // A socket bound and closed without unlinking: the file stays, nobody listens.
        let stale = try ControlServer.bind(path: path)
        Glibc.close(stale)
        #expect(mode(path).map { $0 & S_IFMT == S_IFSOCK } == true)

        let fd = try ControlServer.bind(path: path)
        defer { Glibc.close(fd) }
        let client = try VarlinkTestClient(path: path, timeout: 20)  // connect succeeds: the new socket listens
        _ = client
    }

    @Test("a file that is not a socket is left alone")
    func refusesNonSocket() throws {
        let dir = try temporaryDirectory()
        defer { _ = system("rm -rf '\(dir)'") }
        let path = dir + "/control"
        #expect(FileManager.default.createFile(atPath: path, contents: Data("keep me".utf8)))
        #expect(throws: SocketError.notASocket(path: path)) {
            _ = try ControlServer.bind(path: path)
        }
        #expect(FileManager.default.contents(atPath: path) == Data("keep me".utf8))
    }

    @Test("a path longer than sun_path is refused")
    func pathTooLong() throws {
        let path = "/tmp/" + String(repeating: "x", count: 200)
        #expect(throws: SocketError.self) { _ = try ControlServer.bind(path: path) }
    }

    @Test("without systemd socket activation there is no listen fd")
    func noSystemdFD() {
        unsetenv("LISTEN_FDS")
        unsetenv("LISTEN_PID")
        #expect(ControlServer.systemdListeners() == nil)
    }
}
