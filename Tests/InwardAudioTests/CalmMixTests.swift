@testable import InwardTestSupport
import InwardAudio
import InwardCore
import Testing

/// Calm harbour in the mixer, on captured audio (ALSA's file plugin): reached
/// within 8 s with no step, never louder than what played, the plan's course
/// running on underneath, and back no faster than the level speed limit.
@Suite("Calm harbour in the mix")
struct CalmMixTests {
    static let plan = """
        name = "calm"
        route = "other"
        level_cap_db = -3
        [calm]
        level_db = -24
        crossfade = "6s"
        source = { kind = "soundscape", intensity = 0.1, brightness = 0.2, seed = 90 }
        [[phase]]
        name = "a"
        duration = "30s"
        level_db = -12
        fade_in = "1s"
        fade_out = "2s"
        source = { kind = "soundscape", intensity = 0.5, brightness = 0.5, seed = 7 }
        [[phase]]
        name = "b"
        duration = "50s"
        level_db = -10
        fade_in = "2s"
        fade_out = "1s"
        source = { kind = "soundscape", intensity = 0.6, brightness = 0.6, seed = 8 }
        """
    static let rate = 48000

    func render(_ f: SessionFixture, calmAt: Double?, backAt: Double?) throws -> SessionFixture.Result {
        var entered = false, left = false
        return try f.render(Self.plan, into: .alsa, format: .s32) { p in
            let t = Double(p.position) / Double(Self.rate)
            if let calmAt, !entered, t >= calmAt { entered = true; #expect(p.mixer.enterCalm() == -24) }
            if let backAt, !left, t >= backAt { left = true; #expect(p.mixer.leaveCalm()) }
        }
    }

    @Test("calm within 8 s, phases change underneath, back to the current phase under the speed limit")
    func calmAndBack() throws {
        let f = SessionFixture("calm-mix")
        let plain = try render(f, calmAt: nil, backAt: nil)
        let calm = try render(f, calmAt: 10, backAt: 45)
        let x = calm.left, y = plain.left
        #expect(x.count == y.count, "calm changed the session's length")
        // The course ran on: phase b began at 30 s in both.
        #expect(calm.events(.phaseStarted).map(\.frame) == plain.events(.phaseStarted).map(\.frame))
        func level(_ from: Double, _ to: Double, _ z: [Float]) -> Double {
            AudioAnalysis.rmsDB(z[Int(from * Double(Self.rate))..<Int(to * Double(Self.rate))])
        }
        let before = level(8, 10, x)
        let inCalm = level(18, 28, x)
        let calmAfterBoundary = level(32, 44, x)
        // Calm sits about 12 dB under phase a (-24 against -12).
        #expect(inCalm < before - 6 && inCalm > before - 18, "calm at \(inCalm) dB, before \(before) dB")
        // In calm the room hears the calm soundscape at -24 dB and nothing else,
        // across the boundary to b: sample for sample, from the crossfade's end to the way back.
        // The first block at or after 10 s; the mixer runs the limiter's delay ahead of the output.
        let start = (10 * Self.rate + 1023) / 1024 * 1024 + OutputStage(plan: calm.plan, sampleRate: Self.rate).latency
        let source = Soundscape(parameters: SoundscapeParameters(intensity: 0.1, brightness: 0.2, root: 2, scale: .major, seed: 90),
                                sampleRate: Self.rate)
        let count = 45 * Self.rate - start
        let alone = UnsafeMutablePointer<Float>.allocate(capacity: 2 * count)
        defer { alone.deallocate() }
        #expect(source.read(into: alone, frames: count) == count)
        let g = Float(Decibels.gain(-24))
        var worst: Float = 0
        for n in (17 * Self.rate)..<(44 * Self.rate) { worst = max(worst, abs(x[n] - g * alone[2 * (n - start)])) }
        #expect(worst < 1e-4, "in calm the output differs from the calm soundscape by up to \(worst)")
        // Back: once calm's voice has gone (6 s), what is left is phase b trimmed, rising under the limit.
        let back = LevelSpeedCheck.controlGainDB(with: Array(x[(51 * Self.rate)...]), without: Array(y[(51 * Self.rate)...]),
                                              window: Self.rate / 10)
        let rise = LevelSpeedCheck.fastestRise(back)
        #expect(rise.riseDB <= 0.3 + 0.02, "back from calm rose \(rise.riseDB) dB in 100 ms")
        #expect(back.first.map { $0 < -10 } == true, "phase b came back at once at its level: \(back.prefix(3))")
        let full = try #require(back.indices.first { back[$0] > -0.1 }, "never back to phase b's level")
        #expect(Double(full) / 10 > 14 / 3 - 0.2, "back to phase b's level in \(Double(full) / 10) s")
        // The crossfades themselves: no 500 ms window louder than the one before by more than 1.5 dB (+1 dB of music).
        let w = AudioAnalysis.windowedRMSDB(Array(x[(45 * Self.rate)..<(52 * Self.rate)]), window: Self.rate / 2)
        for k in 1..<w.count { #expect(w[k] - w[k - 1] < 2.5, "crossfade back rose \(w[k] - w[k - 1]) dB at \(45 + Double(k) / 2) s") }
        #expect(AudioAnalysis.maxStep(x) < 0.02, "a step in the calm session")
        print("calm: before \(before) dB, calm \(inCalm) dB, after boundary \(calmAfterBoundary) dB, largest difference from calm alone \(worst); back to level \(Double(full) / 10) s after the crossfade")
    }

    @Test("calm is never louder than now: from a quieter phase it plays at that phase's level")
    func neverLouder() throws {
        let f = SessionFixture("calm-quiet")
        let loaded = try f.load(Self.plan.replacingOccurrences(of: "level_db = -12", with: "level_db = -30"))
        var done = false
        let r = try f.render(loaded, into: .alsa, format: .s32) { p in
            if !done, p.position >= Int64(10 * Self.rate) { done = true; #expect(p.mixer.enterCalm() == -30) }
        }
        #expect(r.plan.calm?.levelDB == -24)
    }
}
