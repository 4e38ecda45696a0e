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
    static let plan = """
        name = "even"
        route = "other"
        loudness_target = -23
        [[phase]]
        name = "music"
        duration = "40s"
        level_db = 0
        fade_in = "1s"
        fade_out = "1s"
        crossfade = "1s"
        source = { kind = "playlist", path = "p.m3u8" }
        """

    @Test("tracks 12 dB apart play within 0.5 dB of each other; track.start logs gain and loudness; STATE/loudness.json 0640")
    func evenSession() throws {
        let daemon = try DaemonHarness(plans: ["even.toml": Self.plan], pace: 20) { dir in
            try TestAudio.sine(to: dir.appendingPathComponent("loud.wav").path, format: .wav16, frequency: 440,
                               amplitude: 0.5, sampleRate: Self.rate, seconds: 20)
            try TestAudio.sine(to: dir.appendingPathComponent("quiet.wav").path, format: .wav16, frequency: 440,
                               amplitude: 0.125, sampleRate: Self.rate, seconds: 20)
            try "#EXTM3U\nloud.wav\nquiet.wav\n".write(to: dir.appendingPathComponent("p.m3u8"), atomically: true, encoding: .utf8)
        }
        let c = try daemon.client()
        let started = try c.call("io.inward.Session.Start", ["plan": "even"])
        let id = try #require(started.object["session_id"]?.stringValue, "\(started.object)")
        // The session ends by itself after 40 s of session time (2 s at pace 20).
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, try c.sessionStatus()["state"]?.stringValue != "idle" { usleep(50_000) }
        let (status, log) = daemon.terminate()
        #expect(status == 0, "\(log)")

        let x = try WavReader.read(daemon.capture).channels[0]
        try #require(x.count >= 39 * Self.rate, "capture of \(x.count) frames")
        let first = AudioAnalysis.rmsDB(x[(5 * Self.rate)..<(15 * Self.rate)])
        let second = AudioAnalysis.rmsDB(x[(25 * Self.rate)..<(35 * Self.rate)])
        #expect(abs(first - second) < 0.5, "the tracks play at \(first) dB and \(second) dB")
        #expect(AudioAnalysis.maxStep(x) < 0.05)

        let text = try String(contentsOf: daemon.state.appendingPathComponent("sessions/\(id).jsonl"), encoding: .utf8)
        let starts = text.split(separator: "\n").compactMap { try? JSONValue.parse(Array($0.utf8)).objectValue }
            .filter { $0["kind"]?.stringValue == "track.start" }
        #expect(starts.count == 2)
        let gains = starts.compactMap { $0["fields"]?["gain_db"]?.doubleValue }
        #expect(gains.count == 2 && abs(gains[1] - gains[0] - 12.04) < 0.2, "gains \(gains)")
        #expect(starts.allSatisfy { $0["fields"]?["loudness_lufs"]?.doubleValue != nil })

        var st = stat()
        let cache = daemon.state.appendingPathComponent("loudness.json").path
        #expect(stat(cache, &st) == 0 && st.st_mode & 0o777 == 0o640, "the loudness cache \(cache)")
        let cached = try String(contentsOfFile: cache, encoding: .utf8)
        #expect(cached.contains("loud.wav") && cached.contains("quiet.wav"))
    }
}
