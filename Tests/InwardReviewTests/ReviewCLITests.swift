@testable import InwardTestSupport
import Foundation
import InwardLog
import InwardProtocol
import Testing

/// `inward sessions`, `review` and `verify` as processes on a state folder.
@Suite("inward sessions, review, verify")
struct ReviewCLITests {
    /// A state folder with two sessions: the synthetic one, and a shorter one
    /// for another client an hour later with no dose.
    func stateDir() throws -> String {
        let dir = try Run.tempDir("state")
        try FileManager.default.createDirectory(atPath: dir + "/sessions", withIntermediateDirectories: true)
        try Run.write(SyntheticSession.bytes(), to: dir + "/sessions/2026-11-26-1000-k42.jsonl")
        var second = SyntheticSession.events.prefix(5).map { $0 }
        second[0].fields["session_id"] = "2026-11-26-1300-b07"
        second[0].fields["client"] = "B-0007"
        second[0].fields["plan"] = "Sublingual three hours"
        second.append(SyntheticSession.Event(at: 1800, kind: "session.end", phase: nil, fields: ["reason": "completed"]))
        try Run.write(SyntheticSession.bytes(SyntheticSession.lines(second, startHour: 13)), to: dir + "/sessions/2026-11-26-1300-b07.jsonl")
        return dir
    }

    @Test func sessionsListsEveryLog() throws {
        let dir = try stateDir()
        let r = try Run.process(try Run.inward(), ["sessions", "--state-dir", dir])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(r.stdout)")
        #expect(lines[0].hasPrefix("DATE") && lines[0].contains("CLIENT") && lines[0].contains("DOSE") && lines[0].contains("MARKS"))
        // Oldest first: date, client, plan, length, dose time, marks, id.
        for (field, row) in [("2026-11-26 10:00", 1), ("K-0042", 1), ("IM two hours", 1), ("58:40", 1), ("10:10 (+10:00)", 1),
                             ("2026-11-26-1000-k42", 1), ("2026-11-26 13:00", 2), ("B-0007", 2), ("Sublingual three hours", 2),
                             ("30:00", 2), ("2026-11-26-1300-b07", 2)] {
            #expect(lines[row].contains(field), "row \(row) lacks \(field): \(lines[row])")
        }
        #expect(lines[1].contains("  9  "), "9 marks: \(lines[1])")
        #expect(lines[2].contains("  —  ") && lines[2].contains("  2  "), "no dose, 2 marks: \(lines[2])")

        // INWARD_STATE_DIR instead of the option; --json.
        let j = try Run.process(try Run.inward(), ["--json", "sessions"], environment: ["INWARD_STATE_DIR": dir])
        #expect(j.status == 0, "\(j.stderr)")
        let list = try #require(try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [[String: Any]])
        #expect(list.map { $0["client"] as? String } == ["K-0042", "B-0007"])
        #expect(list.first?["marks"] as? Int == 9)
    }

    @Test func reviewWritesTheHTMLFileForASessionId() throws {
        let dir = try stateDir()
        let out = dir + "/review.html"
        let r = try Run.process(try Run.inward(), ["review", "2026-11-26-1000-k42", "--format", "html", "--out", out, "--state-dir", dir])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        let html = try String(contentsOfFile: out, encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("<svg") && html.contains("T+00:15:00"))
        let mode = try FileManager.default.attributesOfItem(atPath: out)[.posixPermissions] as? Int
        #expect(mode.map { $0 & 0o007 } == 0, "the report holds health information: not world-readable")
        // A file path works too, and text is the default.
        let text = try Run.process(try Run.inward(), ["review", dir + "/sessions/2026-11-26-1000-k42.jsonl"])
        #expect(text.status == 0 && text.stdout.contains("T+00:17:00 ** BOOSTER"))
        // --json, which every command takes, is --format json here.
        let file = dir + "/sessions/2026-11-26-1000-k42.jsonl"
        let json = try Run.process(try Run.inward(), ["--json", "review", file])
        let formatJSON = try Run.process(try Run.inward(), ["review", file, "--format", "json"])
        #expect(json.status == 0 && json.stdout.hasPrefix("{") && json.stdout == formatJSON.stdout, "\(json)")
        let bad = try Run.process(try Run.inward(), ["review", "nope", "--state-dir", dir])
        #expect(bad.status != 0 && bad.stderr.contains("nope"))
    }

    @Test func reviewOfATornLogWarnsAndShowsEveryCompleteEvent() throws {
        let dir = try stateDir()
        let path = dir + "/torn.jsonl"
        try Run.write(Array(SyntheticSession.bytes().dropLast(25)), to: path)
        let r = try Run.process(try Run.inward(), ["review", path, "--format", "csv"])
        #expect(r.status == 0)
        #expect(r.stderr.contains("line \(SyntheticSession.events.count)") && r.stderr.contains("torn"), "\(r.stderr)")
        #expect(r.stdout.components(separatedBy: "\r\n").count == SyntheticSession.events.count + 1)  // header + complete events + ""
        let v = try Run.process(try Run.inward(), ["verify", path])
        #expect(v.status == 0, "a torn tail alone is not a broken chain: \(v.stdout)")
        #expect(v.stdout.hasPrefix("OK: \(SyntheticSession.events.count - 1) lines"))
        #expect(v.stderr.contains("torn"))
    }

    @Test func verifySaysOKOrNamesTheLineAndExits1() throws {
        let dir = try stateDir()
        let ok = try Run.process(try Run.inward(), ["verify", "2026-11-26-1000-k42", "--state-dir", dir])
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        #expect(ok.stdout.hasPrefix("OK: \(SyntheticSession.events.count) lines (seq 1–\(SyntheticSession.events.count)), chain intact"))
        let head = try #require(ok.stdout.split(separator: "\n").first { $0.hasPrefix("head: ") }).dropFirst(6)

        let path = dir + "/sessions/2026-11-26-1000-k42.jsonl"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let text = String(decoding: bytes, as: UTF8.self)
        let at = text.utf8.distance(from: text.startIndex, to: text.range(of: "ondansetron 4 mg")!.lowerBound) + 13
        bytes[at] = UInt8(ascii: "8")   // "4 mg" -> "8 mg" on line 19
        try Run.write(bytes, to: path)
        let bad = try Run.process(try Run.inward(), ["verify", path])
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("line 19: changed content"), "\(bad.stdout)")

        let json = try Run.process(try Run.inward(), ["--json", "verify", path])
        #expect(json.status == 1)
        let o = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((o["failure"] as? [String: Any])?["line"] as? Int == 19)

        // The last line, edited, is caught against the head recorded before.
        try Run.write(SyntheticSession.bytes(), to: path)
        var lastEdited = SyntheticSession.bytes()
        lastEdited[lastEdited.count - 5] ^= 0x01
        try Run.write(lastEdited, to: path)
        let h = try Run.process(try Run.inward(), ["verify", path, "--head", String(head)])
        #expect(h.status == 1 && h.stdout.contains("line \(SyntheticSession.events.count):"), "\(h.stdout)")
    }
}
