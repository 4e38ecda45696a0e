@testable import InwardTestSupport
import Foundation
import InwardProtocol
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A client's own playlists through the real daemon (paced, into ALSA's file
/// PCM): accepted from the music folder and logged with their SHA-256,
/// refused from anywhere else with where to put them; a plan's warnings and
/// "did you mean" at the start; and the client's playlist, calm and the live
/// soundscape all survive a SIGKILL.
@Suite("inwardd: per-client preparation", .serialized)
struct PreparationTests {
    static let method = "io.inward.Session."
    static let plan = PlanFixture(name: "prep", preamble: [
        "[calm]", "level_db = -24", #"source = { kind = "soundscape", intensity = 0.15, brightness = 0.3, seed = 90 }"#,
    ], phases: [
        .init("arrival", "until dose", level: -12, fadeIn: "1s", source: .soundscape(intensity: 0.4, seed: 3)),
        .init("onset", "300s", level: -12, fadeIn: "2s", fadeOut: "2s", source: .soundscape(intensity: 0.5, seed: 4)),
    ])
    static let emptyPlan = PlanFixture(name: "bare", phases: [
        .init("arrival", "until dose", fadeIn: "1s", source: .playlist("empty.m3u8")),
        .init("onset", "60s", source: .soundscape(intensity: 0.5, seed: 4)),
    ])

    /// The music folder (with the client's playlist), a folder outside every
    /// allowed one, and the daemon's config naming the music folder.
    struct Folders {
        let music: URL
        let client: URL
        let outside: URL
        let config: String

        init() throws {
            music = TestAudio.temporaryDirectory("music").standardizedFileURL
            client = music.appendingPathComponent("C-0042")
            outside = TestAudio.temporaryDirectory("elsewhere").standardizedFileURL
            try FileManager.default.createDirectory(at: client, withIntermediateDirectories: true)
            try TonePlaylist("arrival", [.init("a1", frequency: 330, seconds: 120, amplitude: 0.3)]).write(to: client)
            try TonePlaylist("arrival", [.init("a1", frequency: 330, seconds: 10, amplitude: 0.3)]).write(to: outside)
            // In the music folder, but listing a track from elsewhere.
            try "#EXTM3U\n\(outside.path)/a1.wav\n".write(to: client.appendingPathComponent("stray.m3u8"), atomically: true, encoding: .utf8)
            config = music.appendingPathComponent("inwardd.toml").path
            try "music = [\"\(music.path)\"]\n".write(toFile: config, atomically: true, encoding: .utf8)
        }
    }

    func start(_ daemon: DaemonHarness, _ arguments: [String]) throws -> ProcessRun {
        try ProcessRun.product("inward", ["--socket", daemon.socket, "start"] + arguments)
    }

    func waitIdle(_ c: VarlinkTestClient) throws {
        let end = Date().addingTimeInterval(30)
        while Date() < end, try c.sessionStatus()["state"]?.stringValue != "idle" { usleep(20_000) }
    }

