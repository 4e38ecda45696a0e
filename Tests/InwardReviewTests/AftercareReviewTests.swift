@testable import InwardTestSupport
import InwardLog
import InwardProtocol
import InwardReview
import Testing

/// A record as the daemon writes it since issue 7: the music ends (`music.end`),
/// aftercare follows until an early discharge, a booster is corrected. Times by
/// hand: dose at session 600 s, music end 1500 s (T+15:00), discharge 2900 s
/// (T+38:20) before the plan's 1 h minimum.
enum AftercareSession {
    static let events: [SyntheticSession.Event] = [
        .init(at: 0, kind: "session.start", phase: "arrival", fields: [
            "session_id": "2026-12-01-0900-a01", "plan": "after", "client": "A-0001", "route": "im", "user": "dr-a"]),
        .init(at: 0, kind: "phase.start", phase: "arrival", fields: ["frame": 0, "phase_index": 0, "level_db": -20,
                                                                     "source": ["kind": "soundscape", "seed": 1]]),
        .init(at: 600, kind: "dose", phase: "arrival", fields: ["route": "im", "amount": "50 mg", "user": "dr-a"]),   // seq 3
        .init(at: 600, kind: "phase.end", phase: "arrival", fields: ["phase_index": 0]),
        .init(at: 600, kind: "phase.start", phase: "onset", fields: ["phase_index": 1, "level_db": -20, "planned_seconds": 900,
                                                                     "source": ["kind": "soundscape", "seed": 2]]),
        .init(at: 700, kind: "booster", phase: "onset", fields: ["route": "im", "amount": "25 mg", "user": "dr-b", "by": "up-arrow"]),  // seq 6
        .init(at: 760, kind: "mark.correction", phase: "onset", fields: ["of": 6, "reason": "no booster was given", "user": "dr-a"]),
        .init(at: 1500, kind: "phase.end", phase: "onset", fields: ["phase_index": 1]),
        .init(at: 1500, kind: "music.end", phase: nil, fields: ["session_id": "2026-12-01-0900-a01", "reason": "completed",
                                                               "min_after_dose_seconds": 3600.0]),
        .init(at: 2000, kind: "mark.vitals", phase: nil, fields: ["spo2": 88.0, "alert": ["spo2_low"], "user": "dr-a"]),
        .init(at: 2700, kind: "mark.ready_to_leave", phase: nil, fields: ["user": "dr-a"]),
        .init(at: 2900, kind: "session.end", phase: nil, fields: [
            "session_id": "2026-12-01-0900-a01", "reason": "discharged", "t0_seconds": 2300.0, "user": "dr-a",
            "early": true, "early_reason": "transport waiting", "min_after_dose_seconds": 3600.0]),
    ]

    static func timeline() -> ReviewTimeline { ReviewTimeline(LogReader.read(SyntheticSession.bytes(SyntheticSession.lines(events)))) }
}

@Suite("Review: aftercare band and corrections")
struct AftercareReviewTests {
    let t = AftercareSession.timeline()

    @Test func theBandRunsFromTheEndOfTheMusicToTheDischarge() throws {
        let a = try #require(t.aftercare)
        #expect(a.start == 1500 && a.end == 2900 && a.length == 1400)
        #expect(a.endReason == "discharged" && a.dischargedBy == "dr-a" && a.early && a.earlyReason == "transport waiting")
        #expect(a.minAfterDoseSeconds == 3600)
        #expect(t.phases.map(\.name) == ["arrival", "onset"], "aftercare is a band of its own, not a plan phase")
        #expect(!t.inAftercare(1499) && t.inAftercare(1500) && t.inAftercare(2900))
        // Nothing plays in aftercare: the level is off from the end of the music.
        #expect(t.level(at: 1400) == -20 && t.level(at: 1500) == ReviewTimeline.floorDB && t.level(at: 2000) == ReviewTimeline.floorDB)
        // A session that never got a dose has none.
        let undosed = AftercareSession.events.filter { !["dose", "booster", "mark.correction", "music.end"].contains($0.kind) }
        #expect(ReviewTimeline(LogReader.read(SyntheticSession.bytes(SyntheticSession.lines(undosed)))).aftercare == nil)
    }

    @Test func aDaemonRestartInAftercareKeepsTheBandAndTheMusicOff() throws {
        var events = AftercareSession.events
        let at = events.firstIndex { $0.kind == "mark.ready_to_leave" }!
        events.insert(.init(at: 2600, kind: "session.resume", phase: nil, fields: ["aftercare": true, "gap_seconds": 100.0]), at: at)
        let r = ReviewTimeline(LogReader.read(SyntheticSession.bytes(SyntheticSession.lines(events))))
        let a = try #require(r.aftercare)
        #expect(a.start == 1500 && a.end == 2900)
        #expect(r.quiet.contains { $0.kind == .outage && $0.start == 2500 && $0.end == 2600 }, "\(r.quiet)")
        #expect(r.level(at: 2650) == ReviewTimeline.floorDB, "the music does not come back after an aftercare resume")
        #expect(r.report(.text).contains("The daemon restarted; aftercare went on after 100 s (the record stayed open)"))
    }

