@testable import InwardTestSupport
import InwardLog
import InwardProtocol
import InwardReview
import Testing

/// Issue 8, part 1 and 2: spans that overlap through crossfades, and what was
/// heard at a mark, in every format. Expected figures are CrossfadeSession's, by hand.
@Suite("Review spans and moments")
struct SpanTests {
    let timeline = CrossfadeSession.timeline()

    @Test func everySpanRunsFromItsStartToItsEndOverlappingItsNeighbours() {
        let spans = timeline.tracks
        #expect(spans.count == CrossfadeSession.spans.count, "\(spans.map { ($0.title, $0.start, $0.end) })")
        for (got, want) in zip(spans, CrossfadeSession.spans) {
            #expect(got.title == want.name && got.start == want.start && got.end == want.end,
                    "span \(got.title) \(got.start)–\(got.end), expected \(want.name) \(want.start)–\(want.end)")
        }
        // Back to back: each begins before the one before it ends (a crossfade), none leaves a gap.
        for (a, b) in zip(spans, spans.dropFirst()) {
            #expect(b.start < a.end, "\(a.title) ends \(a.end), \(b.title) starts \(b.start): a gap")
        }
        #expect(spans[1].length == 300 && spans[2].length == 240 && spans[3].length == 200)
        #expect(spans[4].origin == .takeover && spans[4].settings["intensity"]?.doubleValue == 0.35)
        #expect(spans[0].origin == .phase && spans[5].origin == .phase && spans[5].settings["intensity"]?.doubleValue == 0.6)
        #expect(timeline.failed.count == 1 && timeline.failed[0].file == "03-broken.mp3")
        #expect(timeline.quiet.map(\.kind) == [.pause, .calm, .stop])
    }

    @Test func trackEndsThatDoNotNameTheirTrackCloseTheOldestPlaying() {
        // Older logs: track.end without entry or file. Each closes the track playing longest.
        let events = CrossfadeSession.events.map { e -> SyntheticSession.Event in
            var e = e
            if e.kind == "track.end" { e.fields = ["frame": e.fields["frame"] ?? .null] }
            return e
        }
        let t = ReviewTimeline(LogReader.read(SyntheticSession.bytes(SyntheticSession.lines(events))))
        let got = t.tracks.filter { !$0.isSoundscape }.map { "\($0.title) \($0.start)-\($0.end)" }
        #expect(got == ["Tidal Breath 600.5-900.5", "Still Water 892.5-1132.5", "04-deep-field.flac 1124.5-1324.5"])
    }

    @Test func aStatementInsideTrackTwoNamesTrackTwoAtItsPosition() {
        let m = timeline.moment(at: 1000.25)
        #expect(m.playing?.title == "Still Water" && m.playing?.artist == "Kōji Mori")
        #expect(abs((m.position ?? -99) - 107.75) < 1e-9)
        #expect(m.playingText == "Still Water — Kōji Mori at 1:47")
        #expect(m.phase == "onset" && m.levelDB == -9 && m.heardLUFS == -22)
        // In a crossfade the newer track is heard, the older one fading out.
        let x = timeline.moment(at: 896)
        #expect(x.playing?.title == "Still Water" && x.fadingOut?.title == "Tidal Breath")
        // A soundscape with its settings, a live change included; calm and pause over the music.
        #expect(timeline.moment(at: 1525).playingText == "soundscape (intensity 0.8, brightness 0.5)")
        #expect(timeline.moment(at: 1560).playingText.hasPrefix("calm (under it: soundscape"))
        #expect(timeline.moment(at: 1230).playingText.hasPrefix("paused (under it: 04-deep-field.flac at 1:45"))
        #expect(timeline.moment(at: 1400).playingText == "soundscape (took over) (intensity 0.35, brightness 0.35)")
        #expect(timeline.moment(at: 1400).heardLUFS == nil)
    }

    @Test func textShowsTheSpansAndTheMoment() {
        let text = timeline.report(.text)
        for line in ["  T+00:00:00  5:00     Tidal Breath — Ana Ruiz  [onset]", "  T+00:04:52  4:00     Still Water — Kōji Mori  [onset]",
                     "  T+00:08:44  3:20     04-deep-field.flac  [onset]",
                     "  T+00:11:56  3:10     soundscape (took over) (intensity 0.35, brightness 0.35)  [onset]",
                     "  T+00:08:44  failed   03-broken.mp3 (cannot decode)"] {
            #expect(text.contains(line + "\n"), "text lacks '\(line)'\n\(text)")
        }
        #expect(text.contains("  T+00:06:40  11:16:40  Client: “the sea is near”  #10\n      heard: Still Water — Kōji Mori at 1:47 · phase onset · level -9 dB · measured -22 LUFS"),
                "\(text)")
    }

    @Test func csvGivesEachSpanItsEndAndLengthAndTheMoment() throws {
        let rows = try parseCSV(timeline.report(.csv))
        let header = try #require(rows.first)
        let col = Dictionary(uniqueKeysWithValues: header.enumerated().map { ($1, $0) })
        #expect(rows.dropFirst().allSatisfy { $0.count == header.count })
        let opened = rows.dropFirst().filter { !$0[col["span_seconds"]!].isEmpty }
        #expect(opened.map { $0[col["span_seconds"]!] } == ["602", "300", "240", "200", "189.5", "323"], "\(opened)")
        #expect(opened.map { $0[col["session_seconds"]!] } == ["0", "600.5", "892.5", "1124.5", "1316.5", "1500"])
        let statement = try #require(rows.first { $0[col["kind"]!] == "mark.statement" })
        #expect(statement[col["playing"]!] == "Still Water — Kōji Mori at 1:47")
        #expect(statement[col["position"]!] == "1:47" && statement[col["level_db"]!] == "-9" && statement[col["heard_lufs"]!] == "-22")
        #expect(statement[col["utc_offset"]!] == "+01:00" && statement[col["time"]!] == "2026-11-26T10:16:40.250Z")
    }

    @Test func jsonListsTheSpansAndTheMoment() throws {
        let json = try JSONValue.parse(timeline.report(.json))
        let tracks = try #require(json["tracks"]?.arrayValue)
        #expect(tracks.compactMap { $0["length_seconds"]?.doubleValue } == [602, 300, 240, 200, 189.5, 323])
        #expect(tracks.compactMap { $0["origin"]?.stringValue } == ["phase", "playlist", "playlist", "playlist", "takeover", "phase"])
        #expect(json["failed_tracks"]?.arrayValue?.first?["file"]?.stringValue == "03-broken.mp3")
        let statement = try #require(json["events"]?.arrayValue?.first { $0["kind"]?.stringValue == "mark.statement" })
        let m = try #require(statement["moment"]?.objectValue)
        #expect(m["title"]?.stringValue == "Still Water" && m["position"]?.stringValue == "1:47")
        #expect(abs((m["position_seconds"]?.doubleValue ?? 0) - 107.8) < 0.051)
        #expect(m["heard_lufs"]?.doubleValue == -22 && m["level_db"]?.doubleValue == -9 && m["phase"]?.stringValue == "onset")
        #expect(json["session"]?["time_zone"]?.stringValue == "Europe/Oslo" && json["session"]?["utc_offset_seconds"]?.int64Value == 3600)
        #expect(statement["time"]?.stringValue == "2026-11-26T10:16:40.250Z")
    }

    @Test func htmlDrawsEverySpanAndNamesTheTrackInTheMarksRow() throws {
        let html = timeline.report(.html)
        let tips = html.components(separatedBy: "<g class=\"span\">").dropFirst().map { $0.components(separatedBy: "</title>")[0] }
        #expect(tips.count == 6)
        for (tip, want) in zip(tips, ["T-00:10:00–T+00:00:02 soundscape (intensity 0.3, brightness 0.4) (10:02)",
                                      "T+00:00:00–T+00:05:00 Tidal Breath — Ana Ruiz (5:00)",
                                      "T+00:04:52–T+00:08:52 Still Water — Kōji Mori (4:00)",
                                      "T+00:08:44–T+00:12:04 04-deep-field.flac (3:20)",
                                      "T+00:11:56–T+00:15:06 soundscape (intensity 0.35, brightness 0.35) (3:10)",
                                      "T+00:15:00–T+00:20:23 soundscape (intensity 0.6, brightness 0.5) (5:23)"]) {
            #expect(tip.hasSuffix(want), "span tooltip '\(tip)', expected '\(want)'")
        }
        let start = try #require(html.range(of: "<table class=\"marks\">"))
        let rows = html[start.upperBound...].components(separatedBy: "<tr").dropFirst(2)
        let row = try #require(rows.first { $0.contains("<td class=\"clock\">T+00:06:40</td>") })
        #expect(row.contains("Still Water — Kōji Mori at 1:47") && row.contains("-22 LUFS") && row.contains("<td>onset</td>"))
        #expect(row.contains("<td class=\"wall\">11:16:40</td>"), "local wall clock in Europe/Oslo: \(row)")
        #expect(html.contains("class=\"heard\""), "the heard-loudness line")
    }

    @Test func aPhaseWithoutMusicSaysWhatTheLogKnows() {
        func events(source: JSONValue?) -> [SyntheticSession.Event] {
            var start: JSONObject = ["frame": 0, "phase_index": 0, "level_db": -10]
            if let source { start["source"] = source }
            return [
                .init(at: 0, kind: "session.start", phase: "arrival", fields: ["session_id": "s", "plan": "p"]),
                .init(at: 0, kind: "phase.start", phase: "arrival", fields: start),
                .init(at: 30, kind: "mark.note", phase: "arrival", fields: ["text": "n"]),
                .init(at: 60, kind: "session.end", phase: nil, fields: ["reason": "stopped"]),
            ]
        }
        func heard(_ source: JSONValue?) -> String {
            ReviewTimeline(LogReader.read(SyntheticSession.bytes(SyntheticSession.lines(events(source: source))))).moment(at: 30).playingText
        }
        #expect(heard(nil) == "no track (the log does not say what this phase plays)")
        #expect(heard(["kind": "silence"]) == "planned silence")
        #expect(heard(["kind": "soundscape", "intensity": 0.5]) == "soundscape (intensity 0.5)")
    }

    @Test func theMinuteBeforeAMarkListsItsLatestChangesAndCountsTheRest() throws {
        var events = CrossfadeSession.events
        let statement = try #require(events.firstIndex { $0.kind == "mark.statement" })
        let at = events[statement].at
        for k in 0..<12 {
            events.insert(.init(at: at - 50 + Double(k), kind: "control.volume", phase: "onset",
                                fields: ["by": "therapist", "db": .number(-Double(k)), "ramp_seconds": 1.0]), at: statement)
        }
        let t = ReviewTimeline(LogReader.read(SyntheticSession.bytes(SyntheticSession.lines(events))))
        let text = t.report(.moments, .text)
        let lines = text.split(separator: "\n").map(String.init)
        let i = try #require(lines.firstIndex { $0.contains("the sea is near") })
        #expect(lines[i + 3] == "        (4 earlier changes in the minute)", "\(lines[i...].prefix(14))")
        #expect(lines[i + 4].hasSuffix("Volume -4 dB, ramp 1 s (by therapist)") && lines[i + 11].hasSuffix("Volume -11 dB, ramp 1 s (by therapist)"),
                "\(lines[i...].prefix(14))")
    }
}