    func events(_ daemon: DaemonHarness) throws -> [JSONObject] {
        let sessions = daemon.state.appendingPathComponent("sessions")
        var all: [JSONObject] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: sessions.path).sorted() where name.hasSuffix(".jsonl") {
            all += SessionLogLines.readWhileWritten(sessions.appendingPathComponent(name).path)
        }
        return all
    }

    @Test("--playlist from the music folder plays and is logged with its SHA-256; outside it, refused with where to put it; warnings and did-you-mean at the start")
    func clientPlaylists() throws {
        let f = try Folders()
        let daemon = try DaemonHarness(plans: [Self.plan.fileName: Self.plan.toml, Self.emptyPlan.fileName: Self.emptyPlan.toml],
                                       pace: 6, extraArguments: ["--config", f.config]) { dir in
            try "#EXTM3U\n".write(to: dir.appendingPathComponent("empty.m3u8"), atomically: true, encoding: .utf8)
        }
        let c = try daemon.client()
        let mine = f.client.appendingPathComponent("arrival.m3u8").path

        // A plan with an empty playlist: start says so.
        let bare = try start(daemon, ["bare"])
        #expect(bare.status == 0 && bare.stderr.contains("the playlist has no playable entries"), "\(bare)")
        #expect(try c.call(Self.method + "Stop").error == nil)
        try waitIdle(c)

        // Refusals, each saying what to do.
        let outside = try start(daemon, ["prep", "--playlist", "arrival=\(f.outside.path)/arrival.m3u8"])
        #expect(outside.status == 1 && outside.stderr.contains("outside the daemon's plan and music folders")
                && outside.stderr.contains("music folder (\(f.music.path))"), "\(outside)")
        let stray = try start(daemon, ["prep", "--playlist", "arrival=\(f.client.path)/stray.m3u8"])
        #expect(stray.status == 1 && stray.stderr.contains("track \(f.outside.path)/a1.wav"), "\(stray)")
        let phase = try start(daemon, ["prep", "--playlist", "arival=\(mine)"])
        #expect(phase.status == 1 && phase.stderr.contains("no phase 'arival'; did you mean 'arrival'?"), "\(phase)")
        let plan = try start(daemon, ["prpe"])
        #expect(plan.status == 1 && plan.stderr.contains("no plan 'prpe'") && plan.stderr.contains("did you mean 'prep'?"), "\(plan)")
        let raw = try c.call(Self.method + "Start", ["plan": "prpe"])
        #expect(raw.error == "io.inward.Session.PlanNotFound" && raw.object["nearest"]?.stringValue == "prep", "\(raw.object)")
        #expect(try c.sessionStatus()["state"]?.stringValue == "idle")

        // A client's playlist shorter than its phase: start says so.
        let short = try start(daemon, ["prep", "--playlist", "onset=\(mine)"])
        #expect(short.status == 0 && short.stderr.contains(
            "phase onset: playlist 2:00 for a phase of 5:00: the soundscape fills the rest (1 track)"), "\(short)")
        #expect(try c.call(Self.method + "Stop").error == nil)
        try waitIdle(c)

        // Accepted: a name relative to the music folder, as the daemon finds it.
        let ok = try start(daemon, ["prep", "--client", "C-0042", "--playlist", "arrival=C-0042/arrival.m3u8"])
        #expect(ok.status == 0 && ok.stdout.contains("arrival plays the client's playlist C-0042/arrival.m3u8"), "\(ok)")
        // Its 2 min tone covers an until-dose phase: no coverage warning. A short one for a fixed phase would say so.
        #expect(!ok.stderr.contains("the soundscape fills the rest"), "\(ok)")
        var track: String?
        waitUntil(timeout: 20) {
            track = (try? c.sessionStatus())?["track"]?["path"]?.stringValue
            return track != nil
        }
        #expect(track == f.client.appendingPathComponent("a1.wav").path, "\(String(describing: track))")
        try c.waitForClock(6)
        #expect(try c.call(Self.method + "Stop").error == nil)
        try waitIdle(c)
        let (code, log) = daemon.terminate()
        #expect(code == 0, "\(log.suffix(2000))")

        let sha = try ProcessRun.run("/usr/bin/sha256sum", [mine]).stdout.split(separator: " ").first.map(String.init)
        // The client's session (session ids sort by the second, so two sessions in one second may not sort in order).
        let started = try #require(try events(daemon).last {
            $0["kind"]?.stringValue == "session.start" && $0["fields"]?["client"]?.stringValue == "C-0042"
        })
        let chosen = started["fields"]?["playlists"]?.arrayValue?.first
        #expect(chosen?["phase"]?.stringValue == "arrival" && chosen?["file"]?.stringValue == mine
                && chosen?["sha256"]?.stringValue == sha && chosen?["entries"]?.int64Value == 1, "\(started)")
        // Heard: the client's 330 Hz tone in the arrival.
        let x = try WavReader.read(daemon.capture).channels[0]
        let rate = 48000
        let pitch = AudioAnalysis.zeroCrossingFrequency(Array(x.suffix(5 * rate).prefix(rate)), sampleRate: rate) ?? 0
        #expect(abs(pitch - 330) < 5, "heard \(pitch) Hz")
    }

    @Test("SIGKILL with the client's playlist, in calm with a changed intensity, then in a phase with a changed intensity: each comes back")
    func overridesSurviveAKill() throws {
        let f = try Folders()
        let plans = [Self.plan.fileName: Self.plan.toml]
        let args = ["--config", f.config]
        let mine = f.client.appendingPathComponent("arrival.m3u8").path
        let first = try DaemonHarness(plans: plans, pace: 6, extraArguments: args)
        let a = try first.client()
        #expect(try a.call(Self.method + "Start", ["plan": "prep", "playlists": .object(["arrival": .string(mine)])]).error == nil)
        try a.waitForClock(3)
        #expect(try a.call(Self.method + "Calm").error == nil)
        let calmer = try a.call(Self.method + "Intensity", ["value": 0.2, "over_seconds": 0])
        #expect(calmer.error == nil && calmer.object["to"]?.doubleValue == 0.2, "\(calmer.object)")
        try a.waitForClock(8)
        kill(first.process.processIdentifier, SIGKILL)
        first.process.waitUntilExit()

        // Back in calm at the changed intensity; Resume goes back to the client's playlist.
        let second = try DaemonHarness(plans: plans, pace: 6, extraArguments: args, state: first.state)
        let b = try second.client()
        let inCalm = try b.sessionStatus()
        #expect(inCalm["calm"]?.boolValue == true && inCalm["soundscape_intensity"]?.doubleValue == 0.2, "\(inCalm)")
        #expect(try b.call(Self.method + "Resume").error == nil)
        var track: String?
        waitUntil(timeout: 20) {
            track = (try? b.sessionStatus())?["track"]?["path"]?.stringValue
            return track != nil
        }
        #expect(track == f.client.appendingPathComponent("a1.wav").path, "\(String(describing: track))")
        #expect(try b.call(Self.method + "Dose").error == nil)
        try b.waitForClock(1, sinceDose: true)
        let brighter = try b.call(Self.method + "Intensity", ["value": 0.8, "over_seconds": 0])
        #expect(brighter.error == nil && brighter.object["to"]?.doubleValue == 0.8, "\(brighter.object)")
        try b.waitForClock(4, sinceDose: true)
        kill(second.process.processIdentifier, SIGKILL)
        second.process.waitUntilExit()

        // Back in onset at the changed intensity.
        let third = try DaemonHarness(plans: plans, pace: 6, extraArguments: args, state: first.state)
        let c = try third.client()
        // The resumed phase's voice is made with the first frames it renders: wait for it to play.
        var onset = try c.sessionStatus()
        waitUntil(timeout: 20) {
            onset = (try? c.sessionStatus()) ?? onset
            return onset["soundscape_intensity"]?.doubleValue != nil
        }
        #expect(onset["phase"]?["name"]?.stringValue == "onset" && onset["soundscape_intensity"]?.doubleValue == 0.8, "\(onset)")
        #expect(try c.call(Self.method + "Stop").error == nil)
        try waitIdle(c)
        let (code, log) = third.terminate()
        #expect(code == 0, "\(log.suffix(2000))")

        // "At once" is a 2 s crossover, within the level speed limit, and logged as such.
        let changes = try events(third).filter { $0["kind"]?.stringValue == "control.intensity" }
        #expect(changes.count == 2 && changes.allSatisfy { $0["fields"]?["over_seconds"]?.doubleValue == 2 }, "\(changes)")
        let resumes = try events(third).filter { $0["kind"]?.stringValue == "session.resume" }
        try #require(resumes.count == 2, "\(resumes)")
        let calmLive = resumes[0]["fields"]?["soundscape"]
        #expect(calmLive?["calm"]?.boolValue == true && calmLive?["intensity"]?.doubleValue == 0.2, "\(resumes[0])")
        #expect(resumes[0]["fields"]?["playlists"]?.arrayValue?.first?.stringValue == "arrival", "\(resumes[0])")
        #expect(resumes[1]["fields"]?["soundscape"]?["intensity"]?.doubleValue == 0.8, "\(resumes[1])")
        // The third daemon's capture: the onset soundscape at the changed intensity, coming back in without a step.
        let x = try WavReader.read(third.capture).channels[0]
        #expect(x.count > 48000 && AudioAnalysis.maxStep(x) < 0.05)
    }
}
