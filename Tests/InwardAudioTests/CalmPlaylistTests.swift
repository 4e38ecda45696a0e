@testable import InwardTestSupport
import Foundation
import InwardAudio
import InwardCore
import Testing

/// A playlist calm harbour: loaded and checked with its playlist, and played
/// in the mix (captured through ALSA's file plugin) with steady tones, so any
/// rise in level is the control's, not the music's.
@Suite("Calm playlist")
struct CalmPlaylistTests {
    static let rate = 48000

    static func plan(calm: String = "calm.m3u8") -> String {
        """
        name = "calm playlist"
        route = "other"
        [calm]
        level_db = -24
        crossfade = "4s"
        source = { kind = "playlist", path = "\(calm)" }
        [[phase]]
        name = "a"
        duration = "60s"
        level_db = -12
        fade_in = "1s"
        fade_out = "2s"
        source = { kind = "playlist", path = "phase.m3u8" }
        """
    }

    /// The phase's one steady tone, and calm's two 8-second tones.
    static func write(_ f: SessionFixture) throws {
        try TonePlaylist.single("phase", frequency: 220, seconds: 70).write(to: f.directory)
        try TonePlaylist("calm", [.init("calm1", frequency: 440, seconds: 8, title: "Calm One"),
                                  .init("calm2", frequency: 660, seconds: 8, title: "Calm Two")]).write(to: f.directory)
    }

    @Test("a calm playlist loads with its entries; an empty one is an error at its line; one with no playable file is a warning")
    func loading() throws {
        let f = SessionFixture("calm-list-load")
        func path(_ name: String) -> String { PathResolver.normalize(f.path(name)) }
        try Self.write(f)
        let loaded = try f.load(Self.plan())
        #expect(loaded.plan.calm?.source == .playlist(path: path("calm.m3u8")))
        #expect(loaded.playlists[LoadedPlan.calm]?.map(\.path) == [path("calm1.wav"), path("calm2.wav")])
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings)")
        // Calm's first track is measured first: calm may be asked for at any moment.
        #expect(loaded.playlistPaths == [path("calm1.wav"), path("phase.wav"), path("calm2.wav")])

        try "#EXTM3U\n# nothing here yet\n".write(toFile: f.path("empty.m3u8"), atomically: true, encoding: .utf8)
        do {
            _ = try f.load(Self.plan(calm: "empty.m3u8"))
            Issue.record("an empty calm playlist was accepted")
        } catch let error as PlanInvalid {
            let e = try #require(error.diagnostics.first { $0.severity == .error })
            #expect(e.key == "calm.source.path" && e.line == 6 && e.file == f.path("plan.toml"), "\(e)")
            #expect(e.message.contains("empty.m3u8") && e.message.contains("lists no audio files"), "\(e)")
        }

