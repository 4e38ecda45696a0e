@testable import InwardTestSupport
import Foundation
import InwardAudio
import InwardCore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Loudness normalisation: libebur128's measure of a track as it plays, the
/// measurements kept per file, and a session whose tracks, 12 dB apart as
/// files, play at one loudness.
@Suite("Loudness (EBU R128)")
struct LoudnessTests {
    let rate = 48000

    @Test("EBU Tech 3341 case 1: a stereo 1 kHz sine at -23 dBFS measures -23.0 LUFS; its peak -23 dBFS")
    func ebuReference() throws {
        let dir = TestAudio.temporaryDirectory("loudness")
        let path = try TestAudio.sine(to: dir.appendingPathComponent("1k.wav").path, format: .wavFloat, frequency: 1000,
                                      amplitude: Float(Decibels.gain(-23)), sampleRate: rate, seconds: 20)
        let m = try LoudnessMeter.measure(path: path)
        let lufs = try #require(m.lufs)
        #expect(abs(lufs - -23) < 0.1, "\(lufs) LUFS")
        #expect(abs(m.peakDB - -23) < 0.1, "peak \(m.peakDB) dBFS")
        // Resampled from 44.1 kHz, as a 44.1 kHz file plays at 48 kHz: the same.
        let other = try TestAudio.sine(to: dir.appendingPathComponent("1k-44.wav").path, format: .wavFloat, frequency: 1000,
                                       amplitude: Float(Decibels.gain(-23)), sampleRate: 44100, seconds: 20)
        #expect(abs((try LoudnessMeter.measure(path: other).lufs ?? 0) - -23) < 0.1)
    }

    @Test("silence has no loudness (below the gate) and gets no gain")
    func silence() throws {
        let dir = TestAudio.temporaryDirectory("loudness-silence")
        let path = try TestAudio.sine(to: dir.appendingPathComponent("quiet.wav").path, format: .wavFloat, frequency: 440,
                                      amplitude: 0, sampleRate: rate, seconds: 5)
        let m = try LoudnessMeter.measure(path: path)
        #expect(m.lufs == nil)
        #expect(m.gainDB(target: -18) == 0)
    }

    @Test("a measurement is kept while the file is unchanged, found again from the cache file, dropped when the file changes")
    func cache() throws {
        let dir = TestAudio.temporaryDirectory("loudness-cache")
        let a = try TestAudio.sine(to: dir.appendingPathComponent("a.wav").path, format: .wav16, frequency: 440,
                                   amplitude: 0.25, sampleRate: rate, seconds: 6)
        let b = try TestAudio.sine(to: dir.appendingPathComponent("b.wav").path, format: .wav16, frequency: 440,
                                   amplitude: 0.5, sampleRate: rate, seconds: 6)
        let cacheFile = dir.appendingPathComponent("loudness.json").path
        let store = TrackLoudness(cacheFile: cacheFile)
        #expect(store.measurement(for: a) == nil)
        store.measureInBackground([a, b, dir.appendingPathComponent("missing.wav").path])
        #expect(store.waitUntilIdle(seconds: 30))
        let ma = try #require(store.measurement(for: a))
        let mb = try #require(store.measurement(for: b))
        #expect(abs((mb.lufs ?? 0) - (ma.lufs ?? 0) - 6.02) < 0.1, "\(ma) \(mb)")

        var st = stat()
        #expect(stat(cacheFile, &st) == 0 && st.st_mode & 0o777 == 0o640, "the cache file's mode")
        let again = TrackLoudness(cacheFile: cacheFile)
        #expect(again.measurement(for: a) == ma, "not found in the cache file")
        #expect(again.measurement(for: a.replacingOccurrences(of: "/a.wav", with: "//./a.wav")) == ma, "one file, two spellings")

        // The file changes (a new mtime): its old measurement no longer applies.
        var times = [timespec(tv_sec: 1_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, a, &times, 0) == 0)
        #expect(again.measurement(for: a) == nil)
        #expect(again.measurement(for: b) == mb)
        // Asked for again, the changed file is measured again (the unchanged one is not queued).
        again.measureInBackground([a, b])
        #expect(again.waitUntilIdle(seconds: 30))
        #expect(again.measurement(for: a) == ma, "a changed file was not measured again")
    }

    static func plan(target: String) -> String {
        """
        name = "loudness"
        route = "other"
        \(target)
        [[phase]]
        name = "music"
        duration = "20s"
        level_db = 0
        fade_in = "1s"
        fade_out = "1s"
        crossfade = "1s"
        source = { kind = "playlist", path = "p.m3u8" }
        """
    }

    @Test("tracks 12 dB apart as files play within 0.5 dB of each other with loudness_target; 12 dB apart without")
    func sessionAtOneLoudness() throws {
        let f = SessionFixture("loudness-session")
        try TestAudio.sine(to: f.path("loud.wav"), format: .wavFloat, frequency: 440, amplitude: 0.5, sampleRate: rate, seconds: 10)
        try TestAudio.sine(to: f.path("quiet.wav"), format: .wavFloat, frequency: 660, amplitude: 0.125, sampleRate: rate, seconds: 10)
        try f.playlist("p.m3u8", ["loud.wav", "quiet.wav"])
        func levels(_ r: SessionFixture.Result) -> (Double, Double) {
            (AudioAnalysis.rmsDB(r.left[(3 * rate)..<(7 * rate)]), AudioAnalysis.rmsDB(r.left[(13 * rate)..<(17 * rate)]))
        }
        let plain = levels(try f.render(Self.plan(target: "")))
        #expect(abs(plain.0 - plain.1 - 12.04) < 0.2, "without a target: \(plain)")

        let r = try f.render(Self.plan(target: "loudness_target = -23"))
        let (loud, quiet) = levels(r)
        #expect(abs(loud - quiet) < 0.5, "with a target: \(loud) dB and \(quiet) dB")
        // -23 LUFS is a stereo 1 kHz sine at -23 dBFS peak, -26 dB RMS; K-weighting tilts 440 Hz by under 1 dB.
        #expect(abs(loud - -26) < 1, "\(loud) dB RMS")
        let starts = r.events(.trackStarted)
        #expect(starts.count == 2)
        #expect(starts.allSatisfy { $0.gainDB != nil && $0.loudness != nil })
        #expect(abs((starts.last?.gainDB ?? 0) - (starts.first?.gainDB ?? 0) - 12.04) < 0.2)
    }

