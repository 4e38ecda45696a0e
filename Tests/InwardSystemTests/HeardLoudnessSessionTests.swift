@testable import InwardTestSupport
import Foundation
import InwardProtocol
import Testing

/// What the room heard, end to end: inwardd plays a quiet and a loud track
/// (1 kHz tones at -30 and -18 dBFS, so -30 and -18 LUFS) through ALSA's
/// file plugin, paced; its log's `audio.loudness` events say so; the real
/// `inward review` shows the measured value on a statement's moment row in
/// text, CSV, JSON and HTML, the heard line in the HTML timeline, and the
/// minute's median in the minutes CSV.
@Suite("heard loudness through the daemon")
struct HeardLoudnessSessionTests {
    static let rate = 48_000
    static let plan = PlanFixture(name: "heard", phases: [
        .init("music", "60s", level: 0, fadeIn: "1s", fadeOut: "1s", crossfade: "1s", source: .playlist("p.m3u8")),
    ]).toml

    func inward(_ arguments: [String], home: URL) throws -> ProcessRun {
        let run = try ProcessRun.product("inward", arguments, environment: ["HOME": home.path, "INWARD_STATE_DIR": nil])
        #expect(run.status == 0, "inward \(arguments.joined(separator: " ")): \(run)")
        return run
    }

