@testable import InwardTestSupport
import Foundation
import InwardLog
import InwardProtocol
import InwardReview
import Testing

/// `inward review --report full|summary|moments|minutes --format text|html|csv|json [--tz]`
/// and `inward sessions --client --since --until`, as processes, on CrossfadeSession's log.
@Suite("inward review reports and zones")
struct ReportKindsCLITests {
    static let id = "2026-11-26-1000-x01"

    /// A state folder with the crossfade session and the older synthetic one.
    func stateDir() throws -> String {
        let dir = try Run.tempDir("reports")
        try FileManager.default.createDirectory(atPath: dir + "/sessions", withIntermediateDirectories: true)
        try Run.write(CrossfadeSession.bytes(), to: dir + "/sessions/\(Self.id).jsonl")
        var other = SyntheticSession.events.prefix(12).map { $0 }
        other[0].fields["session_id"] = "2026-11-27-0900-k42"
        other.append(SyntheticSession.Event(at: 1800, kind: "session.end", phase: nil, fields: ["reason": "stopped"]))
        let lines = SyntheticSession.lines(other).map { l -> LogLine in
            var l = l
            l.time = "2026-11-27" + l.time.dropFirst(10)
            return l
        }
        // Rechain after changing the dates.
        var prev = LogLine.genesis
        let chained = lines.map { l -> LogLine in
            var l = l
            l.prev = prev
            prev = l.hash
            return l
        }
        try Run.write(SyntheticSession.bytes(chained), to: dir + "/sessions/2026-11-27-0900-k42.jsonl")
        return dir
    }

    func review(_ dir: String, _ arguments: [String], environment: [String: String] = [:]) throws -> ProcessRun {
        let r = try Run.process(try Run.inward(), ["review", Self.id, "--state-dir", dir] + arguments, environment: environment)
        #expect(r.status == 0, "review \(arguments): \(r.stderr)")
        return r
    }

