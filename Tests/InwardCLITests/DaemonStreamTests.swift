#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// Streams that do not end, and a daemon that does not answer.
@Suite("daemon streams and timeouts")
struct DaemonStreamTests {
    let s = Canned.s

    @Test("status --follow: Ctrl-C while the stream goes on exits 0 with what was printed")
    func interrupt() throws {
        let d = try FakeVarlinkDaemon([s + "Monitor": [.ok(["status": Canned.playing(), "event": NSNull()]), .keepOpen]])
        let tmp = try TempDir()
        let process = Process()
        process.executableURL = try CLI.executableURL()
        process.arguments = ["status", "--follow", "--socket", d.path]
        process.currentDirectoryURL = tmp.url
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while d.calls("Monitor").isEmpty && Date() < deadline { usleep(20_000) }
        usleep(300_000)
        #expect(process.isRunning, "the stream has not ended, so inward should still be following")
        kill(process.processIdentifier, SIGINT)
        // Never hang the suite: a CLI that ignores Ctrl-C is killed after 5 s (and fails below).
        let killAt = Date().addingTimeInterval(5)
        while process.isRunning && Date() < killAt { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0,
                "reason \(process.terminationReason.rawValue), status \(process.terminationStatus)")
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.split(separator: "\n").count == 1, "\(text)")
        #expect(text.contains("peak"), "\(text)")
    }

    @Test("a daemon that accepts but never answers: exit 1 within seconds, naming the socket")
    func timeout() throws {
        let d = try FakeVarlinkDaemon([s + "Status": [.keepOpen]])
        let tmp = try TempDir()
        let started = Date()
        let r = try CLI.run(["status", "--socket", d.path], home: tmp.url)
        let took = Date().timeIntervalSince(started)
        #expect(r.status == 1, "\(r)")
        #expect(r.stderrHas(d.path) && r.stderrHas("did not answer"), "\(r)")
        #expect(took < 15, "took \(took) s")
    }

    @Test("an unknown method (older daemon) is reported, not crashed on")
    func methodNotFound() throws {
        let d = try FakeVarlinkDaemon([:])
        let tmp = try TempDir()
        let r = try CLI.run(["skip", "--socket", d.path], home: tmp.url)
        #expect(r.status == 1, "\(r)")
        #expect(r.stderrHas("io.inward.Session.Skip"), "\(r)")
    }
}
