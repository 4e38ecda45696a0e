@testable import InwardTestSupport
import Foundation
import InwardAudio
import InwardCore
import Testing

/// The engine end to end: plans rendered through real sinks (a WAV file and
/// ALSA's file PCM over null), then the captured audio measured.
@Suite("Session render")
struct SessionRenderTests {
    let rate = 48000

    @Test("total length equals the plan's to the frame", arguments: SessionFixture.SinkKind.allCases)
    func lengthToTheFrame(sink: SessionFixture.SinkKind) throws {
        let f = SessionFixture("length")
        let r = try f.render("""
            name = "length"
            route = "other"
            [[phase]]
            name = "pre"
            duration = "until dose"
            fade_in = "1s"
            fade_out = "2s"
            source = { kind = "soundscape", seed = 3 }
            [[phase]]
            name = "a"
            duration = "7.5s"
            fade_in = "2s"
            fade_out = "2s"
            source = { kind = "soundscape", seed = 4 }
            [[phase]]
            name = "quiet"
            duration = "3s"
            source = { kind = "silence" }
            [[phase]]
            name = "b"
            duration = "5s"
            fade_out = "2s"
            source = { kind = "soundscape", seed = 5 }
            """, doseAt: 4.25, into: sink, format: .s16)
        let expected = Int64((4.25 + 7.5 + 3 + 5) * Double(rate))
        #expect(r.timeline.end == expected)
        #expect(r.frames == expected)
        #expect(Int64(r.audio.frameCount) == expected)
        #expect(r.audio.sampleRate == rate)
        // Phase starts land on their exact frames.
        let starts = r.events(.phaseStarted).map(\.frame)
        #expect(starts == [0, 204_000, 564_000, 708_000])
        // Something was actually played.
        #expect(AudioAnalysis.rmsDB(r.left) > -50)
    }

    /// Expected gain of a voice that fades in at `start` over `fadeIn`, holds
    /// `level`, and fades out at `end` over `fadeOut`.
    func envelope(_ t: Double, start: Double, fadeIn: Double, end: Double, fadeOut: Double, level: Double) -> Double {
        guard t >= start else { return 0 }
        let g = level * FadeCurve.fadeIn((t - start) / fadeIn)
        return t >= end ? g * FadeCurve.fadeOut((t - end) / fadeOut) : g
    }

    @Test("phase fades and track crossfades follow the intended curve within 1 dB; equal-power keeps power within 1.5 dB",
          arguments: SessionFixture.SinkKind.allCases)
    func envelopes(sink: SessionFixture.SinkKind) throws {
        let f = SessionFixture("envelope")
        try TestAudio.noise(to: f.path("n1.wav"), format: .wavFloat, amplitude: 0.3, sampleRate: rate, seconds: 10, seed: 11)
        try TestAudio.noise(to: f.path("n2.wav"), format: .wavFloat, amplitude: 0.3, sampleRate: rate, seconds: 20, seed: 22)
        try TestAudio.noise(to: f.path("n3.wav"), format: .wavFloat, amplitude: 0.3, sampleRate: rate, seconds: 20, seed: 33)
        try f.playlist("a.m3u8", ["n1.wav", "n2.wav"])
        try f.playlist("b.m3u8", ["n3.wav"])
        let r = try f.render("""
            name = "envelope"
            route = "other"
            [[phase]]
            name = "a"
            duration = "14s"
            level_db = -6
            fade_in = "3s"
            fade_out = "4s"
            crossfade = "4s"
            source = { kind = "playlist", path = "a.m3u8" }
            [[phase]]
            name = "b"
            duration = "10s"
            level_db = -12
            fade_in = "5s"
            fade_out = "3s"
            source = { kind = "playlist", path = "b.m3u8" }
            """, into: sink)
        #expect(r.frames == Int64(24 * rate))
        let rms = [11, 22, 33].map { seed -> Double in
            (try? WavReader.read(f.path("n\(seed / 11).wav"))).map { AudioAnalysis.rms($0.channels[0]) } ?? 0
        }
        let ga = Decibels.gain(-6), gb = Decibels.gain(-12)
        let window = rate / 50
        let measured = AudioAnalysis.windowedRMSDB(r.left, window: window)
        var worst = 0.0, compared = 0
        for (w, db) in measured.enumerated() {
            let t = (Double(w) + 0.5) * Double(window) / Double(rate)
            let a = envelope(t, start: 0, fadeIn: 3, end: 14, fadeOut: 4, level: ga)
            // Track crossfade n1 -> n2 from 6 s to 10 s, inside phase a.
            let c1 = t < 6 ? 1 : FadeCurve.fadeOut((t - 6) / 4)
            let c2 = t < 6 ? 0 : FadeCurve.fadeIn((t - 6) / 4)
            let b = envelope(t, start: 14, fadeIn: 5, end: 21, fadeOut: 3, level: gb)
            let power = pow(a * c1 * rms[0], 2) + pow(a * c2 * rms[1], 2) + pow(b * rms[2], 2)
            let expected = 10 * log10(power)
            guard expected > -40 else { continue }
            compared += 1
            worst = max(worst, abs(db - expected))
        }
        #expect(compared > 1000)
        #expect(worst < 1.0, "level envelope off the intended curve by \(worst) dB")

        // Equal power through the crossfade (5 s ... 11 s): flat within 1.5 dB.
        let cross = measured[(5 * 50)..<(11 * 50)]
        let spread = cross.max()! - cross.min()!
        #expect(spread < 1.5, "crossfade power varies by \(spread) dB")
        #expect(r.events(.trackStarted).map(\.entry) == [0, 1, 0])
    }