    @Test func everyReportExistsInEveryFormat() throws {
        let dir = try stateDir()
        for kind in ReportKind.allCases {
            for format in ReportFormat.allCases {
                let r = try review(dir, ["--report", kind.rawValue, "--format", format.rawValue])
                switch format {
                case .text: #expect(r.stdout.contains("X-0001"), "\(kind) text")
                case .html:
                    #expect(r.stdout.hasPrefix("<!DOCTYPE html>") && r.stdout.hasSuffix("</html>\n") && r.stdout.contains("X-0001"), "\(kind) html")
                    #expect(!r.stdout.contains("<script") && !r.stdout.contains("src="), "\(kind) html is self-contained")
                case .csv:
                    let rows = try parseCSV(r.stdout)
                    #expect(rows.count > 1 && rows.allSatisfy { $0.count == rows[0].count }, "\(kind) csv: \(rows.prefix(2))")
                case .json:
                    let json = try JSONValue.parse(r.stdout)
                    #expect(json.objectValue != nil, "\(kind) json")
                    if kind != .full { #expect(json["report"]?.stringValue == kind.rawValue) }
                }
            }
        }
        let bad = try Run.process(try Run.inward(), ["review", Self.id, "--state-dir", dir, "--report", "everything"])
        #expect(bad.status == 2 && bad.stderr.contains("--report must be full, summary, moments or minutes"), "\(bad.stderr)")
    }

    @Test func momentsNameTrackTwoAtItsPositionWithTheMinuteBefore() throws {
        let dir = try stateDir()
        let text = try review(dir, ["--report", "moments"]).stdout
        let lines = text.split(separator: "\n").map(String.init)
        let at = try #require(lines.firstIndex { $0.contains("T+00:06:40") && $0.contains("the sea is near") }, "\(text)")
        #expect(lines[at + 1].contains("heard: Still Water — Kōji Mori at 1:47 · phase onset · level -9 dB · measured -22 LUFS"), "\(text)")
        // The minute before (T+00:05:40 to T+00:06:40): nothing changed; Still Water played.
        let before = lines[(at + 2)...].prefix { !$0.hasPrefix("  T") }.joined(separator: "\n")
        #expect(before.contains("played: Still Water — Kōji Mori"), "\(before)")
        #expect(!before.contains("Tidal Breath"), "Tidal Breath ended at T+00:05:00, before the minute: \(before)")

        let csv = try parseCSV(try review(dir, ["--report", "moments", "--format", "csv"]).stdout)
        let col = Dictionary(uniqueKeysWithValues: csv[0].enumerated().map { ($1, $0) })
        let row = try #require(csv.first { $0[col["clock"]!] == "T+00:06:40" })
        #expect(row[col["title"]!] == "Still Water" && row[col["artist"]!] == "Kōji Mori" && row[col["position"]!] == "1:47")
        #expect(row[col["phase"]!] == "onset" && row[col["level_db"]!] == "-9" && row[col["heard_lufs"]!] == "-22")
        #expect(row[col["kind"]!] == "statement" && row[col["utc_offset"]!] == "+01:00")
        // Where the log has no loudness, it says so: empty in CSV, null in JSON.
        let note = try #require(csv.first { $0[col["kind"]!] == "note" })
        #expect(note[col["heard_lufs"]!] == "" && note[col["playing"]!].hasPrefix("soundscape (intensity 0.8"))

        let json = try JSONValue.parse(try review(dir, ["--report", "moments", "--format", "json"]).stdout)
        let moments = try #require(json["moments"]?.arrayValue)
        let m = try #require(moments.first { $0["clock"]?.stringValue == "T+00:06:40" })
        #expect(m["title"]?.stringValue == "Still Water" && m["position"]?.stringValue == "1:47" && m["heard_lufs"]?.doubleValue == -22)
        #expect(m["minute_before"]?.arrayValue?.contains { $0.stringValue?.contains("played: Still Water") == true } == true)
        #expect(moments.first { $0["kind"]?.stringValue == "note" }?["heard_lufs"]?.isNull == true)

        let html = try review(dir, ["--report", "moments", "--format", "html"]).stdout
        let htmlRow = try #require(html.components(separatedBy: "<tr>").first { $0.contains("T+00:06:40") })
        #expect(htmlRow.contains("Still Water — Kōji Mori at 1:47") && htmlRow.contains("-22 LUFS") && htmlRow.contains("11:16:40"), "\(htmlRow)")
    }

    @Test func minutesCSVHasOneRowPerMinuteAndNoFreeTextUnlessAsked() throws {
        let dir = try stateDir()
        let out = try review(dir, ["--report", "minutes", "--format", "csv"]).stdout
        let rows = try parseCSV(out)
        #expect(rows[0] == ["minute", "t0_minute", "session_seconds", "time", "utc_offset", "phase", "playing", "quiet",
                            "planned_db", "heard_lufs", "marks"])
        // From T-00:10:00 (the session start) to T+00:35:00, the minute the discharge opens.
        #expect(rows.count == 1 + 46, "\(rows.count - 1) minutes")
        #expect(rows[1][0] == "T-00:10:00" && rows[1][1] == "-10" && rows.last?[0] == "T+00:35:00")
        let col = Dictionary(uniqueKeysWithValues: rows[0].enumerated().map { ($1, $0) })
        let six = try #require(rows.first { $0[0] == "T+00:06:00" })
        #expect(six[col["phase"]!] == "onset" && six[col["playing"]!] == "Still Water — Kōji Mori")
        #expect(six[col["marks"]!] == "statement" && six[col["planned_db"]!] == "-9" && six[col["heard_lufs"]!] == "-22")
        let four = try #require(rows.first { $0[0] == "T+00:04:00" })
        #expect(four[col["playing"]!] == "Tidal Breath — Ana Ruiz / Still Water — Kōji Mori", "the crossfade minute: \(four)")
        #expect(!out.contains("the sea is near") && !out.contains("calmer now"), "free text in the minutes without --with-text")
        let withText = try review(dir, ["--report", "minutes", "--format", "csv", "--with-text"]).stdout
        #expect(withText.contains("statement: the sea is near"))
    }

    @Test func tzChangesTheShownClockNotTheTPlusTimes() throws {
        let dir = try stateDir()
        let oslo = try review(dir, [])                  // the room's zone from the log
        let utc = try review(dir, ["--tz", "UTC"])
        let newYork = try review(dir, ["--tz", "America/New_York"])
        #expect(oslo.stdout.contains("Started    2026-11-26 11:00:00 (UTC+01:00)"), "\(oslo.stdout.prefix(800))")
        #expect(oslo.stdout.contains("Europe/Oslo (UTC+01:00), the room's zone from the log"))
        #expect(utc.stdout.contains("Started    2026-11-26 10:00:00 UTC"), "\(utc.stdout.prefix(800))")
        #expect(newYork.stdout.contains("Started    2026-11-26 05:00:00 (UTC-05:00)"), "\(newYork.stdout.prefix(800))")
        #expect(oslo.stdout.contains("T+00:06:40  11:16:40  Client") && utc.stdout.contains("T+00:06:40  10:16:40  Client"))
        // T+ times are the same whatever the zone: the timelines differ only in wall-clock lines.
        func clocks(_ s: String) -> [String] { s.split(separator: "\n").filter { $0.hasPrefix("  T") }.map { String($0.prefix(12)) } }
        #expect(clocks(oslo.stdout) == clocks(utc.stdout) && clocks(utc.stdout) == clocks(newYork.stdout) && !clocks(utc.stdout).isEmpty)
        // CSV keeps UTC and gives the offset of the zone shown.
        let csv = try parseCSV(try review(dir, ["--tz", "America/New_York", "--format", "csv", "--report", "moments"]).stdout)
        let col = Dictionary(uniqueKeysWithValues: csv[0].enumerated().map { ($1, $0) })
        let row = try #require(csv.first { $0[col["clock"]!] == "T+00:06:40" })
        #expect(row[col["time"]!] == "2026-11-26T10:16:40.250Z" && row[col["utc_offset"]!] == "-05:00")
        let bad = try Run.process(try Run.inward(), ["review", Self.id, "--state-dir", dir, "--tz", "Mars/Olympus"])
        #expect(bad.status == 2 && bad.stderr.contains("--tz 'Mars/Olympus' is not a time zone"), "\(bad.stderr)")
    }

    @Test func aLogWithoutAZoneIsShownInTheReviewersZoneAndSaysSo() throws {
        let dir = try Run.tempDir("nozone")
        let path = dir + "/old.jsonl"
        try Run.write(SyntheticSession.bytes(), to: path)
        let r = try Run.process(try Run.inward(), ["review", path], environment: ["TZ": "Asia/Tokyo"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("Started    2026-11-26 19:00:00 (UTC+09:00)"), "\(r.stdout.prefix(900))")
        #expect(r.stdout.contains("the log does not record the room's time zone, so this is the reviewer's zone"), "\(r.stdout.prefix(900))")
    }

    @Test func summaryListsDosesVitalsAdverseEventsAndDischarge() throws {
        let dir = try stateDir()
        let text = try review(dir, ["--report", "summary"]).stdout
        let lines = text.split(separator: "\n").map(String.init)
        for fragments in [["Client", "X-0001"], ["Route", "im"], ["dose (T0)", "0.5 mg/kg", "L-77", "dr-a / therapist"],
                          ["T+00:15:00", "MISSING"], ["before the dose", "taken at T-00:05:00", "BP 128/82"],
                          ["T+00:15:30", "nausea", "mild", "rest"], ["T+00:30:00", "ready to leave"], ["T+00:35:00", "discharged", "dr-a"],
                          ["T+00:35:00", "record closed: discharged"], ["Aftercare", "15:00 (from T+00:20:00 to T+00:35:00)"],
                          ["T-00:05:00", "vitals", "heart rate 74 /min above the plan's limit 70"],
                          ["T+00:18:20", "sedation mild", "dissociation moderate", "respiratory normal", "therapist"],
                          ["T+00:18:30", "22", "T+00:15:30 ADVERSE EVENT: nausea", "severity was moderate"]] {
            #expect(lines.contains { l in fragments.allSatisfy(l.contains) }, "summary text: no line with \(fragments)\n\(text)")
        }
        #expect(!text.contains("the sea is near"), "the aftercare summary holds no statements")
        let json = try JSONValue.parse(try review(dir, ["--report", "summary", "--format", "json"]).stdout)
        #expect(json["session"]?["aftercare_seconds"]?.doubleValue == 900)
        #expect(json["vitals_schedule"]?.arrayValue?.last?["outcome"]?.stringValue == "MISSING")
        #expect(json["doses"]?.arrayValue?.first?["lot"]?.stringValue == "L-77")
        let csv = try parseCSV(try review(dir, ["--report", "summary", "--format", "csv"]).stdout)
        #expect(csv[0].first == "section" && csv.contains { $0[0] == "leaving" && $0.contains("discharged") })
    }

    @Test func sessionsFilterByClientAndDate() throws {
        let dir = try stateDir()
        func list(_ extra: [String]) throws -> [String] {
            let r = try Run.process(try Run.inward(), ["sessions", "--state-dir", dir] + extra)
            #expect(r.status == 0, "\(r.stderr)")
            return r.stdout.split(separator: "\n").map(String.init)
        }
        let all = try list([])
        #expect(all.count == 3 && all[0].contains("ALERTS") && all[0].contains("DISCHARGE"), "\(all)")
        // The crossfade session: local time in Oslo, discharged at T+35:00 (11:45 local).
        let x = try #require(all.first { $0.contains(Self.id) })
        #expect(x.contains("2026-11-26 11:00") && x.contains("X-0001") && x.contains("11:45 (T+00:35:00)"), "\(x)")
        if let head = all.first, let at = head.range(of: "ALERTS") {
            let column = x.dropFirst(head.distance(from: head.startIndex, to: at.lowerBound)).prefix { $0 != " " }
            #expect(column == "1", "one alert: \(all)")
        }
        #expect(try list(["--client", "X-0001"]).count == 2)
        #expect(try list(["--client", "K-0042"]).filter { $0.contains("k42") }.count == 1)
        #expect(try list(["--since", "2026-11-27"]).map { $0.contains("k42") } == [false, true])
        #expect(try list(["--until", "2026-11-26"]).map { $0.contains(Self.id) } == [false, true])
        #expect(try list(["--since", "2026-11-26", "--until", "2026-11-26T10:30:00Z"]).count == 2)
        let none = try list(["--client", "Z-9"])
        #expect(none == ["no sessions in \(dir)/sessions (client Z-9)"])
        let bad = try Run.process(try Run.inward(), ["sessions", "--state-dir", dir, "--since", "yesterday"])
        #expect(bad.status == 2 && bad.stderr.contains("--since 'yesterday' is not a date"), "\(bad.stderr)")
    }
}
