@testable import InwardTestSupport
import InwardAudio
import InwardCore
import Testing

/// The level speed limit on captured audio: the same soundscape rendered with
/// and without the controls, compared in 100 ms windows.
@Suite("Level speed limit")
struct LevelSpeedTests {
    static let plan = """
        name = "speed"
        route = "other"
        level_cap_db = -3
        [[phase]]
        name = "bed"
        duration = "95s"
        level_db = -20
        fade_in = "1s"
        fade_out = "1s"
        source = { kind = "soundscape", intensity = 0.4, brightness = 0.4, seed = 7 }
        """
    static let window = 4800   // 100 ms at 48 kHz

    /// Renders the plan through ALSA's file plugin with `controls` applied at their second.
    static func render(_ f: SessionFixture, _ controls: [(Double, (OutputStage) -> Void)]) throws -> [Float] {
        var due = controls
        let r = try f.render(plan, into: .alsa, format: .s32) { pipeline in
            while let first = due.first, Double(pipeline.position) >= first.0 * Double(f.rate) {
                first.1(pipeline.stage)
                due.removeFirst()
            }
        }
        return r.left
    }

    @Test("volume, pause, silence and resume: no 100 ms window rises more than 0.3 dB or falls more than 1.2 dB beyond the programme")
    func everyControl() throws {
        let f = SessionFixture("speed")
        let without = try Self.render(f, [])
        let with = try Self.render(f, [
            (3, { $0.setVolume(db: -60, over: 0.1) }),        // a fall: at most 12 dB/s
            (10, { $0.setVolume(db: 3, over: 1) }),           // a rise: its last 43 dB over at least 14 s
            (35, { $0.setPaused(true, fade: 4) }),            // pause keeps its own fade down
            (43, { $0.setPaused(false, fade: 4) }),           // resume: bounded
            (65, { $0.silence(fade: 2) }),
            (69, { $0.setPaused(false, fade: 4) }),
            (88, { $0.setVolume(db: -12, over: 0) }),
        ])
        let g = LevelSpeedCheck.controlGainDB(with: with, without: without, window: Self.window)
        #expect(g.count > 900, "only \(g.count) windows")
        let rise = LevelSpeedCheck.fastestRise(g)
        #expect(rise.riseDB <= 0.3 + 0.02, "window \(rise.window) rose \(rise.riseDB) dB in 100 ms")
        // The volume falls and the last volume change are not pause, silence or stop: at most 12 dB/s.
        for range in [30..<100, 880..<950] {
            let fall = LevelSpeedCheck.fastestFall(g, in: range)
            // A 5 ms probe sees up to 0.06 dB of a 12 dB/s fall, shared unevenly by the music in it.
            #expect(fall.fallDB <= 1.2 + 0.05, "window \(fall.window) fell \(fall.fallDB) dB in 100 ms")
            #expect(fall.fallDB > 1.0, "the volume fall in \(range) went slower than the limit: \(fall.fallDB) dB")
        }
        // -60 to +3: the last 43 dB (from -40 dB) take at least 14 s.
        let from = try #require(g.indices.first { $0 > 100 && g[$0] >= -40 })
        let to = try #require(g.indices.first { $0 > from && g[$0] >= 3 - 0.1 })
        let seconds = Double(to - from) / 10
        #expect(seconds >= 14 - 0.2, "-40 to +3 dB in \(seconds) s")
        #expect(seconds < 16, "-40 to +3 dB took \(seconds) s: slower than the limit needs")
        // The pause and the silence still go down on their own curves: silent 0.5 s after their fades end.
        #expect(g[395] < -60 && g[675] < -60, "not silent after the pause (\(g[395]) dB) or the silence (\(g[675]) dB)")
        // And the resumes come back, to the +3 dB volume, within the limit's time.
        #expect(abs(g[640] - 3) < 0.2 && abs(g[875] - 3) < 0.2, "not back after resume: \(g[640]), \(g[875]) dB")
        #expect(AudioAnalysis.maxStep(with) < 0.02, "a step in the controlled audio")
        print("level speed: fastest rise \(rise.riseDB) dB/100 ms; -40 -> +3 dB in \(seconds) s")
    }

    @Test("a session that starts silent (picked up again) comes up under the limit")
    func startSilent() throws {
        let f = SessionFixture("speed-start")
        let without = try Self.render(f, [])
        let with = try Self.render(f, [(20, { $0.setPaused(true, fade: 0); $0.startSilent(fade: 5) })])
        let g = LevelSpeedCheck.controlGainDB(with: with, without: without, window: Self.window)
        let rise = LevelSpeedCheck.fastestRise(g)
        #expect(rise.riseDB <= 0.3 + 0.02, "window \(rise.window) rose \(rise.riseDB) dB in 100 ms")
        let back = try #require(g.indices.first { $0 > 201 && g[$0] >= -0.1 })
        #expect(Double(back - 200) / 10 >= 40 / 3 - 0.2, "back to full in \(Double(back - 200) / 10) s")
    }
}