    @Test func aStopEndsThePhaseWhereTheMusicEnds() throws {
        // A stop at 1000 s fades out over 20 s; the daemon logs music.end then, and no phase.end.
        var events = AftercareSession.events.filter { $0.kind != "phase.end" || $0.at < 1000 }
        events.removeAll { $0.kind == "music.end" }
        let at = events.firstIndex { $0.kind == "mark.vitals" }!
        events.insert(contentsOf: [
            .init(at: 1000, kind: "control.stop", phase: "onset", fields: ["fade_seconds": 20.0, "user": "dr-a"]),
            .init(at: 1020, kind: "music.end", phase: nil, fields: ["reason": "stopped", "min_after_dose_seconds": 3600.0]),
        ], at: at)
        let r = ReviewTimeline(LogReader.read(SyntheticSession.bytes(SyntheticSession.lines(events))))
        #expect(r.phases.last?.name == "onset" && r.phases.last?.end == 1020, "\(r.phases)")
        #expect(r.tracks.allSatisfy { $0.end <= 1020 }, "\(r.tracks)")
        #expect(r.aftercare?.start == 1020 && r.aftercare?.end == 2900)
        #expect(r.report(.text).contains("  T+00:07:00  aftercare  31:20, no music, from T+00:07:00 to the discharge at T+00:38:20"))
    }

