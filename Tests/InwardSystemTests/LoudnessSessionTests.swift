@testable import InwardTestSupport
import Foundation
import InwardProtocol
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// inwardd with a plan's `loudness_target`: two tracks 12 dB apart as files
/// are heard at one loudness, the log says what gain each got, and the
/// measurements are kept for the next session.
@Suite("inwardd loudness normalisation")
struct LoudnessSessionTests {
    static let rate = 48_000
    static let plan = PlanFixture(name: "even", route: "other", preamble: ["loudness_target = -23"], phases: [
        .init("music", "60s", level: 0, fadeIn: "1s", fadeOut: "1s", crossfade: "1s", source: .playlist("p.m3u8")),
    ]).toml

    @Test("tracks 12 dB apart play within 0.5 dB of each other; track.start (or a late track.gain) logs gain and loudness; STATE/loudness.json 0640")
    func evenSession() throws {
        let daemon = try DaemonHarness(plans: ["even.toml": Self.plan], pace: 8) { dir in
            try TonePlaylist("p", [.init("loud", frequency: 440, seconds: 30, amplitude: 0.5),
                                   .init("quiet", frequency: 440, seconds: 30, amplitude: 0.125)], sampleRate: Self.rate).write(to: dir)
        }
        let c = try daemon.client()
        let started = try c.call(.start, ["plan": "even"])
        let id = try #require(started.object["session_id"]?.stringValue, "\(started.object)")
        // The session ends by itself after 60 s of session time (7.5 s at pace 8).
        let deadline = Date().addingTimeInterval(TestTime.scaled(40))
        while Date() < deadline, try c.sessionStatus()["state"]?.stringValue != "idle" { usleep(50_000) }
        let (status, log) = daemon.terminate()
        #expect(status == 0, "\(log)")

        let text = try String(contentsOf: daemon.state.appendingPathComponent("sessions/\(id).jsonl"), encoding: .utf8)
        let events = text.split(separator: "\n").compactMap { try? JSONValue.parse(Array($0.utf8)).objectValue }
        let starts = events.filter { $0["kind"]?.stringValue == "track.start" }
        try #require(starts.count == 2, "\(text)")
        // The first track heard starts on a quick estimate (or its cached
        // measurement) and glides to its measurement (`track.gain`). The
        // second is measured in the background while the first plays; on a
        // loaded machine it may start first, at the first's gain, and glide
        // to its own once measured: each level is compared after its glide.
        func glide(_ file: String) -> JSONObject? {
            events.first { $0["kind"]?.stringValue == "track.gain" && $0["fields"]?["file"]?.stringValue?.hasSuffix(file) == true }
        }
        let early = glide("loud.wav"), late = glide("quiet.wav")
        print("loudness session: the second track was measured " + (late.map { "late; glide heard from \($0["session_seconds"]?.doubleValue ?? -1) s" } ?? "before it started"))
        let first = early?["fields"] ?? starts[0]["fields"], second = late?["fields"] ?? starts[1]["fields"]
        #expect(first?["loudness_lufs"]?.doubleValue != nil && second?["loudness_lufs"]?.doubleValue != nil, "\(text)")
        let gains = [first, second].compactMap { $0?["gain_db"]?.doubleValue }
        #expect(gains.count == 2 && abs(gains[1] - gains[0] - 12.04) < 0.2, "gains \(gains)")

        let x = try WavReader.read(daemon.capture).channels[0]
        try #require(x.count >= 59 * Self.rate, "capture of \(x.count) frames")
        let secondStart = try #require(starts[1]["session_seconds"]?.doubleValue)
        let settled = late.flatMap { $0["session_seconds"]?.doubleValue }.map { $0 + 8.5 } ?? secondStart + 2
        try #require(settled <= 53, "the second track's measurement came too late to compare its level (at \(settled) s)")
        let loudFrom = early.flatMap { $0["session_seconds"]?.doubleValue }.map { $0 + 8.5 } ?? 5
        try #require(loudFrom <= 22, "the first track's measurement came too late to compare its level (at \(loudFrom) s)")
        let loud = AudioAnalysis.rmsDB(x[Int(loudFrom * Double(Self.rate))..<(25 * Self.rate)])
        let quiet = AudioAnalysis.rmsDB(x[Int(settled * Double(Self.rate))..<(57 * Self.rate)])
        #expect(abs(loud - quiet) < 0.5, "the tracks play at \(loud) dB and \(quiet) dB (from \(settled) s)")
        #expect(AudioAnalysis.maxStep(x) < 0.05)

        var st = stat()
        let cache = daemon.state.appendingPathComponent("loudness.json").path
        #expect(stat(cache, &st) == 0 && st.st_mode & 0o777 == 0o640, "the loudness cache \(cache)")
        let cached = try String(contentsOfFile: cache, encoding: .utf8)
        #expect(cached.contains("loud.wav") && cached.contains("quiet.wav"))
    }
}