    @Test("the output never exceeds the cap, even when correlated tracks crossfade", arguments: SessionFixture.SinkKind.allCases)
    func peakCap(sink: SessionFixture.SinkKind) throws {
        let f = SessionFixture("cap")
        // Whole periods, so the end of one copy and the start of the next are
        // in phase: an equal-power crossfade of them sums to +3 dB.
        try TestAudio.sine(to: f.path("loud.wav"), format: .wavFloat, frequency: 1000, amplitude: 0.99,
                           sampleRate: rate, seconds: 5)
        try f.playlist("loud.m3u8", ["loud.wav", "loud.wav"])
        let r = try f.render("""
            name = "cap"
            route = "other"
            level_cap_db = -6
            [[phase]]
            name = "loud"
            duration = "9s"
            level_db = -6
            fade_in = "0.5s"
            fade_out = "0.5s"
            crossfade = "2s"
            source = { kind = "playlist", path = "loud.m3u8" }
            """, into: sink, format: .s32, control: { pipeline in
                if pipeline.position == 0 { #expect(pipeline.stage.setVolume(db: 6, over: 0.5) == 0) }
            })
        let cap = Float(Decibels.gain(-6))
        let peak = max(AudioAnalysis.peak(r.audio.channels[0]), AudioAnalysis.peak(r.audio.channels[1]))
        #expect(peak <= cap * 1.0001, "peak \(Decibels.db(Double(peak))) dBFS above the -6 dB cap")
        #expect(peak > cap * 0.9, "the limiter should only trim the crossfade, not the whole signal")
    }

    @Test("no transition puts a step into the signal: phase changes, crossfades, silence, stop")
    func noSteps() throws {
        let f = SessionFixture("steps")
        try TestAudio.sine(to: f.path("s1.wav"), format: .wavFloat, frequency: 440, amplitude: 0.5, sampleRate: rate, seconds: 4.3)
        try TestAudio.sine(to: f.path("s2.wav"), format: .wavFloat, frequency: 440, amplitude: 0.5, sampleRate: rate, seconds: 6.1)
        try f.playlist("p.m3u8", ["s1.wav", "s2.wav"])
        var stopped = false
        let r = try f.render("""
            name = "steps"
            route = "other"
            [[phase]]
            name = "music"
            duration = "8s"
            level_db = 0
            fade_in = "0.5s"
            fade_out = "1s"
            crossfade = "1.5s"
            source = { kind = "playlist", path = "p.m3u8" }
            [[phase]]
            name = "quiet"
            duration = "2s"
            fade_in = "0.2s"
            source = { kind = "silence" }
            [[phase]]
            name = "bed"
            duration = "30s"
            level_db = 0
            fade_in = "1s"
            source = { kind = "soundscape", seed = 9 }
            """, control: { pipeline in
                if !stopped && pipeline.position >= Int64(14 * 48000) {
                    stopped = true
                    pipeline.stop(fade: 1.5)
                }
            })
        // A 0.5-amplitude 440 Hz sine moves at most 0.029 per sample; two of
        // them in an equal-power crossfade at most 0.041.
        let step = max(AudioAnalysis.maxStep(r.audio.channels[0]), AudioAnalysis.maxStep(r.audio.channels[1]))
        #expect(step < 0.05, "a step of \(step) in the output")
        // The stop ended the session 1.5 s after it was asked for, faded out.
        let length = Double(r.frames) / Double(rate)
        #expect(abs(length - 15.5) < 0.05)
        #expect(AudioAnalysis.peak(r.left.suffix(rate / 100)) < 0.01)
    }

    @Test("a 44.1 kHz file plays at the right length and pitch at 48 kHz")
    func resampledTrack() throws {
        let f = SessionFixture("rate")
        try TestAudio.sine(to: f.path("tone.flac"), format: .flac, frequency: 1000, amplitude: 0.5, sampleRate: 44100, seconds: 6)
        try f.playlist("p.m3u8", ["tone.flac"])
        let r = try f.render("""
            name = "rate"
            route = "other"
            [[phase]]
            name = "tone"
            duration = "8s"
            level_db = 0
            fade_in = "0.1s"
            crossfade = "0.5s"
            source = { kind = "playlist", path = "p.m3u8" }
            """)
        let started = try #require(r.events(.trackStarted).first)
        let ended = try #require(r.events(.trackEnded).first)
        let length = ended.frame - started.frame
        #expect(abs(length - 6 * 48000) <= 4, "played \(length) frames instead of 288000")
        let middle = Array(r.left[(1 * rate)..<(5 * rate)])
        let measured = AudioAnalysis.zeroCrossingFrequency(middle, sampleRate: rate)
        let frequency = try #require(measured, "no tone in the render")
        #expect(abs(frequency - 1000) < 1, "pitch \(frequency) Hz instead of 1000 Hz")
    }

    /// Longest stretch, in seconds, of 1 ms windows below -60 dBFS in `x`.
    func longestGap(_ x: ArraySlice<Float>) -> Double {
        let window = rate / 1000
        var longest = 0, run = 0
        var i = x.startIndex
        while i + window <= x.endIndex {
            if AudioAnalysis.rmsDB(x[i..<(i + window)]) < -60 { run += 1; longest = max(longest, run) } else { run = 0 }
            i += window
        }
        return Double(longest) / 1000
    }

    @Test("a playlist that plays on after a bad file and then runs out says it ran out, not the older failure")
    func takeoverNamesItsOwnCause() throws {
        let f = SessionFixture("takeover-cause")
        try Data(repeating: 0x5A, count: 20_000).write(to: URL(fileURLWithPath: f.path("bad.flac")))
        try TestAudio.sine(to: f.path("good.wav"), format: .wav16, frequency: 440, amplitude: 0.5, sampleRate: rate, seconds: 3)
        try f.playlist("p.m3u8", ["bad.flac", "good.wav"])
        let r = try f.render("""
            name = "cause"
            route = "other"
            [[phase]]
            name = "a"
            duration = "6s"
            fade_in = "0.3s"
            fade_out = "0.5s"
            crossfade = "1s"
            source = { kind = "playlist", path = "p.m3u8" }
            """)
        #expect(r.events(.trackFailed).count == 1)
        #expect(r.events(.soundscapeTakeover).map(\.reason) == ["the playlist ran out"])
    }

    @Test("corrupt, missing and truncated files are covered by the soundscape with no gap over 50 ms")
    func failuresCovered() throws {
        let f = SessionFixture("cover")
        try TestAudio.sine(to: f.path("good.wav"), format: .wav16, frequency: 440, amplitude: 0.5, sampleRate: rate, seconds: 3)
        var junk = [UInt8](repeating: 0, count: 50_000)
        var s: UInt64 = 77
        for i in junk.indices { s ^= s << 13; s ^= s >> 7; s ^= s << 17; junk[i] = UInt8(truncatingIfNeeded: s) }
        try Data(junk).write(to: URL(fileURLWithPath: f.path("bad.flac")))
        try TestAudio.sine(to: f.path("gone.wav"), format: .wav16, frequency: 440, sampleRate: rate, seconds: 3)
        try TestAudio.sine(to: f.path("full.flac"), format: .flac, frequency: 330, amplitude: 0.5, sampleRate: rate, seconds: 10)
        let full = try Data(contentsOf: URL(fileURLWithPath: f.path("full.flac")))
        try full.prefix(full.count / 2).write(to: URL(fileURLWithPath: f.path("cut.flac")))
        try f.playlist("a.m3u8", ["good.wav", "bad.flac", "gone.wav"])
        try f.playlist("b.m3u8", ["cut.flac"])
        let toml = """
            name = "cover"
            route = "other"
            [[phase]]
            name = "a"
            duration = "8s"
            level_db = 0
            fade_in = "0.3s"
            fade_out = "0.5s"
            crossfade = "1s"
            source = { kind = "playlist", path = "a.m3u8" }
            [[phase]]
            name = "b"
            duration = "12s"
            level_db = 0
            fade_in = "0.5s"
            fade_out = "0.5s"
            crossfade = "1s"
            source = { kind = "playlist", path = "b.m3u8" }
            """
        let loaded = try f.load(toml)
        try FileManager.default.removeItem(atPath: f.path("gone.wav"))  // vanishes after the plan was loaded
        let r = try f.render(loaded)

        let failed = r.events(.trackFailed)
        #expect(failed.contains { $0.path?.hasSuffix("bad.flac") == true && $0.reason?.contains("bad.flac") == true })
        #expect(failed.contains { $0.path?.hasSuffix("gone.wav") == true })
        #expect(failed.contains { $0.path?.hasSuffix("cut.flac") == true }, "the truncated file's decode error is reported")
        let takeovers = r.events(.soundscapeTakeover)
        #expect(takeovers.count == 2)
        #expect(takeovers.map(\.phase) == [0, 1])

        let x = r.left
        let gap = longestGap(x[(rate / 2)..<(x.count - rate)])
        #expect(gap <= 0.05, "the room went silent for \(gap) s")
        let step = AudioAnalysis.maxStep(x)
        #expect(step < 0.06, "a step of \(step) where a file failed")
    }
}
