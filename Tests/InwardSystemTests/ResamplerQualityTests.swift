@testable import InwardTestSupport
import Foundation
import InwardProtocol
import Testing

/// The room's `resampler` reaches soxr: the real daemon plays a 44.1 kHz
/// track to a 48 kHz ALSA file PCM, and the capture's image of the tone
/// (what a resampler's filter must remove) is as loud as that quality lets it be.
@Suite("inwardd resampler quality", .serialized)
struct ResamplerQualityTests {
    static let rate = 48_000
    static let tone = 15_000.0
    /// A 15 kHz tone sampled at 44.1 kHz has an image at 44.1 - 15 = 29.1 kHz,
    /// which a 48 kHz output folds to 48 - 29.1 = 18.9 kHz. soxr's filter
    /// removes it: by about 20-30 dB for "quick" (cubic interpolation), by
    /// more than 100 dB from "medium" on.
    static let image = 18_900.0
    static let plan = PlanFixture(name: "hf", route: "other", phases: [
        .init("music", "14s", level: -6, fadeIn: "0.5s", fadeOut: "0.5s", source: .playlist("hf.m3u8")),
    ]).toml

    /// Plays the plan once with `arguments` (and `config`, when given, as
    /// the daemon's config file) and returns the image's level relative to
    /// the tone, in dB, over 4 s of steady tone (whole cycles of both, so
    /// neither leaks into the other's bin).
    func imageLevel(config: String?, arguments: [String] = []) throws -> Double {
        var extra = arguments
        if let config {
            let path = TestAudio.temporaryDirectory("inward-soxr").appendingPathComponent("inwardd.toml").path
            try config.write(toFile: path, atomically: true, encoding: .utf8)
            extra += ["--config", path]
        }
        // Paced: an unpaced daemon that outruns its own mixer plays silence
        // (an underrun) wherever that happens; a paced one waits for it.
        let daemon = try DaemonHarness(plans: ["hf.toml": Self.plan], pace: 8, extraArguments: extra) { dir in
            // Float samples: a 16-bit file's own rounding would put lines of its own near the image.
            try TestAudio.sine(to: dir.appendingPathComponent("hf.wav").path, format: .wavFloat, frequency: Self.tone,
                               amplitude: 0.5, sampleRate: 44_100, seconds: 20)
            try "#EXTM3U\nhf.wav\n".write(to: dir.appendingPathComponent("hf.m3u8"), atomically: true, encoding: .utf8)
        }
        return try measure(daemon)
    }

    /// The image's level relative to the tone for each quality, with 6 dB
    /// or more between bands (measured: quick -16, low -125, medium -139,
    /// high -161, very high -181 dB). soxr promises at least 96 dB (16-bit)
    /// for low and medium, 120 dB (20-bit) for high, 168 dB (28-bit) for
    /// very high; the capture is 32-bit, undithered, so all of that is visible.
    static let bands: [String: ClosedRange<Double>] = [
        "quick": -40 ... -5, "low": -132 ... -110, "medium": -150 ... -132, "high": -172 ... -150, "very high": -240 ... -172,
    ]

    @Test("--resampler NAME: the image of a 44.1 kHz track's tone in the 48 kHz capture is where that soxr quality puts it",
          arguments: ["quick", "low", "medium", "high", "very high"])
    func option(_ name: String) throws {
        let level = try imageLevel(config: nil, arguments: ["--resampler", name, "--format", "s32"])
        print("resampler \(name): image \(String(format: "%.1f", level)) dB")
        #expect(Self.bands[name]!.contains(level), "\(name): image at \(level) dB, expected \(Self.bands[name]!)")
    }

    @Test("no setting plays at high; `resampler` in the config file is used")
    func defaultAndConfig() throws {
        let standard = try imageLevel(config: nil, arguments: ["--format", "s32"])
        #expect(Self.bands["high"]!.contains(standard), "by default: image at \(standard) dB")
        let configured = try imageLevel(config: "resampler = \"quick\"\n", arguments: ["--format", "s32"])
        #expect(Self.bands["quick"]!.contains(configured), "resampler = \"quick\": image at \(configured) dB")
        print("resampler default: image \(String(format: "%.1f", standard)) dB; config quick: \(String(format: "%.1f", configured)) dB")
    }

    func measure(_ daemon: DaemonHarness) throws -> Double {
        let c = try daemon.client()
        _ = try c.call(.start, ["plan": "hf"])
        let ended = waitUntil(timeout: TestTime.scaled(60), every: 0.05) {
            (try? c.sessionStatus()["state"]?.stringValue) == "idle"
        }
        let (status, log) = daemon.terminate()
        try #require(ended, "the 14 s session did not end: \(log)")
        #expect(status == 0, "\(log)")
        let x = try WavReader.read(daemon.capture).channels[0]
        try #require(x.count >= 10 * Self.rate, "capture of \(x.count) frames")
        let window = Array(x[(5 * Self.rate)..<(9 * Self.rate)])
        // A level change inside the window would spread the tone over every bin.
        let levels = stride(from: 0, to: window.count, by: Self.rate / 10).map {
            AudioAnalysis.rmsDB(window[$0..<($0 + Self.rate / 10)])
        }
        try #require(levels.max()! - levels.min()! < 0.05, "the tone is not steady from 5 to 9 s: \(levels)")
        let tone = AudioAnalysis.goertzel(window, frequency: Self.tone, sampleRate: Self.rate)
        let image = AudioAnalysis.goertzel(window, frequency: Self.image, sampleRate: Self.rate)
        try #require(tone > 0.1, "the tone is at \(20 * log10(tone)) dB")
        return 20 * log10(max(image, 1e-12) / tone)
    }
}