        try "#EXTM3U\ngone1.flac\ngone2.flac\n".write(toFile: f.path("gone.m3u8"), atomically: true, encoding: .utf8)
        let gone = try f.load(Self.plan(calm: "gone.m3u8"))
        #expect(gone.playlists[LoadedPlan.calm] == [])
        #expect(gone.warnings.contains { $0.key == "calm.source.path" && $0.line == 6 && $0.message.contains("calm will play a soundscape") },
                "\(gone.warnings)")
        #expect(gone.warnings.contains { $0.file == path("gone.m3u8") && $0.line == 2 }, "\(gone.warnings)")
    }

    /// The mixer's frame calm was asked at (the mix runs the limiter's delay ahead of the output).
    final class Asked { var frame: Int64? }

    func render(_ f: SessionFixture, calmAt: Double?, backAt: Double?, asked: Asked = Asked()) throws -> SessionFixture.Result {
        var entered = false, left = false
        return try f.render(Self.plan(), into: .alsa, format: .s32) { p in
            let t = Double(p.position) / Double(Self.rate)
            if let calmAt, !entered, t >= calmAt {
                entered = true
                asked.frame = p.mixer.position
                #expect(p.mixer.enterCalm() == -24)
            }
            if let backAt, !left, t >= backAt { left = true; #expect(p.mixer.leaveCalm()) }
        }
    }

    @Test("calm's playlist within its crossfade at the lower level, looping, no rise beyond the programme, and back")
    func calmPlaylistInTheMix() throws {
        let f = SessionFixture("calm-list-mix")
        try Self.write(f)
        let plain = try render(f, calmAt: nil, backAt: nil)
        let asked = Asked()
        let calm = try render(f, calmAt: 10, backAt: 45, asked: asked)
        let x = calm.left, y = plain.left
        #expect(x.count == y.count, "calm changed the session's length")
        func level(_ from: Double, _ to: Double, _ z: [Float]) -> Double {
            AudioAnalysis.rmsDB(z[Int(from * Double(Self.rate))..<Int(to * Double(Self.rate))])
        }
        // A 0.5 sine is -9.03 dBFS RMS: the phase at -12 dB, calm at -24 dB (the lower of -24 and -12).
        let before = level(8, 10, x)
        #expect(abs(before - (-21.03)) < 0.3, "phase before calm at \(before) dB")
        // Reached within the 4 s crossfade (plus a block and the limiter's delay): calm's tones alone at -24 dB,
        // through the crossfades between its tracks and its loop back to the first.
        for s in stride(from: 14.5, to: 44.5, by: 1.0) {
            let l = level(s, s + 0.5, x)
            #expect(abs(l - (-33.03)) < 0.5, "in calm at \(s) s: \(l) dB")
        }
        // Calm's tracks: from the first, crossfading, then again from the first (8 s tracks, 4 s crossfades).
        let calmTracks = calm.events(.trackStarted).filter { $0.phase == LoadedPlan.calm }
        #expect(calmTracks.prefix(4).map(\.entry) == [0, 1, 0, 1], "\(calmTracks)")
        #expect(asked.frame != nil && calmTracks.first?.frame == asked.frame, "\(calmTracks.first.map { "\($0.frame)" } ?? "none")")
        #expect(calmTracks.first?.title == "Calm One")
        #expect(calm.events(.soundscapeTakeover).isEmpty)
        // The phase went on unheard: its one track never restarted.
        #expect(calm.events(.trackStarted).filter { $0.phase == 0 }.count == 1)
        // No 100 ms window rises more than 0.3 dB beyond the programme (steady tones: the plain run),
        // into calm, across calm's track changes and loop, and back.
        let gain = LevelSpeedCheck.controlGainDB(with: x, without: y, window: Self.rate / 10, probe: Self.rate / 10)
        let rise = LevelSpeedCheck.fastestRise(gain)
        #expect(rise.riseDB <= 0.3 + 0.02, "rose \(rise.riseDB) dB in the 100 ms at \(Double(rise.window) / 10) s")
        // Back to the phase: at its level again once the rise (12 dB at under 3 dB/s) is over.
        let back = level(56, 58, x)
        #expect(abs(back - (-21.03)) < 0.3, "back from calm at \(back) dB")
        #expect(AudioAnalysis.maxStep(x) < 0.02, "a step in the calm session")
        print("calm playlist: before \(before) dB, calm \(level(20, 30, x)) dB, back \(back) dB, fastest rise \(rise.riseDB) dB/100 ms")
    }

    @Test("a calm playlist none of whose files plays gives way to a soundscape, never silence")
    func fallsBackToSoundscape() throws {
        let f = SessionFixture("calm-list-fallback")
        try Self.write(f)
        // Listed and present when the plan is loaded, unreadable by the time calm plays.
        try "#EXTM3U\nbroken.wav\n".write(toFile: f.path("broken.m3u8"), atomically: true, encoding: .utf8)
        try Data("not audio".utf8).write(to: URL(fileURLWithPath: f.path("broken.wav")))
        let loaded = try f.load(Self.plan(calm: "broken.m3u8"))
        var entered = false
        let r = try f.render(loaded, into: .alsa, format: .s32) { p in
            if !entered, p.position >= Int64(10 * Self.rate) { entered = true; #expect(p.mixer.enterCalm() == -24) }
        }
        #expect(r.events(.trackFailed).contains { $0.phase == LoadedPlan.calm && $0.path == PathResolver.normalize(f.path("broken.wav")) })
        #expect(r.events(.soundscapeTakeover).contains { $0.phase == LoadedPlan.calm })
        let calmLevel = AudioAnalysis.rmsDB(r.left[(20 * Self.rate)..<(30 * Self.rate)])
        #expect(calmLevel > -60 && calmLevel < -30, "calm fallback at \(calmLevel) dB")
    }

    @Test("under a loudness_target calm's tracks are normalised like a phase's: a quiet and a loud one play alike")
    func normalised() throws {
        let f = SessionFixture("calm-list-loudness")
        try TonePlaylist.single("phase", frequency: 220, seconds: 70).write(to: f.directory)
        // 12 dB apart as files.
        try TonePlaylist("calm", [.init("quiet", frequency: 440, seconds: 10, amplitude: 0.125),
                                  .init("loud", frequency: 440, seconds: 10, amplitude: 0.5)]).write(to: f.directory)
        let text = Self.plan().replacingOccurrences(of: "route = \"other\"", with: "route = \"other\"\nloudness_target = -20")
        var entered = false
        let r = try f.render(text, into: .alsa, format: .s32) { p in
            if !entered, p.position >= Int64(5 * Self.rate) { entered = true; #expect(p.mixer.enterCalm() == -24) }
        }
        let calmTracks = r.events(.trackStarted).filter { $0.phase == LoadedPlan.calm }
        #expect(calmTracks.count >= 2 && calmTracks.prefix(2).allSatisfy { $0.gainDB != nil }, "\(calmTracks)")
        // From 5 s: the quiet track alone from 9 s (calm's crossfade over) to 11 s, crossfading
        // to the loud one until 15 s, the loud one alone until 17 s (10 s tracks, 4 s crossfades).
        let quiet = AudioAnalysis.rmsDB(r.left[(9 * Self.rate + Self.rate / 2)..<(10 * Self.rate + Self.rate / 2)])
        let loud = AudioAnalysis.rmsDB(r.left[(15 * Self.rate + Self.rate / 2)..<(16 * Self.rate + Self.rate / 2)])
        #expect(abs(quiet - loud) < 0.5, "calm's tracks at \(quiet) dB and \(loud) dB under the loudness target")
        print("calm playlist under loudness_target -20: quiet file \(quiet) dB, loud file \(loud) dB")
    }
}
