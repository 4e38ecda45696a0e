import Foundation
import InwardProtocol
@testable import InwardTestSupport
import Testing

/// The clinical record as the review shows it, through the real daemon, the
/// real CLI and `inward review` on the log the daemon wrote: the dose guard
/// and a correction in every format, aftercare as its own band, the summary's
/// MISSING vital, and alerts that stand across daemon restarts in aftercare.
@Suite("the clinical record in the review, and alerts across restarts", .serialized)
struct ClinicalReviewTests {
    static let pace = 20.0

    /// Aftercare at least 2 min after the dose (6 s at pace 20); one reading owed
    /// before the dose and one at T+1:00.
    static let plan = """
        name = "record"
        route = "im"
        [vitals]
        before_dose = true
        at = ["1m"]
        [aftercare]
        min_after_dose = "2m"
        [[phase]]
        name = "arrival"
        duration = "until dose"
        source = { kind = "soundscape", seed = 1 }
        level_db = -20
        [[phase]]
        name = "onset"
        duration = "10m"
        source = { kind = "soundscape", seed = 2 }
        level_db = -20
        """

    /// The same with a 1 min onset: the plan's own end (not a stop) ends the music.
    static let shortPlan = plan.replacingOccurrences(of: "duration = \"10m\"", with: "duration = \"1m\"")

    /// Intranasal, 28 mg a device, as the shipped esketamine plan.
    static let intranasalPlan = """
        name = "nasal"
        route = "intranasal"
        [dose]
        amount_per_device = "28 mg"
        [[phase]]
        name = "arrival"
        duration = "until dose"
        source = { kind = "soundscape", seed = 1 }
        level_db = -20
        [[phase]]
        name = "onset"
        duration = "10m"
        source = { kind = "soundscape", seed = 2 }
        level_db = -20
        """

    static var login: String { String(cString: getpwuid(getuid())!.pointee.pw_name) }

    func review(_ daemon: DaemonHarness, _ id: String, _ arguments: String...) throws -> ProcessRun {
        let r = try ProcessRun.product("inward", ["review", id, "--state-dir", daemon.state.path] + arguments)
        #expect(r.status == 0, "review \(arguments): \(r)")
        return r
    }