    /// Renders loud.wav then quiet.wav (20 s each, 12 dB apart) with only
    /// loud.wav measured, measuring quiet.wav when the render reaches `at` seconds.
    func lateRender(measureQuietAt at: Double) throws -> (SessionFixture.Result, loud: Double, quiet: Double) {
        let f = SessionFixture("loudness-late")
        let loud = try TestAudio.sine(to: f.path("loud.wav"), format: .wavFloat, frequency: 440, amplitude: 0.5,
                                      sampleRate: rate, seconds: 20)
        let quiet = try TestAudio.sine(to: f.path("quiet.wav"), format: .wavFloat, frequency: 440, amplitude: 0.125,
                                       sampleRate: rate, seconds: 20)
        try f.playlist("p.m3u8", ["loud.wav", "quiet.wav"])
        let store = TrackLoudness()
        store.measure(loud)
        var frames = 0
        let plan = Self.plan(target: "loudness_target = -23").replacingOccurrences(of: "duration = \"20s\"", with: "duration = \"40s\"")
        let r = try f.render(plan, loudness: store) { _ in
            if frames == Int(at * Double(rate)) { store.measure(quiet) }
            frames += 1024
        }
        return (r, AudioAnalysis.rmsDB(r.left[(4 * rate)..<(16 * rate)]), AudioAnalysis.rmsDB(r.left[(34 * rate)..<(38 * rate)]))
    }

    @Test("a track measured only after it started glides to its gain over 8 s, without a step, and says so (track.gain)")
    func lateMeasurementGlides() throws {
        let at = 1024.0 * 1200 / 48000   // 25.6 s, 5 s into quiet.wav
        let (r, loud, quiet) = try lateRender(measureQuietAt: at)
        #expect(abs(loud - quiet) < 0.5, "after the glide: \(loud) dB and \(quiet) dB")
        let starts = r.events(.trackStarted)
        #expect(starts.count == 2 && starts[1].loudness == nil, "quiet.wav starts unmeasured: \(starts)")
        #expect(starts.count == 2 && starts[1].gainDB == starts[0].gainDB, "at the gain of the track before it")
        let gains = r.events(.trackGain)
        try #require(gains.count == 1, "\(r.events)")
        let g = gains[0]
        #expect(g.entry == 1 && g.loudness != nil)
        #expect(abs((g.gainDB ?? 0) - (starts[0].gainDB ?? 0) - 12.04) < 0.2, "\(g)")
        // Heard within about a second (the decode-ahead) of the measurement.
        let heard = Double(g.frame) / Double(rate)
        #expect(heard >= at && heard < at + 2.1, "glide heard from \(heard) s")
        // Before it the level is still the unmeasured one; then it rises over the glide with no step.
        let before = AudioAnalysis.rmsDB(r.left[(21 * rate)..<Int(heard * Double(rate))])
        #expect(abs(loud - before - 12.04) < 0.5, "before the glide \(before) dB")
        let mid = AudioAnalysis.rmsDB(r.left[Int((heard + 3.5) * Double(rate))..<Int((heard + 4.5) * Double(rate))])
        #expect(mid > before + 4 && mid < loud - 4, "halfway through the glide \(mid) dB")
        #expect(AudioAnalysis.maxStep(r.left) < 0.05)
    }

    @Test("a track measured after it was opened but before it is heard starts at its own gain")
    func measuredBeforeHeard() throws {
        // quiet.wav is opened about 4 s before loud.wav ends (at 19 s) and heard from 19 s.
        let (r, loud, quiet) = try lateRender(measureQuietAt: 1024.0 * 780 / 48000)   // 16.6 s
        let starts = r.events(.trackStarted)
        #expect(starts.count == 2 && starts[1].loudness != nil, "\(starts)")
        #expect(r.events(.trackGain).isEmpty)
        #expect(abs(loud - quiet) < 0.5, "\(loud) dB and \(quiet) dB")
        #expect(abs(loud - AudioAnalysis.rmsDB(r.left[(21 * rate)..<(25 * rate)])) < 0.5, "from its start")
    }

    @Test("a quiet track is not lifted past full scale: the gain stops at its peak's headroom")
    func peakBoundsTheGain() {
        #expect(LoudnessGain.gainDB(loudness: -30, peakDB: -6, target: -18) == 6)
        #expect(LoudnessGain.gainDB(loudness: -30, peakDB: -20, target: -18) == 12)
        #expect(LoudnessGain.gainDB(loudness: -8, peakDB: 0, target: -18) == -10)
        #expect(LoudnessGain.gainDB(loudness: -60, peakDB: -50, target: -18) == 12)
        #expect(LoudnessGain.gainDB(loudness: 5, peakDB: 0, target: -23) == -24)
        #expect(LoudnessGain.gainDB(loudness: nil, peakDB: -3, target: -18) == 0)
    }
}