    @Test func textShowsTheBandAndStrikesTheCorrectedBooster() throws {
        let text = t.report(.text)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("  T+00:15:00  aftercare  23:20, no music, from T+00:15:00 to the discharge at T+00:38:20 (by dr-a)")
            && $0.contains("minimum 1:00:00 after the dose, discharged EARLY: transport waiting") }, "\(text)")
        let booster = try #require(lines.first { $0.hasPrefix("  T+00:01:40  ") && $0.contains("BOOSTER") }, "\(text)")
        #expect(booster.hasSuffix("[CORRECTED] BOOSTER: im, 25 mg (by dr-b / up-arrow) — corrected at T+00:02:40 by dr-a (#7): no booster was given  #6"),
                "the marks name their seq, for `inward mark correction --of`: \(booster)")
        #expect(lines.contains("  T+00:01:40 ~~ [CORRECTED] BOOSTER: im, 25 mg (by dr-b / up-arrow) — corrected at T+00:02:40 by dr-a (#7): no booster was given"),
                "\(text)")
        #expect(lines.contains { $0.contains("Correction of #6 (T+00:01:40 BOOSTER: im, 25 mg (by dr-b / up-arrow)): no booster was given (by dr-a)") })
        #expect(lines.contains { $0.contains("Vitals: SpO2 88%; ALERT spo2 low (by dr-a)") }, "the alert is marked")
        #expect(lines.contains { $0.contains("Session ended: discharged EARLY (transport waiting) (by dr-a)") }, "\(text)")
        // A mark in aftercare: nothing heard, the band named.
        #expect(text.contains("heard: nothing: the music has ended (aftercare) · phase aftercare"), "\(text)")
    }

    @Test func htmlDrawsTheBandAndStrikesThroughTheBooster() throws {
        let html = t.report(.html)
        // The band in the phase row: x from 1500 s to 2900 s of 2900 s, over the plot width 1200-96-24.
        let band = try #require(html.components(separatedBy: "<g class=\"aftercare\">").dropFirst().first?.components(separatedBy: "</g>").first,
                                "no aftercare band in the SVG")
        let x0 = 96 + 1080 * 1500 / 2900.0, w = 1080 * 1400 / 2900.0
        func one(_ v: Double) -> String { let r = (v * 10).rounded() / 10; return r == r.rounded() ? "\(Int(r))" : "\(r)" }
        #expect(band.contains("<rect x=\"\(one(x0))\" y=\"12\" width=\"\(one(w))\" height=\"46\""), "\(band)")
        #expect(band.contains(">aftercare</text>") && band.contains("<title>aftercare T+00:15:00–T+00:38:20"), "\(band)")
        #expect(html.contains("aftercare (no music, record open)</span>"), "legend")
        #expect(html.contains("<tr class=\"aftercare\"><td class=\"clock\">T+00:15:00</td>"), "phases table row")
        // The booster struck through in the marks table and in the events table, with the reason and who.
        let struck = "<del>BOOSTER: im, 25 mg (by dr-b / up-arrow)</del> <span class=\"correction\">corrected at T+00:02:40 by dr-a (#7): no booster was given</span>"
        #expect(html.components(separatedBy: struck).count == 3, "struck in marks and events tables")
        #expect(html.contains("<tr class=\"corrected\"><td class=\"clock\">T+00:01:40</td>"))
        #expect(html.contains("<g class=\"corrected\" opacity=\"0.45\">"), "faded on the timeline")
        #expect(!html.contains("url("), "self-contained")
    }

    @Test func csvAndJSONCarryTheBandAndTheCorrection() throws {
        let rows = try parseCSV(t.report(.csv))
        let col = Dictionary(uniqueKeysWithValues: rows[0].enumerated().map { ($1, $0) })
        let booster = try #require(rows.first { $0[col["kind"]!] == "booster" })
        #expect(booster[col["corrected"]!] == "yes" && booster[col["correction_seq"]!] == "7"
                && booster[col["correction_reason"]!] == "no booster was given" && booster[col["corrected_by"]!] == "dr-a", "\(booster)")
        let dose = try #require(rows.first { $0[col["kind"]!] == "dose" })
        #expect(dose[col["corrected"]!] == "" && dose[col["aftercare"]!] == "")
        let musicEnd = try #require(rows.first { $0[col["kind"]!] == "music.end" })
        #expect(musicEnd[col["aftercare"]!] == "yes" && musicEnd[col["span_seconds"]!] == "1400" && musicEnd[col["span_end_seconds"]!] == "2900")
        #expect(rows.filter { $0.count == col.count && $0[col["aftercare"]!] == "yes" }.map { $0[col["kind"]!] }
                == ["music.end", "mark.vitals", "mark.ready_to_leave", "session.end"])

        let json = try JSONValue.parse(t.report(.json))
        let a = try #require(json["aftercare"]?.objectValue)
        #expect(a["start_seconds"]?.doubleValue == 1500 && a["end_seconds"]?.doubleValue == 2900 && a["length_seconds"]?.doubleValue == 1400)
        #expect(a["end_reason"]?.stringValue == "discharged" && a["early"]?.boolValue == true && a["min_after_dose_seconds"]?.doubleValue == 3600)
        let events = try #require(json["events"]?.arrayValue)
        let b = try #require(events.first { $0["kind"]?.stringValue == "booster" })
        #expect(b["corrected"]?.boolValue == true)
        let c = try #require(b["corrections"]?.arrayValue?.first)
        #expect(c["seq"]?.int64Value == 7 && c["reason"]?.stringValue == "no booster was given" && c["by"]?.stringValue == "dr-a"
                && c["clock"]?.stringValue == "T+00:02:40", "\(c)")
        #expect(events.first { $0["kind"]?.stringValue == "mark.vitals" }?["aftercare"]?.boolValue == true)
        #expect(events.first { $0["kind"]?.stringValue == "dose" }?["corrected"] == nil)
    }

    @Test func summaryWeighsAftercareAgainstThePlanAndMarksTheCorrectedBooster() throws {
        let text = t.report(.summary, .text)
        let lines = text.split(separator: "\n").map(String.init)
        for fragments in [["Aftercare", "23:20 (from T+00:15:00 to T+00:38:20)"],
                          ["Plan minimum", "1:00:00 after the dose: discharged EARLY at T+00:38:20 (transport waiting)"],
                          ["T+00:01:40", "[CORRECTED #7] booster", "25 mg", "dr-b / up-arrow"],
                          ["T+00:38:20", "record closed: discharged EARLY (transport waiting)", "dr-a"],
                          ["T+00:23:20", "SpO2 88%", "spo2 low"]] {
            #expect(lines.contains { l in fragments.allSatisfy(l.contains) }, "summary: no line with \(fragments)\n\(text)")
        }
        let json = try JSONValue.parse(t.report(.summary, .json))
        #expect(json["session"]?["aftercare_seconds"]?.doubleValue == 1400 && json["session"]?["discharged_early"]?.boolValue == true)
        #expect(json["session"]?["min_after_dose_seconds"]?.doubleValue == 3600)
    }

    @Test func aLogFromBeforeMusicEndGetsItsBandFromTheStopAfterTheDose() throws {
        // CrossfadeSession: stop at 1800 s (T+20:00), `mark.discharge` and `session.end` at 2700 s; seq 22 (the adverse event) corrected.
        let old = CrossfadeSession.timeline()
        let a = try #require(old.aftercare)
        #expect(a.start == 1800 && a.end == 2700 && a.discharged && a.dischargedBy == "dr-a / therapist" && a.minAfterDoseSeconds == nil)
        let adverse = try #require(old.events.first { $0.seq == 22 })
        #expect(adverse.kind == "mark.adverse_event" && adverse.corrections.first?.reason == "severity was moderate")
        #expect(old.report(.text).contains("  T+00:20:00  aftercare  15:00, no music, from T+00:20:00 to the discharge at T+00:35:00 (by dr-a / therapist)"))
    }
}