    /// Stops the music (or lets the plan end it), waits for aftercare and for the plan's 2 min after the dose, then discharges.
    func stopAndDischarge(_ daemon: DaemonHarness, _ c: VarlinkTestClient, stop: Bool = true) throws {
        if stop { #expect(try daemon.inward("stop").status == 0) }
        #expect(try c.waitForState("aftercare")["state"]?.stringValue == "aftercare")
        _ = try c.waitForClock(121, sinceDose: true)
        let done = try daemon.inward("discharge", "--note", "home with a friend")
        #expect(done.status == 0, "\(done)")
        #expect(try c.sessionStatus()["state"]?.stringValue == "idle")
    }

    @Test("dose guard and a correction, through the daemon and CLI, in all four review formats; aftercare as its own band in each")
    func correctionAndAftercareInEveryFormat() throws {
        let daemon = try DaemonHarness(plans: ["record.toml": Self.plan], pace: Self.pace)
        defer { daemon.terminate() }
        let c = try daemon.client()
        #expect(try daemon.inward("start", "record", "--client", "R-0008").status == 0)
        let id = try #require(try c.sessionStatus()["session_id"]?.stringValue)
        #expect(try daemon.inward("dose", "--amount", "50 mg").status == 0)
        // The dose guard: an up-arrow and Enter is refused, names the dose already marked, and records nothing.
        let again = try daemon.inward("dose", "--amount", "50 mg")
        #expect(again.status == 1 && again.stderr.contains("a dose is already marked at") && again.stderr.contains("--booster"), "\(again)")
        let marked = try daemon.inward("--json", "mark", "note", "drowsy, eyes closed")
        let noteSeq = try #require(try JSONValue.parse(marked.stdout)["seq"]?.int64Value, "\(marked)")
        let corrected = try daemon.inward("--json", "mark", "correction", "--of", String(noteSeq), "--reason", "written for the wrong client")
        let correctionSeq = try #require(try JSONValue.parse(corrected.stdout)["seq"]?.int64Value, "\(corrected)")
        // Correcting the dose itself changes nothing of the session's course: T0 stays, and so does the guard.
        let before = try #require(try c.sessionStatus()["t0_seconds"]?.doubleValue)
        let doseSeq = try #require(try daemon.events(ofSession: id).first { $0["kind"]?.stringValue == "dose" }?["seq"]?.int64Value)
        #expect(try daemon.inward("mark", "correction", "--of", String(doseSeq), "--reason", "the amount was 40 mg").status == 0)
        #expect(try #require(try c.sessionStatus()["t0_seconds"]?.doubleValue) >= before, "T0 moved")
        let still = try daemon.inward("dose", "--amount", "40 mg")
        #expect(still.status == 1 && still.stderr.contains("a dose is already marked at"), "\(still)")
        try stopAndDischarge(daemon, c)

        let log = try daemon.events(ofSession: id)
        #expect(log.filter { $0["kind"]?.stringValue == "dose" || $0["kind"]?.stringValue == "booster" }.count == 1, "the refused dose is not in the log")
        let note = try #require(log.first { $0["seq"]?.int64Value == noteSeq })
        let noteClock = ReviewEndToEndTests.clock(try #require(note["t0_seconds"]?.doubleValue))
        let correction = try #require(log.first { $0["seq"]?.int64Value == correctionSeq })
        let correctionClock = ReviewEndToEndTests.clock(try #require(correction["t0_seconds"]?.doubleValue))
        let musicEnd = try #require(log.first { $0["kind"]?.stringValue == "music.end" })
        let end = try #require(log.last)
        #expect(end["kind"]?.stringValue == "session.end")
        let bandStart = try #require(musicEnd["session_seconds"]?.doubleValue), bandEnd = try #require(end["session_seconds"]?.doubleValue)
        let afterClock = ReviewEndToEndTests.clock(try #require(musicEnd["t0_seconds"]?.doubleValue))
        let endClock = ReviewEndToEndTests.clock(try #require(end["t0_seconds"]?.doubleValue))
        let who = Self.login
        let struckText = "Note: drowsy, eyes closed (by \(who))"
        let because = "corrected at \(correctionClock) by \(who) (#\(correctionSeq)): written for the wrong client"

        // Text: the note struck out with a marker, when, who and why; the aftercare line among the phases.
        let text = try review(daemon, id).stdout
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("  \(noteClock)  ") && $0.hasSuffix("[CORRECTED] \(struckText) — \(because)  #\(noteSeq)") }, "\(text)")
        #expect(lines.contains("  \(noteClock) ~~ [CORRECTED] \(struckText) — \(because)"), "\(text)")
        #expect(lines.contains { $0.hasPrefix("  \(afterClock)  aftercare  ") && $0.contains("no music, from \(afterClock) to the discharge at \(endClock) (by \(who))")
            && $0.contains("the plan's minimum 2:00 after the dose, met") }, "\(text)")

        // HTML: struck through with <del>, the reason and who beside it; the band in the SVG's phase row.
        let html = try review(daemon, id, "--format", "html").stdout
        #expect(html.contains("<del>\(struckText)</del> <span class=\"correction\">\(because)</span>"), "\(html)")
        let band = try #require(html.components(separatedBy: "<g class=\"aftercare\">").dropFirst().first?.components(separatedBy: "</g>").first,
                                "no aftercare band in the SVG")
        #expect(band.contains("<title>aftercare \(afterClock)–\(endClock)") && band.contains("y=\"12\"") && band.contains("height=\"46\""), "\(band)")

        // CSV: the note's row says it was corrected, by which line, why and by whom; the rows after the music are in aftercare.
        let csv = ReviewEndToEndTests.csvRows(try review(daemon, id, "--format", "csv").stdout)
        let col = Dictionary(uniqueKeysWithValues: csv[0].enumerated().map { ($1, $0) })
        let row = try #require(csv.first { $0.count == col.count && $0[col["seq"]!] == "\(noteSeq)" })
        #expect(row[col["corrected"]!] == "yes" && row[col["correction_seq"]!] == "\(correctionSeq)"
                && row[col["correction_reason"]!] == "written for the wrong client" && row[col["corrected_by"]!] == who, "\(row)")
        let inAftercare = csv.dropFirst().filter { $0.count == col.count && $0[col["aftercare"]!] == "yes" }.map { $0[col["kind"]!] }
        #expect(inAftercare.first == "music.end" && inAftercare.last == "session.end", "\(inAftercare)")
        let opened = try #require(csv.first { $0.count == col.count && $0[col["kind"]!] == "music.end" })
        #expect(abs((Double(opened[col["span_seconds"]!]) ?? .nan) - (bandEnd - bandStart)) < 0.01, "\(opened)")

