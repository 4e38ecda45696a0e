@testable import InwardTestSupport
import Foundation
import InwardProtocol
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The session log written by the real daemon: what a client was told is
/// recorded is in the file even when inwardd is killed right after, and a log
/// that cannot be written is reported to the client instead of acknowledged.
@Suite("inwardd session log", .serialized)
struct SessionLogTests {

    static let plan = PlanFixture.soundscapes(name: "logged").toml

    func mode(_ path: String) -> mode_t {
        var st = stat()
        #expect(stat(path, &st) == 0, "cannot stat \(path)")
        return st.st_mode & 0o7777
    }

    /// SHA-256 hex of `bytes`, by coreutils (this target does not link the log's own code).
    func sha256(_ bytes: [UInt8]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        try p.run()
        input.fileHandleForWriting.write(Data(bytes))
        try input.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(String(decoding: out, as: UTF8.self).prefix(64))
    }

    @Test("SIGKILL right after an acknowledged mark: the mark and everything before it are whole, chained lines")
    func killAfterMark() throws {
        let daemon = try DaemonHarness(plans: ["logged.toml": Self.plan], pace: 4)
        let c = try daemon.client()
        let started = try c.call(.start, ["plan": "logged", "client": "C-0042"])
        #expect(started.error == nil, "start failed: \(started.object)")
        let id = try #require(started.object["session_id"]?.stringValue)
        #expect(try c.call(.dose, ["amount": "60 mg", "lot": "L-7"]).error == nil)
        #expect(try c.call(.pause, ["by": "client"]).error == nil)
        let mark = try c.call(.mark, ["kind": "vitals", "fields": ["systolic": 150, "diastolic": 95, "heart_rate": 88, "spo2": 97]])
        #expect(mark.error == nil)
        let markSeq = try #require(mark.object["seq"]?.int64Value)
        kill(daemon.process.processIdentifier, SIGKILL)
        daemon.process.waitUntilExit()
        #expect(daemon.process.terminationReason == .uncaughtSignal)

        let sessions = daemon.state.appendingPathComponent("sessions").path
        let path = sessions + "/\(id).jsonl"
        #expect(mode(daemon.state.path) == 0o750)
        #expect(mode(sessions) == 0o750)
        #expect(mode(path) == 0o640)

        let data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(data.last == 10, "the log ends in a torn line")
        let lines = data.split(separator: 10).map(Array.init)
        var prev = String(repeating: "0", count: 64)
        var events: [JSONObject] = []
        for (i, bytes) in lines.enumerated() {
            let object = try #require(try JSONValue.parse(bytes).objectValue, "line \(i + 1) is not an object")
            #expect(object["prev"]?.stringValue == prev, "line \(i + 1) does not chain")
            #expect(object["seq"]?.int64Value == Int64(i + 1), "line \(i + 1) has seq \(object["seq"]?.int64Value ?? -1)")
            prev = try sha256(bytes)
            events.append(object)
        }
        let kinds = events.compactMap { $0["kind"]?.stringValue }
        #expect(kinds.first == "session.start")
        let start = events.first?["fields"]?.objectValue ?? [:]
        #expect(start["client"]?.stringValue == "C-0042")
        #expect(start["device"]?.stringValue == "room")
        let planBytes = [UInt8](try Data(contentsOf: daemon.plans.appendingPathComponent("logged.toml")))
        #expect(start["plan_sha256"]?.stringValue == (try sha256(planBytes)))
        let dose = events.first { $0["kind"]?.stringValue == "dose" }
        #expect(dose?["fields"]?["amount"]?.stringValue == "60 mg")
        #expect(dose?["fields"]?["lot"]?.stringValue == "L-7")
        #expect(events.contains { $0["kind"]?.stringValue == "control.pause" && $0["fields"]?["by"]?.stringValue == "client" })
        let vitals = events.first { $0["kind"]?.stringValue == "mark.vitals" }
        #expect(vitals?["seq"]?.int64Value == markSeq, "the acknowledged mark is not in the log: \(kinds)")
        #expect(vitals?["fields"]?["systolic"]?.int64Value == 150)
        #expect(vitals?["t0_seconds"]?.doubleValue != nil)
    }

    @Test("a session whose log cannot be created is refused with LogWriteFailed naming the file; it starts once it can")
    func unwritableLog() throws {
        let daemon = try DaemonHarness(plans: ["logged.toml": Self.plan], pace: 4)
        let c = try daemon.client()
        // A plain file where the sessions folder should be: open(2) fails with ENOTDIR, even as root.
        let sessions = daemon.state.appendingPathComponent("sessions").path
        try FileManager.default.removeItem(atPath: sessions)
        FileManager.default.createFile(atPath: sessions, contents: Data("in the way".utf8))

        let refused = try c.call(.start, ["plan": "logged", "client": "C-0042"])
        #expect(refused.error == "io.inward.Session.LogWriteFailed")
        let path = refused.object["path"]?.stringValue ?? ""
        #expect(path.hasPrefix(sessions + "/") && path.hasSuffix(".jsonl"), "path: \(path)")
        #expect(refused.object["reason"]?.stringValue?.contains("Not a directory") == true, "\(refused.object)")
        #expect(try c.call(.status).object["status"]?["state"]?.stringValue == "idle")
        #expect(try c.call(.mark, ["kind": "note"]).error == "io.inward.Session.NoSession")

        // Put the folder back: the next start works (the refused one left nothing open).
        try FileManager.default.removeItem(atPath: sessions)
        try FileManager.default.createDirectory(atPath: sessions, withIntermediateDirectories: false)
        let started = try c.call(.start, ["plan": "logged"])
        #expect(started.error == nil, "\(started.object)")
        #expect(try c.call(.stop).error == nil)
        let deadline = Date().addingTimeInterval(TestTime.scaled(30))
        while Date() < deadline, try c.call(.status).object["status"]?["state"]?.stringValue != "idle" { usleep(10_000) }
        let (code, log) = daemon.terminate()
        #expect(code == 0, "inwardd exited \(code): \(log.suffix(2000))")
        let id = started.object["session_id"]?.stringValue ?? ""
        let text = (try? String(contentsOfFile: sessions + "/\(id).jsonl", encoding: .utf8)) ?? ""
        let kinds = text.split(separator: "\n").compactMap { try? JSONValue.parse(Array($0.utf8)).objectValue?["kind"]?.stringValue }
        #expect(kinds.first == "session.start")
        #expect(kinds.last == "session.end")
        #expect(kinds.contains("control.stop"))
    }
}
