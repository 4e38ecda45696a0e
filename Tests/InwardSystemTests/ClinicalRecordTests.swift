import Foundation
import InwardProtocol
@testable import InwardTestSupport
import Testing

/// The clinical record through the real daemon and CLI: aftercare after the
/// music, discharge, typed vitals with alerts, assessments, the dose guard,
/// corrections, who did it, and a record that survives restarts.
@Suite("the clinical record, from arrival to discharge", .serialized)
struct ClinicalRecordTests {
    static let pace = 20.0

    /// Two short phases; aftercare lasts at least 2 min after the dose (6 s at pace 20).
    static let plan = """
        name = "record"
        route = "im"
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

    static var login: String { String(cString: getpwuid(getuid())!.pointee.pw_name) }

    @Test("a paced session through music, aftercare and discharge: dose guard, vitals rules, assessment, correction, who did it")
    func wholeSession() throws {
        let daemon = try DaemonHarness(plans: ["record.toml": Self.plan], pace: Self.pace)
        defer { daemon.terminate() }
        let c = try daemon.client()
        let start = try daemon.inward("start", "record", "--client", "R-0007")
        #expect(start.status == 0, "\(start)")
        let id = try #require(try c.sessionStatus()["session_id"]?.stringValue)
        #expect(try daemon.inward("dose", "--amount", "50 mg").status == 0)

        // Doses without accidents.
        let again = try daemon.inward("dose", "--amount", "50 mg")
        #expect(again.status == 1 && again.stderr.contains("a dose is already marked at") && again.stderr.contains("--booster"),
                "\(again)")
        let otherRoute = try daemon.inward("dose", "--booster", "--route", "iv", "--amount", "10 mg")
        #expect(otherRoute.status == 1 && otherRoute.stderr.contains("the plan's route is im, not iv")
                && otherRoute.stderr.contains("--other-route"), "\(otherRoute)")
        let booster = try daemon.inward("--json", "dose", "--booster", "--route", "iv", "--other-route", "--amount", "10 mg")
        #expect(booster.status == 0, "\(booster)")

        // Vitals that mean something: each refusal names the field, the value and the range.
        let none = try daemon.inward("mark", "vitals")
        #expect(none.status == 2 && none.stderr.contains("at least one field"), "\(none)")
        let abc = try daemon.inward("mark", "vitals", "--field", "systolic=abc")
        #expect(abc.status == 1 && abc.stderr.contains("systolic") && abc.stderr.contains("abc")
                && abc.stderr.contains("not a number"), "\(abc)")
        let spo2 = try daemon.inward("mark", "vitals", "--field", "spo2=150")
        #expect(spo2.status == 1 && spo2.stderr.contains("spo2 150") && spo2.stderr.contains("100"), "\(spo2)")
        let unknown = try daemon.inward("mark", "vitals", "--field", "pulse_ox=97")
        #expect(unknown.status == 1 && unknown.stderr.contains("unknown vital sign"), "\(unknown)")
        let negative = try daemon.inward("mark", "vitals", "--field", "respiratory_rate=-3")
        #expect(negative.status == 1 && negative.stderr.contains("respiratory_rate"), "\(negative)")
        // Possible but abnormal: recorded, with an alert in words (never a bell).
        let high = try daemon.inward("mark", "vitals", "--field", "bp=230/95", "--field", "heart_rate=80")
        #expect(high.status == 0 && high.stdout.contains("ALERT: systolic 230"), "\(high)")
        #expect(!high.stdout.contains("\u{7}") && !high.stderr.contains("\u{7}"))
        let alerted = try c.sessionStatus()
        #expect(alerted["alerts"]?.arrayValue?.contains { $0["field"]?.stringValue == "systolic" } == true, "\(alerted)")
        #expect(try daemon.inward("status").stdout.contains("ALERT systolic 230"))
        // A later normal reading of the same sign clears it.
        #expect(try daemon.inward("mark", "vitals", "--field", "bp=120/80").status == 0)
        #expect(try c.sessionStatus()["alerts"]?.arrayValue?.isEmpty == true)

        // Assessments, validated.
        let sleepy = try daemon.inward("mark", "assessment", "--sedation", "sleepy", "--dissociation", "mild", "--respiratory", "normal")
        #expect(sleepy.status == 1 && sleepy.stderr.contains("sedation") && sleepy.stderr.contains("moderate"), "\(sleepy)")
        let assessed = try daemon.inward("mark", "assessment", "--sedation", "mild", "--dissociation", "moderate", "--respiratory", "normal")
        #expect(assessed.status == 0, "\(assessed)")

        // A correction names an earlier mark or dose; the log stays append-only.
        let boosterSeq = try #require(daemon.events(ofSession: id).last { $0["kind"]?.stringValue == "booster" }?["seq"]?.int64Value)
        let wrong = try daemon.inward("mark", "correction", "--of", "9999", "--reason", "typo")
        #expect(wrong.status == 1 && wrong.stderr.contains("#9999 is not a mark or dose"), "\(wrong)")
        #expect(try daemon.inward("mark", "correction", "--of", String(boosterSeq), "--reason", "entered on the wrong chart").status == 0)
        let discharge = try daemon.inward("mark", "discharge")
        #expect(discharge.status != 0)

        // The music ends; the record does not.
        #expect(try daemon.inward("stop").status == 0)
        let aftercare = try c.waitForState("aftercare")
        #expect(aftercare["state"]?.stringValue == "aftercare", "\(aftercare)")
        let t0Then = try #require(aftercare["t0_seconds"]?.doubleValue)
        // The CLI's status in aftercare: the state and when discharge is allowed, no phase (none plays).
        let shown = try daemon.inward("status")
        #expect(shown.stdout.contains("state   aftercare") && shown.stdout.contains("after   "), "\(shown)")
        #expect(!shown.stdout.contains("phase   "), "aftercare shows no phase: \(shown)")
        #expect(try daemon.inward("mark", "ready-to-leave").status == 0)
        let early = try daemon.inward("discharge")
        if (try c.sessionStatus()["t0_seconds"]?.doubleValue ?? 0) < 120 {
            #expect(early.status == 1 && early.stderr.contains("too early to discharge") && early.stderr.contains("--early --reason"),
                    "\(early)")
        }
        #expect(try daemon.inward("discharge", "--early").status == 2)
        // The T+ clock runs on in aftercare, until the plan's 2 min after the dose have passed.
        _ = try c.waitForClock(121, sinceDose: true)
        #expect(try #require(try c.sessionStatus()["t0_seconds"]?.doubleValue) > t0Then)
        let done = try daemon.inward("discharge", "--note", "home with a friend")
        #expect(done.status == 0 && done.stdout.contains("discharged at T+"), "\(done)")
        #expect(try c.sessionStatus()["state"]?.stringValue == "idle")

        // The log says what happened and who did it.
        let log = try daemon.events(ofSession: id)
        let kinds = log.compactMap { $0["kind"]?.stringValue }
        #expect(kinds.contains("music.end") && kinds.last == "session.end", "\(kinds)")
        let end = try #require(log.last?["fields"]?.objectValue)
        #expect(end["reason"]?.stringValue == "discharged" && end["user"]?.stringValue == Self.login
                && (end["t0_seconds"]?.doubleValue ?? 0) >= 120 && end["note"]?.stringValue == "home with a friend", "\(end)")
        for kind in ["dose", "booster", "mark.vitals", "mark.assessment", "mark.correction", "mark.ready_to_leave", "control.stop"] {
            let event = try #require(log.first { $0["kind"]?.stringValue == kind }, "no \(kind)")
            #expect(event["fields"]?["user"]?.stringValue == Self.login, "\(kind) has no user: \(event)")
        }
        let boosterEvent = try #require(log.first { $0["kind"]?.stringValue == "booster" })
        #expect(boosterEvent["fields"]?["other_route"]?.boolValue == true && boosterEvent["fields"]?["route"]?.stringValue == "iv")
        let vitals = log.filter { $0["kind"]?.stringValue == "mark.vitals" }
        #expect(vitals.count == 2)
        #expect(vitals.first?["fields"]?["systolic"]?.doubleValue == 230 && vitals.first?["fields"]?["diastolic"]?.doubleValue == 95)
        #expect(vitals.first?["fields"]?["alert"]?.arrayValue?.first?.stringValue == "systolic_high", "\(vitals.first ?? [:])")
        let correction = try #require(log.first { $0["kind"]?.stringValue == "mark.correction" }?["fields"]?.objectValue)
        #expect(correction["of"]?.int64Value == boosterSeq && correction["reason"]?.stringValue == "entered on the wrong chart")
        // The chain holds.
        let verify = try daemon.inward("verify", daemon.state.appendingPathComponent("sessions/\(id).jsonl").path)
        #expect(verify.status == 0, "\(verify)")
    }

    @Test("aftercare survives a SIGKILL and a SIGTERM: the record is picked up, not ended; discharge closes it")
    func aftercareSurvivesRestarts() throws {
        let first = try DaemonHarness(plans: ["record.toml": Self.plan], pace: Self.pace)
        let a = try first.client()
        let started = try a.call(.start, ["plan": "record"])
        let id = try #require(started.object["session_id"]?.stringValue, "\(started.object)")
        #expect(try a.call(.dose).error == nil)
        #expect(try a.call(.stop).error == nil)
        #expect(try a.waitForState("aftercare")["state"]?.stringValue == "aftercare")
        let before = try #require(try a.sessionStatus()["t0_seconds"]?.doubleValue)
        kill(first.process.processIdentifier, SIGKILL)
        first.process.waitUntilExit()

        let second = try DaemonHarness(plans: ["record.toml": Self.plan], pace: Self.pace, state: first.state)
        let b = try second.client()
        let picked = try b.sessionStatus()
        #expect(picked["state"]?.stringValue == "aftercare" && picked["session_id"]?.stringValue == id, "\(picked)")
        #expect((picked["t0_seconds"]?.doubleValue ?? 0) >= before, "the T+ clock went back: \(picked)")
        #expect(try b.call(.mark, ["kind": "note", "text": "asleep"]).error == nil)
        let (code, log) = second.terminate()   // a clean restart (SIGTERM, an upgrade) keeps the record open too
        #expect(code == 0, "\(log)")

        let third = try DaemonHarness(plans: ["record.toml": Self.plan], pace: Self.pace, state: first.state)
        defer { third.terminate() }
        let c = try third.client()
        #expect(try c.sessionStatus()["state"]?.stringValue == "aftercare")
        _ = try c.waitForClock(121, sinceDose: true)
        #expect(try c.call(.discharge).error == nil)
        #expect(try c.sessionStatus()["state"]?.stringValue == "idle")
        let kinds = try third.events(ofSession: id).compactMap { $0["kind"]?.stringValue }
        #expect(kinds.filter { $0 == "session.resume" }.count == 2 && kinds.filter { $0 == "session.end" }.count == 1
                && kinds.last == "session.end", "\(kinds)")
        #expect(!FileManager.default.fileExists(atPath: first.state.appendingPathComponent("state.json").path))
    }

    @Test("aftercare after the daemon was down over 30 minutes is picked up, not ended (that resume rule is for music)")
    func aftercareAfterALongOutage() throws {
        let config = TestAudio.temporaryDirectory("inwardd-config").appendingPathComponent("inwardd.toml")
        try "max_record_open = \"48h\"\n".write(to: config, atomically: true, encoding: .utf8)
        let first = try DaemonHarness(plans: ["record.toml": Self.plan], pace: Self.pace, extraArguments: ["--config", config.path])
        let a = try first.client()
        let id = try #require(try a.call(.start, ["plan": "record"]).object["session_id"]?.stringValue)
        #expect(try a.call(.dose).error == nil)
        #expect(try a.call(.stop).error == nil)
        #expect(try a.waitForState("aftercare")["state"]?.stringValue == "aftercare")
        kill(first.process.processIdentifier, SIGKILL)
        first.process.waitUntilExit()
        // As if the machine had been off for 40 minutes: the saved state's wall-clock anchor goes back.
        let file = first.state.appendingPathComponent("state.json")
        var saved = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        let wall = try #require(saved["anchor_wall"] as? Double)
        saved["anchor_wall"] = wall - 40 * 60
        try JSONSerialization.data(withJSONObject: saved).write(to: file)

        let second = try DaemonHarness(plans: ["record.toml": Self.plan], pace: Self.pace, extraArguments: ["--config", config.path],
                                       state: first.state)
        defer { second.terminate() }
        let b = try second.client()
        let picked = try b.sessionStatus()
        #expect(picked["state"]?.stringValue == "aftercare" && picked["session_id"]?.stringValue == id, "\(picked)")
        let kinds = try second.events(ofSession: id).compactMap { $0["kind"]?.stringValue }
        #expect(kinds.last == "session.resume" && !kinds.contains("session.end"), "\(kinds)")
        #expect(try b.call(.discharge).error == nil, "40 minutes (x pace) after the dose the plan's minimum has passed")
        #expect(try second.events(ofSession: id).last?["fields"]?["reason"]?.stringValue == "discharged")
    }

    @Test("a record left open longer than max_record_open is closed as not discharged at the next start")
    func openRecordLimit() throws {
        // At pace 600 an hour of session time passes in 6 s.
        let config = TestAudio.temporaryDirectory("inwardd-config").appendingPathComponent("inwardd.toml")
        try "max_record_open = \"1h\"\n".write(to: config, atomically: true, encoding: .utf8)
        let first = try DaemonHarness(plans: ["record.toml": Self.plan], pace: 600, extraArguments: ["--config", config.path])
        let a = try first.client()
        let id = try #require(try a.call(.start, ["plan": "record"]).object["session_id"]?.stringValue)
        #expect(try a.call(.dose).error == nil)
        #expect(try a.call(.stop).error == nil)
        #expect(try a.waitForState("aftercare")["state"]?.stringValue == "aftercare")
        _ = try a.waitForClock(3700)
        kill(first.process.processIdentifier, SIGKILL)
        first.process.waitUntilExit()

        let second = try DaemonHarness(plans: ["record.toml": Self.plan], pace: 600, extraArguments: ["--config", config.path],
                                       state: first.state)
        defer { second.terminate() }
        #expect(try second.client().sessionStatus()["state"]?.stringValue == "idle")
        let end = try #require(try second.events(ofSession: id).last)
        #expect(end["kind"]?.stringValue == "session.end" && end["fields"]?["reason"]?.stringValue == "not discharged", "\(end)")
    }

    @Test("the observer socket: Status, Monitor and GetInfo answer; every control is refused with PermissionDenied")
    func observerSocket() throws {
        let dir = TestAudio.temporaryDirectory("inwardd-observe")
        let observe = dir.appendingPathComponent("observe").path
        let config = dir.appendingPathComponent("inwardd.toml")
        try "observe_socket = \"\(observe)\"\n".write(to: config, atomically: true, encoding: .utf8)
        let daemon = try DaemonHarness(plans: ["record.toml": Self.plan], pace: Self.pace, extraArguments: ["--config", config.path])
        defer { daemon.terminate() }
        let staff = try daemon.client()
        #expect(try staff.call(.start, ["plan": "record"]).error == nil)
        let observer = try VarlinkTestClient(path: observe)
        #expect(try observer.call(.status).error == nil)
        #expect(try observer.call("org.varlink.service.GetInfo").error == nil)
        for (method, parameters) in [(.dose, JSONObject()), (.stop, [:]), (.mark, ["kind": "note", "text": "x"]),
                                     (.setVolume, ["db": -3.0]), (.discharge, [:])] as [(SessionMethod, JSONObject)] {
            #expect(try observer.call(method, parameters).error == "org.varlink.service.PermissionDenied", "\(method.name)")
        }
        let watched = try ProcessRun.product("inward", ["--socket", observe, "status"])
        #expect(watched.status == 0 && watched.stdout.contains("plan record"), "\(watched)")
        let refused = try ProcessRun.product("inward", ["--socket", observe, "pause"])
        #expect(refused.status == 1 && refused.stderr.contains("permission denied"), "\(refused)")
        // Nothing the observer tried reached the record.
        #expect(try staff.sessionStatus()["t0_seconds"] == .null)
    }
}