    @Test("a -30 and a -18 dBFS track are heard 12 LU apart (±1), and every review format shows the value at a statement")
    func quietAndLoud() throws {
        let daemon = try DaemonHarness(plans: ["heard.toml": Self.plan], pace: 4) { dir in
            try TonePlaylist("p", [.init("quiet", frequency: 1000, seconds: 30, amplitude: Float(pow(10, -30.0 / 20))),
                                   .init("loud", frequency: 1000, seconds: 30, amplitude: Float(pow(10, -18.0 / 20)))],
                             sampleRate: Self.rate).write(to: dir)
        }
        let c = try daemon.client()
        let id = try #require(try c.call(.start, ["plan": "heard", "client": "H-0001"]).object["session_id"]?.stringValue)
        // Inside the loud track, clear of the crossfade at 30 s and of the session's end.
        _ = try c.waitForClock(42)
        let statement = try c.call(.mark, ["kind": "statement", "text": "it is louder now"])
        let statementSeq = try #require(statement.object["seq"]?.int64Value, "\(statement.object)")
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, try c.sessionStatus()["state"]?.stringValue != "idle" { usleep(20_000) }
        let (status, daemonLog) = daemon.terminate()
        #expect(status == 0, "\(daemonLog.suffix(2000))")

        // The log, read here without the review's code.
        let logPath = daemon.state.appendingPathComponent("sessions/\(id).jsonl").path
        let text = try String(contentsOfFile: logPath, encoding: .utf8)
        let events = text.split(separator: "\n").compactMap { try? JSONValue.parse(Array($0.utf8)).objectValue }
        let minutes = events.filter { $0["kind"]?.stringValue == "audio.loudness" }.compactMap { $0["fields"]?.objectValue }
        try #require(!minutes.isEmpty, "no audio.loudness in the log:\n\(text)")
        #expect(minutes.allSatisfy { $0["interval_seconds"]?.int64Value == 10 }, "\(minutes)")
        // Timed at the first interval, in the phase heard then.
        for e in events where e["kind"]?.stringValue == "audio.loudness" {
            let frame = Double(e["fields"]?["frame"]?.int64Value ?? -1)
            #expect(abs((e["session_seconds"]?.doubleValue ?? .nan) - frame / Double(Self.rate)) < 0.001 && e["phase"]?.stringValue == "music", "\(e)")
        }
        // Every value by the session second its interval begins at.
        var heard: [Int: Double?] = [:]
        for m in minutes {
            let first = Int((m["frame"]?.int64Value ?? -1) / Int64(Self.rate))
            for (k, v) in (m["lufs"]?.arrayValue ?? []).enumerated() { heard[first + 10 * k] = v.isNull ? .some(nil) : v.doubleValue }
        }
        print("heard loudness by interval: \(heard.sorted { $0.key < $1.key }.map { "\($0.key) s: \($0.value.map { "\($0)" } ?? "null")" })")
        let quiet = try #require(heard[10] ?? nil, "no value for 10–20 s: \(heard)")
        let loud = try #require(heard[40] ?? nil, "no value for 40–50 s: \(heard)")
        #expect(abs(loud - quiet - 12) <= 1, "quiet \(quiet) LUFS, loud \(loud) LUFS")
        #expect(abs(quiet - -30) <= 1 && abs(loud - -18) <= 1, "quiet \(quiet) LUFS, loud \(loud) LUFS")
        // A value for every 10 s of the 60 s session, in one event: nothing for the device's last period past its end.
        #expect(minutes.count == 1 && heard.keys.sorted() == [0, 10, 20, 30, 40, 50] && heard.values.allSatisfy { $0 != nil }, "\(heard)")

        // The statement's interval and its value, as the log has it.
        let said = try #require(events.first { $0["seq"]?.int64Value == statementSeq })
        let at = try #require(said["session_seconds"]?.doubleValue)
        let atLoud = try #require(heard[Int(at / 10) * 10] ?? nil, "no value at the statement (\(at) s): \(heard)")
        func near(_ shown: Double?) -> Bool { shown.map { abs($0 - atLoud) < 0.051 } ?? false }

        let home = daemon.directory
        // The events are in the chain like any other: the log verifies.
        _ = try inward(["verify", logPath], home: home)
        // Text: the moment's "measured … LUFS".
        let moments = try inward(["review", logPath, "--report", "moments"], home: home).stdout
        let measured = moments.components(separatedBy: "measured ").dropFirst().first?.components(separatedBy: " LUFS").first
        #expect(near(measured.flatMap(Double.init)), "text: \(measured ?? "none"), expected \(atLoud)\n\(moments)")
        // CSV: the statement's row.
        let csv = try inward(["review", logPath, "--report", "moments", "--format", "csv"], home: home).stdout
        let rows = ReviewEndToEndTests.csvRows(csv)
        let col = Dictionary(uniqueKeysWithValues: (rows.first ?? []).enumerated().map { ($1, $0) })
        let row = rows.first { $0.count == col.count && $0[col["seq"] ?? 0] == "\(statementSeq)" }
        #expect(near(row.flatMap { Double($0[col["heard_lufs"] ?? 0]) }), "CSV: \(csv)")
        // JSON: the moments report's row and the full report's moment.
        let json = try JSONValue.parse(try inward(["review", logPath, "--report", "moments", "--format", "json"], home: home).stdout)
        let jsonRow = json["moments"]?.arrayValue?.first { $0["seq"]?.int64Value == statementSeq }
        #expect(near(jsonRow?["heard_lufs"]?.doubleValue), "JSON moments: \(json)")
        let full = try JSONValue.parse(try inward(["review", logPath, "--format", "json"], home: home).stdout)
        let moment = full["events"]?.arrayValue?.first { $0["seq"]?.int64Value == statementSeq }?["moment"]
        #expect(near(moment?["heard_lufs"]?.doubleValue), "JSON full: \(moment.map { "\($0)" } ?? "no moment")")
        #expect((full["loudness"]?.arrayValue?.count ?? 0) == 6, "JSON loudness: \(full["loudness"].map { "\($0)" } ?? "none")")
        // HTML: the statement's row in the marks table, and the heard line in the timeline.
        let html = try inward(["review", logPath, "--format", "html"], home: home).stdout
        let marksRow = html.components(separatedBy: "<tr").first { $0.contains("it is louder now") && $0.contains(" LUFS") } ?? ""
        let htmlShown = marksRow.components(separatedBy: " LUFS").first?.components(separatedBy: ">").last
        #expect(near(htmlShown.flatMap(Double.init)), "HTML marks row: \(marksRow)")
        let heardPath = html.components(separatedBy: "<path class=\"heard\" d=\"").dropFirst().first?.prefix { $0 != "\"" } ?? ""
        #expect(heardPath.filter { $0 == "L" }.count == 5, "the heard line joins the six values: \(heardPath)")
        // Minutes CSV: the minute's median heard loudness.
        let minutesCSV = try inward(["review", logPath, "--report", "minutes", "--format", "csv"], home: home).stdout
        let mrows = ReviewEndToEndTests.csvRows(minutesCSV)
        let mcol = Dictionary(uniqueKeysWithValues: (mrows.first ?? []).enumerated().map { ($1, $0) })
        let values = (0..<6).compactMap { heard[10 * $0] ?? nil }.sorted()
        let median = (values[values.count / 2 - 1] + values[values.count / 2]) / 2
        let first = mrows.dropFirst().first.flatMap { r in mcol["heard_lufs"].flatMap { Double(r[$0]) } }
        #expect(first.map { abs($0 - median) < 0.06 } == true, "minutes CSV: \(minutesCSV), median \(median)")
    }
}
