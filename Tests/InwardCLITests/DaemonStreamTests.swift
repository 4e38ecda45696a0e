#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization
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
        // What inward prints, as it prints it.
        let printed = Mutex(Data())
        out.fileHandleForReading.readabilityHandler = { handle in
            let chunk = handle.availableData
            if chunk.isEmpty { handle.readabilityHandler = nil } else { printed.withLock { $0.append(chunk) } }
        }
        try process.run()
        // Interrupted once it has printed the stream's first line, however slow the machine.
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, !printed.withLock({ $0.contains(UInt8(ascii: "\n")) }) { usleep(20_000) }
        #expect(process.isRunning, "the stream has not ended, so inward should still be following")
        kill(process.processIdentifier, SIGINT)
        // Never hang the suite: a CLI that ignores Ctrl-C is killed after 5 s (and fails below).
        let killAt = Date().addingTimeInterval(5)
        while process.isRunning && Date() < killAt { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        out.fileHandleForReading.readabilityHandler = nil
        let data = printed.withLock { $0 } + out.fileHandleForReading.readDataToEndOfFile()
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

    @Test("--timeout (or INWARD_TIMEOUT) sets how long a reply is waited for; 0 or a word is a usage error")
    func timeoutOption() throws {
        let d = try FakeVarlinkDaemon([s + "Status": [.keepOpen, .keepOpen]])
        let tmp = try TempDir()
        let r = try CLI.run(["--timeout", "1", "status", "--socket", d.path], home: tmp.url)
        #expect(r.status == 1 && r.stderrHas("did not answer within 1 s"), "\(r)")
        let e = try CLI.run(["status", "--socket", d.path], home: tmp.url, environment: ["INWARD_TIMEOUT": "2"])
        #expect(e.status == 1 && e.stderrHas("did not answer within 2 s"), "\(e)")
        let zero = try CLI.run(["status", "--timeout", "0", "--socket", d.path], home: tmp.url)
        #expect(zero.status == 2 && zero.stderrHas("--timeout"), "\(zero)")
        let bad = try CLI.run(["status", "--socket", d.path], home: tmp.url, environment: ["INWARD_TIMEOUT": "soon"])
        #expect(bad.status == 2 && bad.stderrHas("INWARD_TIMEOUT='soon'"), "\(bad)")
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
