@testable import InwardTestSupport
import Foundation
import InwardProtocol
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Calm through the real daemon (paced, into ALSA's file PCM): Calm crossfades
/// to the plan's harbour within 8 s while the phases run on, Resume crosses
/// back under the level speed limit, and every refusal says why.
@Suite("inwardd calm", .serialized)
struct CalmTests {
    static let rate = 48000
    static let method = "io.inward.Session."
    static let phases = """
        [[phase]]
        name = "arrival"
        duration = "until dose"
        level_db = -12
        fade_in = "1s"
        source = { kind = "soundscape", intensity = 0.5, brightness = 0.5, seed = 3 }
        [[phase]]
        name = "onset"
        duration = "25s"
        level_db = -12
        fade_in = "2s"
        fade_out = "2s"
        source = { kind = "soundscape", intensity = 0.5, brightness = 0.5, seed = 4 }
        [[phase]]
        name = "peak"
        duration = "200s"
        level_db = -10
        fade_in = "2s"
        source = { kind = "soundscape", intensity = 0.6, brightness = 0.5, seed = 5 }
        """
    static let calmPlan = """
        name = "calm"
        route = "im"
        [calm]
        level_db = -24
        source = { kind = "soundscape", intensity = 0.15, brightness = 0.3, seed = 90 }
        """ + "\n" + phases
    static let plainPlan = "name = \"plain\"\nroute = \"im\"\n" + phases

    @Test("Calm within 8 s with the phases running on; Resume back to the phase current by then; refusals")
    func calmAndBack() throws {
        let daemon = try DaemonHarness(plans: ["calm.toml": Self.calmPlan, "plain.toml": Self.plainPlan], pace: 6)
        let c = try daemon.client()
        let m = Self.method
        #expect(try c.call(m + "Calm").error == "io.inward.Session.NoSession")
        // A plan with no [calm]: refused, naming the plan.
        #expect(try c.call(m + "Start", ["plan": "plain"]).error == nil)
        let none = try c.call(m + "Calm")
        #expect(none.error == "io.inward.Session.NoCalm" && none.object["plan"]?.stringValue == "plain", "\(none.object)")
        #expect(try c.call(m + "Stop").error == nil)
        let idle = Date().addingTimeInterval(30)
        while Date() < idle, (try c.sessionStatus())["state"]?.stringValue != "idle" { usleep(20_000) }

        #expect(try c.call(m + "Start", ["plan": "calm"]).error == nil)
        try c.waitForClock(2)
        #expect(try c.call(m + "Dose").error == nil)
        try c.waitForClock(8, sinceDose: true)
        // From the CLI, as the therapist gives it.
        let calm = try ProcessRun.product("inward", ["--socket", daemon.socket, "calm", "--by", "client"])
        #expect(calm.status == 0 && calm.stdout.contains("calm: crossfading to the plan's calm harbour at -24.0 dB"), "\(calm)")
        let inCalm = try c.sessionStatus()
        #expect(inCalm["calm"]?.boolValue == true && inCalm["calm_level_db"]?.doubleValue == -24, "\(inCalm)")
        let shown = try ProcessRun.product("inward", ["--socket", daemon.socket, "status"])
        #expect(shown.stdout.contains("calm at -24.0 dB"), "\(shown)")
        // Onset ends at T+25 under calm; resume in peak.
        try c.waitForClock(32, sinceDose: true)
        #expect(try c.sessionStatus()["phase"]?["name"]?.stringValue == "peak")
        let resume = try c.call(m + "Resume")
        #expect(resume.error == nil)
        #expect(resume.object["status"]?["calm"]?.boolValue == false, "\(resume.object)")
        try c.waitForClock(52, sinceDose: true)
        #expect(try c.call(m + "Stop").error == nil)
        let end = Date().addingTimeInterval(30)
        while Date() < end, (try c.sessionStatus())["state"]?.stringValue != "idle" { usleep(20_000) }
        let (code, log) = daemon.terminate()
        #expect(code == 0, "\(log.suffix(2000))")

        // The log: control.calm by the client at its level, control.resume from calm, phases on time.
        let sessions = daemon.state.appendingPathComponent("sessions")
        let logs = try FileManager.default.contentsOfDirectory(atPath: sessions.path).filter { $0.hasSuffix(".jsonl") }.sorted()
        var events: [[String: Any]] = []
        for name in logs {
            events += try String(contentsOf: sessions.appendingPathComponent(name), encoding: .utf8).split(separator: "\n")
                .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }
        func event(_ kind: String) -> [String: Any]? { events.last { $0["kind"] as? String == kind } }
        let calmEvent = try #require(event("control.calm"))
        let fields = calmEvent["fields"] as? [String: Any]
        #expect(fields?["by"] as? String == "client" && fields?["level_db"] as? Double == -24, "\(calmEvent)")
        let resumeEvent = try #require(event("control.resume"))
        #expect((resumeEvent["fields"] as? [String: Any])?["from_calm"] as? Bool == true, "\(resumeEvent)")
        #expect(events.contains { $0["kind"] as? String == "phase.start" && $0["phase"] as? String == "peak" })

        let x = try WavReader.read(daemon.capture).channels[0]
        let calmAt = Int((calmEvent["session_seconds"] as? Double ?? 0) * Double(Self.rate))
        let resumeAt = Int((resumeEvent["session_seconds"] as? Double ?? 0) * Double(Self.rate))
        func level(_ from: Int, seconds: Double) -> Double {
            AudioAnalysis.rmsDB(x[from..<min(x.count, from + Int(seconds * Double(Self.rate)))])
        }
        let before = level(calmAt - 2 * Self.rate, seconds: 2)
        let calmLevel = level(calmAt + 8 * Self.rate, seconds: 4)
        let back = level(resumeAt + 17 * Self.rate, seconds: 3)
        #expect(calmLevel < before - 6 && calmLevel > before - 18, "calm \(calmLevel) dB against \(before) dB before")
        #expect(back > calmLevel + 6, "not back from calm: \(back) dB, calm \(calmLevel) dB")
        // The way back rises slowly: no 1 s window more than 3 dB (+1.5 dB for the music's own movement) over the one before.
        let w = AudioAnalysis.windowedRMSDB(Array(x[resumeAt..<min(x.count, resumeAt + 18 * Self.rate)]), window: Self.rate)
        for k in 1..<w.count { #expect(w[k] - w[k - 1] < 4.5, "back from calm rose \(w[k] - w[k - 1]) dB in the second at \(k) s") }
        #expect(AudioAnalysis.maxStep(x) < 0.05, "a step in the output")
        print("calm (daemon): before \(before) dB, in calm \(calmLevel) dB, back \(back) dB")
    }

    @Test("a daemon killed in calm comes back in calm, at the same level, rising under the limit")
    func calmSurvivesARestart() throws {
        let first = try DaemonHarness(plans: ["calm.toml": Self.calmPlan], pace: 6)
        let a = try first.client()
        #expect(try a.call(Self.method + "Start", ["plan": "calm"]).error == nil)
        try a.waitForClock(2)
        #expect(try a.call(Self.method + "Dose").error == nil)
        try a.waitForClock(4, sinceDose: true)
        #expect(try a.call(Self.method + "Calm").object["level_db"]?.doubleValue == -24)
        try a.waitForClock(12, sinceDose: true)
        kill(first.process.processIdentifier, SIGKILL)
        first.process.waitUntilExit()

        let second = try DaemonHarness(plans: ["calm.toml": Self.calmPlan], pace: 6, state: first.state)
        let b = try second.client()
        let status = try b.sessionStatus()
        #expect(status["calm"]?.boolValue == true && status["calm_level_db"]?.doubleValue == -24, "\(status)")
        let resumedAt = try #require(status["session_seconds"]?.doubleValue)
        try b.waitForClock(resumedAt + 18)
        #expect(try b.call(Self.method + "Stop").error == nil)
        let (code, log) = second.terminate()
        #expect(code == 0, "\(log.suffix(2000))")
        let x = try WavReader.read(second.capture).channels[0]
        try #require(x.count > 17 * Self.rate)
        // Calm, not the phase: about -24 dB of soundscape (-20 dBFS RMS) once risen.
        let calm = AudioAnalysis.rmsDB(x[(15 * Self.rate)..<(17 * Self.rate)])
        #expect(calm < -38 && calm > -52, "after the restart: \(calm) dB, not calm's level")
        let w = AudioAnalysis.windowedRMSDB(Array(x[0..<(17 * Self.rate)]), window: Self.rate)
        // The stage's rise is 3 dB/s (measured exactly in LevelSpeedTests and ResumeTests); a calm
        // soundscape made afresh adds its own start (4 s master, 6 s noise, 8 s drone fades), the programme's.
        for k in 1..<w.count where w[k - 1] > calm - 40 {
            #expect(w[k] - w[k - 1] < 6.5, "the restart rose \(w[k] - w[k - 1]) dB in the second at \(k) s")
        }
    }

    @Test("Intensity and Brightness from the CLI change the playing soundscape, are logged and in status; refusals")
    func liveSoundscape() throws {
        let daemon = try DaemonHarness(plans: ["calm.toml": Self.calmPlan], pace: 6)
        let c = try daemon.client()
        #expect(try c.call(Self.method + "Brightness", ["value": 0.5]).error == "io.inward.Session.NoSession")
        #expect(try c.call(Self.method + "Start", ["plan": "calm"]).error == nil)
        try c.waitForClock(3)
        let bright = try daemon.inward("brightness", "0.9", "--over", "5")
        #expect(bright.status == 0 && bright.stdout.contains("brightness 0.50 -> 0.90 over 5 s"), "\(bright)")
        let nudge = try daemon.inward("intensity", "+0.1")
        #expect(nudge.status == 0 && nudge.stdout.contains("intensity 0.50 -> 0.60 over 30 s"), "\(nudge)")
        let status = try c.sessionStatus()
        #expect(status["soundscape_brightness"]?.doubleValue == 0.9, "\(status)")
        #expect(abs((status["soundscape_intensity"]?.doubleValue ?? 0) - 0.6) < 1e-9, "\(status)")
        // Within 0 to 1: a nudge past the end stops there; a value outside is refused, with words.
        let top = try daemon.inward("brightness", "+0.5")
        #expect(top.stdout.contains("-> 1.00"), "\(top)")
        let outside = try c.call(Self.method + "Intensity", ["value": 1.5])
        #expect(outside.error == "io.inward.Session.InvalidParameter" && outside.object["reason"]?.stringValue?.contains("0 to 1") == true,
                "\(outside.object)")
        #expect(try daemon.inward("intensity", "2").status == 2)
        let slow = try c.call(Self.method + "Brightness", ["value": 0.5, "over_seconds": 9999.0])
        #expect(slow.error == "io.inward.Session.InvalidParameter" && slow.object["parameter"]?.stringValue == "over_seconds")
        #expect(try c.call(Self.method + "Stop").error == nil)
        let end = Date().addingTimeInterval(30)
        while Date() < end, (try c.sessionStatus())["state"]?.stringValue != "idle" { usleep(20_000) }
        let (code, log) = daemon.terminate()
        #expect(code == 0, "\(log.suffix(2000))")
        let sessions = daemon.state.appendingPathComponent("sessions")
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: sessions.path).first { $0.hasSuffix(".jsonl") })
        let text = try String(contentsOf: sessions.appendingPathComponent(name), encoding: .utf8)
        #expect(text.contains("\"control.brightness\"") && text.contains("\"control.intensity\""), "no soundscape controls in the log")
        #expect(text.contains("\"over_seconds\":5"), "the brightness change's time is not logged")
        let x = try WavReader.read(daemon.capture).channels[0]
        #expect(AudioAnalysis.maxStep(x) < 0.05, "a step in the output")
    }

    static let playlistCalmPlan = """
        name = "calm list"
        route = "im"
        [calm]
        level_db = -24
        crossfade = "4s"
        source = { kind = "playlist", path = "calm.m3u8" }
        """ + "\n" + phases

    @Test("a playlist calm from the CLI: status shows the calm track, the log its source, `inward resume` goes back")
    func playlistCalmThroughTheCLI() throws {
        let daemon = try DaemonHarness(plans: ["calm.toml": Self.playlistCalmPlan], pace: 6) { dir in
            try TonePlaylist("calm", [.init("calm1", frequency: 440, seconds: 12, title: "Harbour One"),
                                      .init("calm2", frequency: 660, seconds: 12, title: "Harbour Two")]).write(to: dir)
        }
        let c = try daemon.client()
        #expect(try c.call(Self.method + "Start", ["plan": "calm"]).error == nil)
        try c.waitForClock(2)
        #expect(try c.call(Self.method + "Dose").error == nil)
        try c.waitForClock(6, sinceDose: true)
        let calm = try daemon.inward("calm")
        #expect(calm.status == 0 && calm.stdout.contains("calm harbour at -24.0 dB"), "\(calm)")
        // Status names calm's track, as soon as it is playing and then the next one (12 s tracks, 4 s crossfades).
        let first = Date().addingTimeInterval(20)
        var shown = try daemon.inward("status")
        while Date() < first, !shown.stdout.contains("Harbour One") { usleep(50_000); shown = try daemon.inward("status") }
        #expect(shown.stdout.contains("calm at -24.0 dB") && shown.stdout.contains("Harbour One"), "\(shown)")
        let second = Date().addingTimeInterval(30)
        var status = try c.sessionStatus()
        while Date() < second, status["track"]?["title"]?.stringValue != "Harbour Two" { usleep(50_000); status = try c.sessionStatus() }
        #expect(status["calm"]?.boolValue == true && status["track"]?["title"]?.stringValue == "Harbour Two", "\(status)")
        let back = try daemon.inward("resume")
        #expect(back.status == 0, "\(back)")
        let after = try c.sessionStatus()
        #expect(after["calm"]?.boolValue == false && after["track"]?["title"]?.stringValue != "Harbour Two", "\(after)")
        let now = try #require(after["t0_seconds"]?.doubleValue)
        try c.waitForClock(now + 3, sinceDose: true)
        #expect(try c.call(Self.method + "Stop").error == nil)
        let end = Date().addingTimeInterval(30)
        while Date() < end, (try c.sessionStatus())["state"]?.stringValue != "idle" { usleep(20_000) }
        let (code, log) = daemon.terminate()
        #expect(code == 0, "\(log.suffix(2000))")

        let sessions = daemon.state.appendingPathComponent("sessions")
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: sessions.path).first { $0.hasSuffix(".jsonl") })
        let events = try String(contentsOf: sessions.appendingPathComponent(name), encoding: .utf8).split(separator: "\n")
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        func fields(_ e: [String: Any]) -> [String: Any] { e["fields"] as? [String: Any] ?? [:] }
        let calmEvent = try #require(events.first { $0["kind"] as? String == "control.calm" })
        #expect(fields(calmEvent)["source"] as? String == "playlist", "\(calmEvent)")
        let calmTracks = events.filter { $0["kind"] as? String == "track.start" && fields($0)["calm"] as? Bool == true }
        #expect(calmTracks.map { fields($0)["title"] as? String } == ["Harbour One", "Harbour Two"], "\(calmTracks)")
        #expect(calmTracks.allSatisfy { fields($0)["phase_index"] == nil })
        #expect((events.last { $0["kind"] as? String == "control.resume" }.map(fields)?["from_calm"] as? Bool) == true)
        let x = try WavReader.read(daemon.capture).channels[0]
        #expect(AudioAnalysis.maxStep(x) < 0.05, "a step in the output")
    }

    @Test("a daemon killed in a playlist calm comes back in calm, going on with calm's track where the wall clock says")
    func playlistCalmSurvivesARestart() throws {
        let tones: (URL) throws -> Void = { dir in
            try TonePlaylist("calm", [.init("calm1", frequency: 440, seconds: 30, title: "Harbour One"),
                                      .init("calm2", frequency: 660, seconds: 30, title: "Harbour Two")]).write(to: dir)
        }
        let first = try DaemonHarness(plans: ["calm.toml": Self.playlistCalmPlan], pace: 6, prepare: tones)
        let a = try first.client()
        let started = try a.call(Self.method + "Start", ["plan": "calm"])
        #expect(started.error == nil)
        let id = try #require(started.object["session_id"]?.stringValue, "\(started.object)")
        try a.waitForClock(2)
        #expect(try a.call(Self.method + "Dose").error == nil)
        try a.waitForClock(4, sinceDose: true)
        #expect(try a.call(Self.method + "Calm").object["level_db"]?.doubleValue == -24)
        // Into calm's second track (30 s tracks, 4 s crossfades: about T+30), a few seconds on.
        let second = Date().addingTimeInterval(30)
        var before = try a.sessionStatus()
        while Date() < second, before["track"]?["title"]?.stringValue != "Harbour Two" { usleep(50_000); before = try a.sessionStatus() }
        #expect(before["calm"]?.boolValue == true && before["track"]?["title"]?.stringValue == "Harbour Two", "\(before)")
        try a.waitForClock((before["session_seconds"]?.doubleValue ?? 0) + 3)
        kill(first.process.processIdentifier, SIGKILL)
        first.process.waitUntilExit()

        let daemon = try DaemonHarness(plans: ["calm.toml": Self.playlistCalmPlan], pace: 6, state: first.state, prepare: tones)
        let b = try daemon.client()
        // Status names calm's track by its file at once, by its title once its track.start is in.
        var status = try b.sessionStatus()
        #expect(status["track"]?["path"]?.stringValue?.hasSuffix("calm2.wav") == true, "\(status)")
        let titled = Date().addingTimeInterval(20)
        while Date() < titled, status["track"]?["title"]?.stringValue == nil { usleep(50_000); status = try b.sessionStatus() }
        #expect(status["calm"]?.boolValue == true && status["calm_level_db"]?.doubleValue == -24, "\(status)")
        #expect(status["track"]?["title"]?.stringValue == "Harbour Two", "\(status)")
        let resumedAt = try #require(status["session_seconds"]?.doubleValue)
        try b.waitForClock(resumedAt + 21)
        #expect(try b.call(Self.method + "Stop").error == nil)
        let (code, log) = daemon.terminate()
        #expect(code == 0, "\(log.suffix(2000))")
        // The log: after the resume, calm's playlist goes on with its second entry, part-way in.
        let events = try daemon.events(ofSession: id)
        let resume = try #require(events.lastIndex { $0["kind"]?.stringValue == "session.resume" })
        let calmTrack = try #require(events[resume...].first {
            $0["kind"]?.stringValue == "track.start" && $0["fields"]?["calm"]?.boolValue == true
        })
        #expect(calmTrack["fields"]?["entry"]?.int64Value == 1, "\(calmTrack)")
        #expect((calmTrack["fields"]?["offset_seconds"]?.doubleValue ?? 0) > 2, "\(calmTrack)")
        // What the room heard after the restart, once risen from silence under the speed limit: calm's
        // tones at -24 dB (-33 dBFS RMS), not the phase's soundscape.
        let x = try WavReader.read(daemon.capture).channels[0]
        try #require(x.count > 20 * Self.rate)
        let level = AudioAnalysis.rmsDB(x[(18 * Self.rate)..<(20 * Self.rate)])
        #expect(abs(level - (-33.03)) < 1, "after the restart: \(level) dB, not the calm playlist at -24 dB")
    }
}
