@testable import InwardTestSupport
import InwardLog
import InwardProtocol
import InwardReview
import Testing

/// The clinical events of the synthetic session and where the review must put them.
/// Times written out by hand (dose at session 10:00), not computed by the code under test.
let expectedMarks: [(kind: String, clock: String, detail: String)] = [
    ("mark.vitals", "T-00:05:00", "BP 132/84"),
    ("dose", "T+00:00:00", "0.5 mg/kg"),
    ("mark.statement", "T+00:03:00", "sinking into warm sand"),
    ("mark.adverse_event", "T+00:15:00", "nausea"),
    ("booster", "T+00:17:00", "0.25 mg/kg"),
    ("mark.vitals", "T+00:20:00", "BP 148/92"),
    ("mark.statement", "T+00:30:00", "the light is kind"),
    ("mark.vitals", "T+00:40:00", "BP 126/80"),
]

func syntheticTimeline(_ bytes: [UInt8] = SyntheticSession.bytes()) -> ReviewTimeline {
    ReviewTimeline(LogReader.read(bytes))
}

@Suite("Review formats")
struct ReviewFormatTests {
    let timeline = syntheticTimeline()

    @Test func timelineIsReconstructed() throws {
        let t = timeline
        #expect(t.client == "K-0042")
        #expect(t.planFile == "im-2h.toml")   // no folders: paths can name people
        #expect(t.t0 == 600)
        #expect(t.duration == 3520)
        #expect(t.phases.map(\.name) == ["arrival", "onset", "peak", "return"])
        let peak = t.phases[2]
        #expect(peak.start == 1200 && peak.end == 2700)
        #expect(peak.heldSeconds == 300 && peak.advancedBy == "therapist" && peak.plannedSeconds == nil)
        #expect(t.phases[1].plannedSeconds == 600)   // ended on its own, no hold
        #expect(t.tracks.map(\.title) == ["Tidal Breath", "Still Water", "Deep Field", "Aurora", "soundscape"])
        #expect(t.tracks.last?.isSoundscape == true)
        #expect(t.quiet.map(\.kind) == [.pause, .silence, .stop])
        #expect(t.quiet[0].start == 1230 && t.quiet[0].end == 1290 && t.quiet[0].by == "client")
        #expect(t.quiet[1].start == 2100 && t.quiet[1].end == 2220)
        #expect(t.events.count == SyntheticSession.events.count)
        #expect(t.warnings.isEmpty)
        // The envelope: volume -3 dB after its ramp, silent during the pause, back after.
        func level(_ s: Double) -> Double {
            let e = t.envelope
            guard let i = e.lastIndex(where: { $0.seconds <= s }) else { return e[0].db }
            guard i + 1 < e.count, e[i + 1].seconds > e[i].seconds else { return e[i].db }
            return e[i].db + (e[i + 1].db - e[i].db) * (s - e[i].seconds) / (e[i + 1].seconds - e[i].seconds)
        }
        #expect(level(800) == 0)
        #expect(abs(level(1000) - -3) < 1e-9)
        #expect(level(1260) == ReviewTimeline.floorDB)
        #expect(abs(level(1400) - -3) < 1e-9)
        #expect(level(2150) == ReviewTimeline.floorDB)
        #expect(level(3520) == ReviewTimeline.floorDB)
        #expect(abs(level(3510) - -25.5) < 1e-9)   // halfway through the 20 s stop fade
    }

    @Test func textShowsEveryMarkAtItsTime() {
        let text = timeline.report(.text)
        let lines = text.split(separator: "\n").map(String.init)
        for m in expectedMarks {
            #expect(lines.contains { $0.contains(m.clock) && $0.contains(m.detail) }, "\(m.clock) \(m.detail) not on one line of the text")
        }
        #expect(text.contains("K-0042"))
        #expect(text.contains("T+00:17:00 ** BOOSTER: IM, 0.25 mg/kg, lot L2291"))
        #expect(text.contains("T+00:15:00 !! ADVERSE EVENT: nausea; severity moderate; response: ondansetron 4 mg ODT"))
        #expect(!text.contains("/home/therapist"))
        #expect(text.contains("Phase held +5:00"))
        #expect(text.contains("device.xrun: count=3"))   // unknown kinds shown generically
    }

