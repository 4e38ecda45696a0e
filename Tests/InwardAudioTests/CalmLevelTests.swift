@testable import InwardTestSupport
import InwardAudio
import InwardCore
import Testing

/// Calm comes in at the lower of its level and the level heard at that
/// moment: in the session's final fade it is what is left of the phase, not
/// the phase's planned level; while a phase fades in, the level it is heading for.
@Suite("Calm at the level heard")
struct CalmLevelTests {
    static let plan = """
        name = "calm-level"
        route = "other"
        [calm]
        level_db = -12
        crossfade = "2s"
        source = { kind = "soundscape", intensity = 0.1, brightness = 0.2, seed = 90 }
        [[phase]]
        name = "only"
        duration = "20s"
        level_db = -12
        fade_in = "4s"
        fade_out = "10s"
        source = { kind = "soundscape", intensity = 0.5, brightness = 0.5, seed = 7 }
        """

    func calmLevel(at seconds: Double) throws -> Double? {
        var level: Double?
        _ = try SessionFixture("calm-level").render(Self.plan, into: .alsa, format: .s32) { p in
            if level == nil, Double(p.position) / 48000 >= seconds { level = p.mixer.enterCalm() }
        }
        return level
    }

    @Test("in the final fade, calm is never louder than what is left; in a fade-in, it is the phase's level")
    func levelHeard() throws {
        // 7 s into the 10 s final fade the phase is heard cos(0.7 pi / 2) = -6.9 dB under its level.
        let fading = try #require(try calmLevel(at: 17))
        #expect(fading < -17.5 && fading > -20.5, "calm at \(fading) dB in the final fade")
        let fadingIn = try #require(try calmLevel(at: 1))
        #expect(abs(fadingIn + 12) < 0.01, "calm at \(fadingIn) dB while the phase fades in")
    }
}