        // JSON: the band and the correction on the event it names.
        let json = try JSONValue.parse(try review(daemon, id, "--format", "json").stdout)
        let a = try #require(json["aftercare"]?.objectValue)
        #expect(abs((a["start_seconds"]?.doubleValue ?? .nan) - bandStart) < 0.001 && abs((a["end_seconds"]?.doubleValue ?? .nan) - bandEnd) < 0.001)
        #expect(a["end_reason"]?.stringValue == "discharged" && a["discharged_by"]?.stringValue == who && a["early"]?.boolValue == false
                && a["min_after_dose_seconds"]?.doubleValue == 120, "\(a)")
        // The stop ended the last phase where the music ended: no phase overlaps the band.
        let lastPhase = try #require(json["phases"]?.arrayValue?.last)
        #expect(abs((lastPhase["end_seconds"]?.doubleValue ?? .nan) - bandStart) < 0.001, "\(lastPhase)")
        let noteEvent = try #require(json["events"]?.arrayValue?.first { $0["seq"]?.int64Value == noteSeq })
        let fix = try #require(noteEvent["corrections"]?.arrayValue?.first)
        #expect(noteEvent["corrected"]?.boolValue == true && fix["seq"]?.int64Value == correctionSeq
                && fix["reason"]?.stringValue == "written for the wrong client" && fix["by"]?.stringValue == who, "\(noteEvent)")
        #expect(noteEvent["fields"]?["text"]?.stringValue == "drowsy, eyes closed", "the log keeps the entry; the review only marks it")
        // The corrected dose is still T0: struck through, the T+ clock counted from it.
        let doseEvent = try #require(json["events"]?.arrayValue?.first { $0["seq"]?.int64Value == doseSeq })
        #expect(doseEvent["corrected"]?.boolValue == true && doseEvent["clock"]?.stringValue == "T+00:00:00", "\(doseEvent)")
        let dose = try #require(log.first { $0["seq"]?.int64Value == doseSeq })
        #expect(abs((json["session"]?["t0_session_seconds"]?.doubleValue ?? .nan)
                    - ((dose["session_seconds"]?.doubleValue ?? 0) - (dose["t0_seconds"]?.doubleValue ?? 0))) < 0.001)
        #expect(text.contains("[CORRECTED] DOSE (T0): im, 50 mg (by \(who))"), "\(text)")
    }

    @Test("the summary of a session with a scheduled vital missing says MISSING for it, in text and JSON, through inward review SESSION --report summary; the plan's end leads into aftercare")
    func summarySaysMissing() throws {
        let daemon = try DaemonHarness(plans: ["record.toml": Self.shortPlan], pace: Self.pace)
        defer { daemon.terminate() }
        let c = try daemon.client()
        #expect(try daemon.inward("start", "record", "--client", "R-0009").status == 0)
        let id = try #require(try c.sessionStatus()["session_id"]?.stringValue)
        #expect(try daemon.inward("mark", "vitals", "--field", "bp=124/78", "--field", "heart_rate=72").status == 0)
        #expect(try daemon.inward("dose", "--amount", "50 mg", "--lot", "L-9").status == 0)
        // No reading after the dose: the one the plan asks for at T+1:00 is never taken. The plan ends at T+1:00 by itself.
        try stopAndDischarge(daemon, c, stop: false)
        let log = try daemon.events(ofSession: id)
        #expect(!log.contains { $0["kind"]?.stringValue == "control.stop" })
        #expect(log.first { $0["kind"]?.stringValue == "music.end" }?["fields"]?["reason"]?.stringValue == "completed")

        let text = try review(daemon, id, "--report", "summary").stdout
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("  T+00:01:00  ") && $0.contains("MISSING") }, "\(text)")
        #expect(lines.contains { $0.hasPrefix("  before the dose  ") && $0.contains("taken at T-") && $0.contains("BP 124/78") }, "\(text)")
        #expect(lines.contains { $0.hasPrefix("Vitals missed") && $0.hasSuffix("1 of 2") }, "\(text)")
        #expect(lines.contains { $0.hasPrefix("Plan minimum") && $0.contains("2:00 after the dose: met") }, "\(text)")
        #expect(lines.contains { $0.contains("dose (T0)") && $0.contains("50 mg") && $0.contains("L-9") && $0.contains(Self.login) }, "\(text)")

        let json = try JSONValue.parse(try review(daemon, id, "--report", "summary", "--format", "json").stdout)
        let schedule = try #require(json["vitals_schedule"]?.arrayValue)
        #expect(schedule.count == 2, "\(schedule)")
        #expect(schedule.first { $0["due"]?.doubleValue == 60 }?["outcome"]?.stringValue == "MISSING", "\(schedule)")
        #expect(schedule.first { $0["due"]?.isNull == true }?["outcome"]?.stringValue?.hasPrefix("taken at T-") == true, "\(schedule)")
        #expect(json["session"]?["vitals_missed"]?.int64Value == 1 && json["session"]?["end_reason"]?.stringValue == "discharged")
    }

    @Test("intranasal: --devices N records N times the plan's amount per device; the summary lists devices and amounts")
    func devicesTimesTheAmountPerDevice() throws {
        let daemon = try DaemonHarness(plans: ["nasal.toml": Self.intranasalPlan], pace: Self.pace)
        defer { daemon.terminate() }
        let c = try daemon.client()
        #expect(try daemon.inward("start", "nasal").status == 0)
        let id = try #require(try c.sessionStatus()["session_id"]?.stringValue)
        #expect(try daemon.inward("dose", "--devices", "2", "--lot", "SPR-1").status == 0)
        #expect(try daemon.inward("dose", "--booster", "--devices", "1").status == 0)
        let eleven = try daemon.inward("dose", "--booster", "--devices", "11")
        #expect(eleven.status == 1 && eleven.stderr.contains("11 devices"), "\(eleven)")
        let doses = try daemon.events(ofSession: id).filter { ["dose", "booster"].contains($0["kind"]?.stringValue ?? "") }.compactMap { $0["fields"]?.objectValue }
        #expect(doses.count == 2, "\(doses)")
        #expect(doses.first?["devices"]?.int64Value == 2 && doses.first?["amount"]?.stringValue == "56 mg"
                && doses.first?["amount_per_device"]?.stringValue == "28 mg" && doses.first?["route"]?.stringValue == "intranasal", "\(doses)")
        #expect(doses.last?["devices"]?.int64Value == 1 && doses.last?["amount"]?.stringValue == "28 mg", "\(doses)")
        let summary = try review(daemon, id, "--report", "summary", "--format", "json")
        let rows = try #require(try JSONValue.parse(summary.stdout)["doses"]?.arrayValue)
        #expect(rows.map { $0["amount"]?.stringValue ?? "" } == ["56 mg", "28 mg"] && rows.map { $0["devices"]?.stringValue ?? "" } == ["2", "1"],
                "\(rows)")
    }

    @Test("an alert raised in aftercare stands across a SIGKILL and a SIGTERM restart, until a later normal reading of the same sign")
    func alertsSurviveRestartsInAftercare() throws {
        let first = try DaemonHarness(plans: ["record.toml": Self.plan], pace: Self.pace)
        let a = try first.client()
        let id = try #require(try a.call(.start, ["plan": "record"]).object["session_id"]?.stringValue)
        #expect(try a.call(.dose).error == nil)
        #expect(try a.call(.stop).error == nil)
        #expect(try a.waitForState("aftercare")["state"]?.stringValue == "aftercare")
        let low = try first.inward("mark", "vitals", "--field", "spo2=88", "--field", "heart_rate=70")
        #expect(low.status == 0 && low.stdout.contains("ALERT: spo2 88"), "\(low)")
        func standing(_ c: VarlinkTestClient) throws -> [String] {
            try c.sessionStatus()["alerts"]?.arrayValue?.compactMap { $0["field"]?.stringValue } ?? []
        }
        #expect(try standing(a) == ["spo2"])

        // A crash: the next daemon picks the record up with the alert standing.
        kill(first.process.processIdentifier, SIGKILL)
        first.process.waitUntilExit()
        let second = try DaemonHarness(plans: ["record.toml": Self.plan], pace: Self.pace, state: first.state)
        let b = try second.client()
        #expect(try b.sessionStatus()["state"]?.stringValue == "aftercare")
        #expect(try standing(b) == ["spo2"], "after the SIGKILL")
        let shown = try second.inward("status")
        #expect(shown.stdout.contains("ALERT spo2 88"), "\(shown)")
        // A normal reading of another sign does not clear it.
        #expect(try second.inward("mark", "vitals", "--field", "heart_rate=72").status == 0)
        #expect(try standing(b) == ["spo2"])

        // A clean restart (SIGTERM, a package upgrade): still standing.
        let (code, stderr) = second.terminate()
        #expect(code == 0, "\(stderr)")
        let third = try DaemonHarness(plans: ["record.toml": Self.plan], pace: Self.pace, state: first.state)
        defer { third.terminate() }
        let c = try third.client()
        #expect(try c.sessionStatus()["state"]?.stringValue == "aftercare")
        #expect(try standing(c) == ["spo2"], "after the SIGTERM")
        #expect(try third.inward("status").stdout.contains("ALERT spo2 88"))

        // A later normal reading of SpO2 clears it; discharge closes the record.
        #expect(try third.inward("mark", "vitals", "--field", "spo2=97").status == 0)
        #expect(try standing(c).isEmpty)
        #expect(!(try third.inward("status").stdout.contains("ALERT")))
        _ = try c.waitForClock(121, sinceDose: true)
        #expect(try c.call(.discharge).error == nil)
        let kinds = try third.events(ofSession: id).compactMap { $0["kind"]?.stringValue }
        #expect(kinds.filter { $0 == "session.resume" }.count == 2 && kinds.last == "session.end", "\(kinds)")
    }
}