    @Test func htmlShowsEveryMarkAtItsTimeInTheMarksTable() throws {
        let html = timeline.report(.html)
        let start = try #require(html.range(of: "<table class=\"marks\">"))
        let table = html[start.lowerBound...].prefix { _ in true }
        let rows = table.components(separatedBy: "<tr").dropFirst(2)   // header row, then marks
        for m in expectedMarks {
            #expect(rows.contains { $0.contains("<td class=\"clock\">\(m.clock)</td>") && $0.contains(m.detail) },
                    "\(m.clock) \(m.detail) not in one row of the marks table")
        }
        // Escaped, self-contained, private.
        #expect(html.contains("He said, &quot;the light is kind&quot;"))
        #expect(!html.contains("src=") && !html.contains("href=") && !html.contains("@import") && !html.contains("url("))
        #expect(!html.contains("<script"))
        #expect(html.contains("<svg") && html.contains("</svg>"))
        #expect(!html.contains("/home/therapist"))
        for colour in HTMLReport.phaseColours.prefix(4) { #expect(html.contains("fill=\"\(colour)\"")) }
    }

    @Test func csvHasOneRowPerEventAndEveryMarkAtItsTime() throws {
        let csv = timeline.report(.csv)
        let rows = try parseCSV(csv)
        #expect(rows.first == ["line", "seq", "time", "clock", "session_seconds", "t0_seconds", "kind", "phase", "summary", "fields",
                                "utc_offset", "playing", "position", "level_db", "heard_lufs", "span_end_seconds", "span_seconds",
                                "aftercare", "corrected", "correction_seq", "correction_reason", "corrected_by"])
        #expect(rows.count == SyntheticSession.events.count + 1)
        #expect(rows.allSatisfy { $0.count == 22 })
        for m in expectedMarks {
            #expect(rows.contains { $0[6] == m.kind && $0[3] == m.clock && $0[8].contains(m.detail) }, "\(m.kind) \(m.clock) \(m.detail)")
        }
        // The statement with a comma, quotes and a newline survives RFC 4180 quoting.
        let statement = try #require(rows.first { $0[3] == "T+00:30:00" })
        let fields = try JSONValue.parse(statement[9])
        #expect(fields["text"]?.stringValue == "He said, \"the light is kind\"\nand then I cried")
        #expect(csv.contains("\r\n"))
    }

    @Test func jsonHasEveryEventAndEveryMarkAtItsTime() throws {
        let json = try JSONValue.parse(timeline.report(.json))
        let events = try #require(json["events"]?.arrayValue)
        #expect(events.count == SyntheticSession.events.count)
        for m in expectedMarks {
            #expect(events.contains { $0["kind"]?.stringValue == m.kind && $0["clock"]?.stringValue == m.clock
                && ($0["summary"]?.stringValue ?? "").contains(m.detail) }, "\(m.kind) \(m.clock)")
        }
        #expect(json["session"]?["client"]?.stringValue == "K-0042")
        #expect(json["phases"]?.arrayValue?.count == 4)
        #expect(json["quiet"]?.arrayValue?.count == 3)
    }

    @Test func tornLogIsReviewedWithEveryCompleteEventAndAWarning() {
        let bytes = SyntheticSession.bytes()
        let t = syntheticTimeline(Array(bytes.dropLast(30)))
        #expect(t.events.count == SyntheticSession.events.count - 1)
        #expect(t.warnings.count == 1 && t.warnings[0].contains("torn"))
        #expect(t.report(.text).contains("torn last line"))
        #expect(t.report(.html).contains("torn last line"))
        #expect(t.endReason == nil)
    }

    @Test func sessionWithoutADoseUsesTheSessionClock() {
        let events = SyntheticSession.events.filter { $0.kind != "dose" && $0.kind != "booster" }
        let t = syntheticTimeline(SyntheticSession.bytes(SyntheticSession.lines(events)))
        #expect(t.t0 == nil)
        #expect(t.report(.text).contains("S+00:05:00"))
        #expect(!t.report(.text).contains("T+00:"))
    }
}

/// RFC 4180 parsing, strict enough to catch bad quoting.
func parseCSV(_ text: String) throws -> [[String]] {
    struct Bad: Error {}
    var rows: [[String]] = []
    var row: [String] = []
    var field = ""
    var quoted = false
    var chars = Array(text)[...]
    while let c = chars.popFirst() {
        if quoted {
            if c == "\"" {
                if chars.first == "\"" { field.append("\""); chars.removeFirst() } else { quoted = false }
            } else { field.append(c) }
        } else if c == "\"" {
            guard field.isEmpty else { throw Bad() }
            quoted = true
        } else if c == "," {
            row.append(field); field = ""
        } else if c == "\r\n" {
            row.append(field); field = ""; rows.append(row); row = []
        } else if c == "\n" || c == "\r" {
            throw Bad()   // records end with CRLF
        } else {
            field.append(c)
        }
    }
    guard !quoted, field.isEmpty, row.isEmpty else { throw Bad() }
    return rows
}
