@testable import InwardTestSupport
import Foundation
import InwardProtocol
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A daemon killed mid-session (SIGKILL: a crash, the OOM killer, a
/// watchdog restart) and started again on the same state folder picks the
/// session up where the wall clock says it is: same session and log, the
/// therapist's course (T0, hold, volume) kept, the track that was playing
/// played again, and the music back over a fade, never at full level at once.
@Suite("inwardd resumes a session after a crash", .serialized)
struct ResumeTests {
    static let rate = 48_000
    /// Slower for a sanitized daemon (`TestTime.scale`), which could not keep
    /// 20 times real time: the wall-clock checks below assume the session keeps its pace.
    static let pace = 20.0 / TestTime.scale
    /// The onset playlist: 90 s tracks, each its own pitch; the second, the
    /// one a daemon is killed in, lasts `secondLength` so a slow restart
    /// still finds it playing.
    static let pitches = [330.0, 440.0, 550.0, 660.0, 770.0]
    static let secondLength = 150.0

    static let plan = PlanFixture(name: "resumed", phases: [
        .init("arrival", "until dose", level: -12, fadeIn: "1s", fadeOut: "1s", source: .soundscape(intensity: 0.3, seed: 3)),
        .init("onset", "300s", level: -10, fadeIn: "1s", fadeOut: "2s", crossfade: "1s", maxExtend: "60s",
              source: .playlist("onset.m3u8")),
        .init("closing", "120s", level: -12, fadeIn: "2s", source: .soundscape(intensity: 0.3, seed: 5)),
    ]).toml

    static func prepare(_ dir: URL) throws {
        let tones = pitches.enumerated().map { i, hz in
            TonePlaylist.Tone("t\(i + 1)", frequency: hz, seconds: i == 1 ? secondLength : 90)
        }
        try TonePlaylist("onset", tones, sampleRate: rate).write(to: dir)
    }

    func logEvents(_ path: String) throws -> [JSONObject] {
        let data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        return try data.split(separator: 10).map { try #require(try JSONValue.parse(Array($0)).objectValue) }
    }

    func mode(_ path: String) -> mode_t {
        var st = stat()
        return stat(path, &st) == 0 ? st.st_mode & 0o7777 : 0
    }

    @Test("SIGKILL mid-track, then a new daemon: same session, course kept, the track going on where the clock says, faded in, one chain")
    func resumeAfterKill() throws {
        let first = try DaemonHarness(plans: ["resumed.toml": Self.plan], pace: Self.pace, prepare: Self.prepare)
        let a = try first.client()
        let started = try a.call(.start, ["plan": "resumed", "client": "C-0107"])
        #expect(started.error == nil, "Start: \(started.object)")
        let id = try #require(started.object["session_id"]?.stringValue)
        try a.waitForClock(2)
        #expect(try a.call(.dose, ["amount": "50 mg"]).error == nil)
        try a.waitForClock(3, sinceDose: true)
        #expect(try a.call(.hold, ["seconds": 10]).error == nil)
        #expect(try a.call(.setVolume, ["db": -4]).error == nil)
        // Into the second track (440 Hz), a few seconds in.
        var before: JSONObject = [:]
        // When each Status was asked and answered: its snapshot lies between.
        var beforeAsked = Date(), beforeAnswered = Date()
        let deadline = Date().addingTimeInterval(TestTime.scaled(30))
        while Date() < deadline {
            beforeAsked = Date()
            before = try a.sessionStatus()
            beforeAnswered = Date()
            if let track = before["track"]?.objectValue, track["index"]?.int64Value == 1,
               (track["position_seconds"]?.doubleValue ?? 0) >= 4 { break }
            usleep(10_000)
        }
        let t0Before = try #require(before["t0_seconds"]?.doubleValue)
        #expect(before["track"]?["index"]?.int64Value == 1, "never reached the second track: \(before)")
        let killedAt = Date()
        kill(first.process.processIdentifier, SIGKILL)
        first.process.waitUntilExit()

        // What the dead daemon left: the state, tight, naming the course.
        let statePath = first.state.appendingPathComponent("state.json").path
        #expect(mode(statePath) == 0o640)
        let saved = try #require(try JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: statePath)))).objectValue)
        #expect(saved["session_id"]?.stringValue == id)
        #expect(saved["t0"]?.isNull == false)
        #expect(saved["holds"]?["1"]?.int64Value == Int64(10 * Self.rate), "holds: \(String(describing: saved["holds"]))")
        #expect(saved["volume_db"]?.doubleValue == -4)
        #expect(saved["track"]?["entry"]?.int64Value == 1)

        // The room stays down a while (part of the scenario, not a wait for
        // something): the resumed clock must account for it.
        usleep(500_000)
        // The saved state names the first daemon's plan and tracks: the second needs no files of its own.
        let second = try DaemonHarness(plans: ["resumed.toml": Self.plan], pace: Self.pace, state: first.state)
        let b = try second.client()
        let afterAsked = Date()
        let after = try b.sessionStatus()
        let wall = Date().timeIntervalSince(killedAt)
        // What the wall clock allows between the two snapshots, however slow the calls were.
        let least = afterAsked.timeIntervalSince(beforeAnswered) * Self.pace
        let most = (wall + killedAt.timeIntervalSince(beforeAsked)) * Self.pace
        // The session stands still while the new daemon opens the device and
        // seeks (a few session seconds at this pace); it never runs ahead.
        func onTheWallClock(_ value: Double, from start: Double) -> Bool {
            value >= start + least - 4 && value <= start + most + 1
        }
        try #require(4 + wall * Self.pace < Self.secondLength - 10, "the restart took \(wall) s: at \(Self.pace)x the second track would be over")
        #expect(after["session_id"]?.stringValue == id)
        #expect(after["state"]?.stringValue == "playing")
        #expect(after["phase"]?["name"]?.stringValue == "onset")
        #expect(after["volume_db"]?.doubleValue == -4)
        #expect(after["held_seconds"]?.doubleValue == 10)
        // The T+ clock went on with the wall clock while the daemon was down.
        let t0After = try #require(after["t0_seconds"]?.doubleValue)
        let expected = t0Before + wall * Self.pace
        #expect(onTheWallClock(t0After, from: t0Before),
                "T+ \(t0After) s after the restart; the wall clock says \(t0Before + least)...\(t0Before + most) s")

        // The track goes on where the wall clock says it is.
        let trackAfter = try #require(after["track"]?.objectValue, "no track after the resume: \(after)")
        #expect(trackAfter["index"]?.int64Value == 1)
        let positionBefore = try #require(before["track"]?["position_seconds"]?.doubleValue)
        let positionAfter = try #require(trackAfter["position_seconds"]?.doubleValue)
        #expect(onTheWallClock(positionAfter, from: positionBefore),
                "the track is \(positionAfter) s in; the wall clock says \(positionBefore + least)...\(positionBefore + most) s")

        // Music back: play on past the track's end, then stop and look.
        let resumedAt = try #require(after["session_seconds"]?.doubleValue)
        let trackLeft = Self.secondLength - positionAfter
        try b.waitForClock(resumedAt + trackLeft + 6)
        #expect(try b.call(.stop).error == nil)
        // Dosed: the music ends into aftercare, and the record closes at discharge.
        let inAftercare = Date().addingTimeInterval(30)
        while Date() < inAftercare, try b.sessionStatus()["state"]?.stringValue != "aftercare" { usleep(10_000) }
        #expect(try b.call(.discharge).error == nil)
        let (status, log) = second.terminate()
        #expect(status == 0, "\(log)")
        #expect(!FileManager.default.fileExists(atPath: statePath), "state.json outlived the session")

        let audio = try WavReader.read(second.capture)
        let x = audio.channels[0]
        try #require(x.count > Int((trackLeft + 5) * Double(Self.rate)), "capture holds \(x.count) frames")
        #expect(AudioAnalysis.rmsDB(x[0..<2400]) < -40, "the music came back at once: \(AudioAnalysis.rmsDB(x[0..<2400])) dB")
        // The music comes back under the level speed limit: its last 40 dB at no more than 3 dB/s.
        let fadeMid = AudioAnalysis.rmsDB(x, around: Int(2.5 * Double(Self.rate)))
        let full = AudioAnalysis.rmsDB(x, around: 16 * Self.rate)
        // 0.5 amplitude (-9 dB RMS), the phase at -10 dB, the volume at -4 dB.
        #expect(abs(full - -23) < 1.5, "level after the resume fade: \(full) dB")
        #expect(fadeMid < full - 20 && fadeMid > full - 45, "2.5 s into the return: \(fadeMid) dB against \(full) dB")
        let levels = AudioAnalysis.windowedRMSDB(Array(x[0..<(16 * Self.rate)]), window: Self.rate / 10).map { $0 - full }
        let rise = LevelSpeedCheck.fastestRise(levels)
        #expect(rise.riseDB <= 0.32, "the return rose \(rise.riseDB) dB in 100 ms at \(Double(rise.window) / 10) s")
        #expect(AudioAnalysis.maxStep(x) < 0.05, "a step in the resumed audio")
        let pitch = AudioAnalysis.zeroCrossingFrequency(Array(x[(15 * Self.rate)..<(17 * Self.rate)]), sampleRate: Self.rate)
        #expect(pitch.map { abs($0 - 440) < 2 } == true, "the resumed track plays at \(pitch ?? 0) Hz, not the second track's 440 Hz")

        print("resume after SIGKILL: down \(String(format: "%.2f", wall)) s wall; T+ \(t0Before) -> \(t0After) s "
            + "(wall clock says \(expected)); first 50 ms \(AudioAnalysis.rmsDB(x[0..<2400])) dB, 2.5 s \(fadeMid) dB, 16 s \(full) dB, "
            + "pitch \(pitch ?? 0) Hz; track \(positionBefore) s in before, \(positionAfter) s after")
        // One log, one chain: the resume and the phase going on are in it.
        let logPath = first.state.appendingPathComponent("sessions/\(id).jsonl").path
        let events = try logEvents(logPath)
        let seqs = events.compactMap { $0["seq"]?.int64Value }
        #expect(seqs == Array(1...Int64(seqs.count)), "seq numbers are not 1...n: \(seqs)")
        let resume = try #require(events.first { $0["kind"]?.stringValue == "session.resume" })
        let gap = resume["fields"]?["gap_seconds"]?.doubleValue ?? -1
        // Counted from the last save (state.json's anchor) to the resume, which
        // came after the kill and the 0.5 s wait and before the first Status.
        let anchor = try #require(saved["anchor_wall"]?.doubleValue)
        let gapLeast = killedAt.timeIntervalSince1970 + 0.5 - anchor, gapMost = afterAsked.timeIntervalSince1970 - anchor
        #expect(gap >= gapLeast - 0.05 && gap <= gapMost + 0.05, "gap_seconds \(gap); the clocks allow \(gapLeast)...\(gapMost) s")
        #expect(events.contains {
            $0["kind"]?.stringValue == "phase.start" && $0["fields"]?["reason"]?.stringValue == "resumed"
                && $0["phase"]?.stringValue == "onset"
        })
        #expect(events.last?["kind"]?.stringValue == "session.end")

        // It ends, and the third begins, when the rest of the second has played:
        // the capture starts at the resume's frame, and the track went on
        // `offset_seconds` into its `secondLength`.
        let resumeFrame = try #require(resume["fields"]?["frame"]?.int64Value)
        let resumeSeq = resume["seq"]?.int64Value ?? 0
        let goingOn = try #require(events.first {
            $0["kind"]?.stringValue == "track.start" && ($0["seq"]?.int64Value ?? 0) > resumeSeq && $0["fields"]?["entry"]?.int64Value == 1
        }, "no track.start for the resumed track")
        let offset = try #require(goingOn["fields"]?["offset_seconds"]?.doubleValue)
        let startedAt = Double((goingOn["fields"]?["frame"]?.int64Value ?? resumeFrame) - resumeFrame) / Double(Self.rate)
        let end = startedAt + Self.secondLength - offset
        func pitchAt(_ seconds: Double) -> Double {
            let from = Int(seconds * Double(Self.rate))
            guard from >= 0, from + Self.rate <= x.count else { return 0 }
            return AudioAnalysis.zeroCrossingFrequency(Array(x[from..<(from + Self.rate)]), sampleRate: Self.rate) ?? 0
        }
        #expect(abs(pitchAt(end - 2.5) - 440) < 2, "before the track's end at \(end) s: \(pitchAt(end - 2.5)) Hz")
        #expect(abs(pitchAt(end + 2) - 550) < 2, "after the track's end at \(end) s: \(pitchAt(end + 2)) Hz")
        let next = events.first { $0["kind"]?.stringValue == "track.start" && $0["fields"]?["entry"]?.int64Value == 2 }
        let nextAt = Double((next?["fields"]?["frame"]?.int64Value ?? 0) - resumeFrame) / Double(Self.rate)
        #expect(abs(nextAt - (end - 1)) < 0.05, "the third track began at \(nextAt) s; the second's rest ends at \(end) s (1 s crossfade)")
        let verify = try ProcessRun.product("inward", ["verify", logPath])
        #expect(verify.status == 0, "verify: \(verify)")
        let review = try ProcessRun.product("inward", ["review", logPath])
        #expect(review.stdout.contains("The daemon restarted; the session went on after"), "\(review.stdout)")
        #expect(review.stdout.contains("outage"), "\(review.stdout)")
        let html = try ProcessRun.product("inward", ["review", logPath, "--format", "html"])
        #expect(html.status == 0 && html.stdout.contains("daemon down"), "the HTML review does not shade the outage")
    }

    @Test("a plan edited while the daemon was down: the session is not resumed, its log says why, the room is idle")
    func changedPlanIsNotResumed() throws {
        let first = try DaemonHarness(plans: ["resumed.toml": Self.plan], pace: Self.pace, prepare: Self.prepare)
        let a = try first.client()
        let started = try a.call(.start, ["plan": "resumed"])
        let id = try #require(started.object["session_id"]?.stringValue)
        try a.waitForClock(2)
        kill(first.process.processIdentifier, SIGKILL)
        first.process.waitUntilExit()

        // The state names the plan file the session was started from: edit that one.
        try (Self.plan + "\n# edited\n").write(to: first.plans.appendingPathComponent("resumed.toml"), atomically: true, encoding: .utf8)
        let second = try DaemonHarness(plans: ["resumed.toml": Self.plan], pace: Self.pace, state: first.state,
                                       prepare: Self.prepare)
        let b = try second.client()
        #expect(try b.sessionStatus()["state"]?.stringValue == "idle")
        let events = try logEvents(first.state.appendingPathComponent("sessions/\(id).jsonl").path)
        let end = try #require(events.last)
        #expect(end["kind"]?.stringValue == "session.end")
        let reason = end["fields"]?["reason"]?.stringValue ?? ""
        #expect(reason.hasPrefix("not resumed:") && reason.contains("changed"), "reason: \(reason)")
        #expect(!FileManager.default.fileExists(atPath: first.state.appendingPathComponent("state.json").path))
        // A new session starts as usual.
        #expect(try b.call(.start, ["plan": "resumed"]).error == nil)
        second.terminate()
    }
}
