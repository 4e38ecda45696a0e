@testable import InwardTestSupport
import Foundation
import InwardProtocol
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A plan with a `loudness_target` whose first track is an hour long and not
/// yet measured: the session starts on a quick estimate that errs quiet and
/// glides to the full measurement under the level speed limit, instead of
/// reading the whole hour before the first sound.
@Suite("inwardd quick start under a loudness target")
struct QuickStartTests {
    static let rate = 48_000
    static let plan = PlanFixture(name: "long", route: "other", preamble: ["loudness_target = -23"], phases: [
        .init("music", "100s", level: 0, fadeIn: "0.1s", fadeOut: "1s", source: .playlist("long.m3u8")),
    ]).toml

    @Test("an unmeasured hour-long first track is heard from the start, quieter, then glides up to its measured gain within 3 dB/s")
    func quickStart() throws {
        let daemon = try DaemonHarness(plans: ["long.toml": Self.plan], pace: 4) { dir in
            // An hour of a 440 Hz tone (8 kHz mono keeps the file small; the daemon resamples it).
            let sox = try ProcessRun.run("/usr/bin/sox", ["-n", "-r", "8000", "-c", "1", "-b", "16",
                                                          dir.appendingPathComponent("long.wav").path,
                                                          "synth", "3600", "sine", "440", "vol", "0.25"])
            guard sox.status == 0 else { throw DaemonHarness.Failure(description: "sox: \(sox)") }
            try "#EXTM3U\nlong.wav\n".write(to: dir.appendingPathComponent("long.m3u8"), atomically: true, encoding: .utf8)
        }
        let c = try daemon.client()
        let asked = Date()
        let started = try c.call(.start, ["plan": "long"])
        let answered = Date().timeIntervalSince(asked)
        let id = try #require(started.object["session_id"]?.stringValue, "\(started.object)")
        var firstHeard: Double?
        waitUntil(timeout: 20, every: 0.002) {
            let heard = (try? c.sessionStatus())?["session_seconds"]?.doubleValue ?? 0
            if heard > 0 { firstHeard = Date().timeIntervalSince(asked) }
            return heard > 0
        }
        print("quick start (debug build, paced x4): Start answered in \(Int(answered * 1000)) ms, "
              + "the session clock moved \(Int((firstHeard ?? -1) * 1000)) ms after the call")
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, try c.sessionStatus()["state"]?.stringValue != "idle" { usleep(50_000) }
        let (status, log) = daemon.terminate()
        #expect(status == 0, "\(log.suffix(2000))")

        let text = try String(contentsOf: daemon.state.appendingPathComponent("sessions/\(id).jsonl"), encoding: .utf8)
        let events = text.split(separator: "\n").compactMap { try? JSONValue.parse(Array($0.utf8)).objectValue }
        let start = try #require(events.first { $0["kind"]?.stringValue == "track.start" }, "\(text)")
        let glide = try #require(events.first { $0["kind"]?.stringValue == "track.gain" },
                                 "no track.gain: the first track was measured in full before it started")
        let estimated = try #require(start["fields"]?["gain_db"]?.doubleValue)
        let measured = try #require(glide["fields"]?["gain_db"]?.doubleValue)
        // A steady tone: the estimate is right, and the start is the margin (3 dB) quieter.
        #expect(measured - estimated > 2 && measured - estimated < 4, "estimated \(estimated) dB, measured \(measured) dB")

        let x = try WavReader.read(daemon.capture).channels[0]
        let firstAudible = try #require(x.firstIndex { abs($0) > 0.001 }, "nothing audible")
        #expect(firstAudible < Self.rate / 2, "the first audible frame is at \(Double(firstAudible) / Double(Self.rate)) s")
        let glideAt = Int((glide["session_seconds"]?.doubleValue ?? 60) * Double(Self.rate))
        try #require(glideAt + 12 * Self.rate < 98 * Self.rate, "the measurement came too late (at \(glideAt / Self.rate) s)")
        let early = AudioAnalysis.rmsDB(x[(Self.rate / 2)..<min(glideAt, Self.rate * 3 / 2)])
        let late = AudioAnalysis.rmsDB(x[(glideAt + 10 * Self.rate)..<(glideAt + 12 * Self.rate)])
        #expect(early < late - 2, "the start (\(early) dB) is not quieter than the measured level (\(late) dB)")
        // The glide rises within the speed limit: no 250 ms window more than 0.75 dB (3 dB/s) over the one before.
        let w = AudioAnalysis.windowedRMSDB(Array(x[glideAt..<(glideAt + 12 * Self.rate)]), window: Self.rate / 4)
        for k in 1..<w.count { #expect(w[k] - w[k - 1] < 0.8, "the glide rose \(w[k] - w[k - 1]) dB in the 250 ms at \(k)") }
        #expect(AudioAnalysis.maxStep(x) < 0.05)
        print("quick start: estimate \(estimated) dB, measured \(measured) dB (heard from \(glideAt / Self.rate) s); "
              + "first audible frame at \(firstAudible) (\(Double(firstAudible) / Double(Self.rate)) s)")
    }
}
