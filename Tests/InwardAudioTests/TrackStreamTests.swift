@testable import InwardTestSupport
import Foundation
import InwardAudio
import Testing

@Suite("TrackStream: decode, map to stereo, resample")
struct TrackStreamTests {
    let dir = TestAudio.temporaryDirectory("inward-trackstream")

    @Test("44.1 kHz FLAC to 48 kHz: length within 2 frames, no tail lost, 1 kHz stays 1 kHz +-1 Hz")
    func resampledFLAC() throws {
        let path = TestFiles.path(dir, "sine44.flac")
        try TestAudio.sine(to: path, format: .flac, frequency: 1000, amplitude: 0.5, sampleRate: 44100,
                           channels: 2, seconds: 5, title: "T", artist: "A")
        let s = try TrackStream(path: path, outputRate: 48000)
        #expect(s.durationFrames == 240_000)
        #expect(s.title == "T" && s.artist == "A" && s.path == path)
        let out = TestFiles.readAll(s, block: 777)
        #expect(abs(out.count / 2 - 240_000) <= 2, "\(out.count / 2) frames")
        #expect(s.error == nil)
        // Further reads return nothing.
        var buf = [Float](repeating: 0, count: 200)
        #expect(buf.withUnsafeMutableBufferPointer { s.read(into: $0.baseAddress!, frames: 100) } == 0)
        let ch = WavReader.deinterleave(out, channels: 2)
        for c in 0..<2 {
            let mid = Array(ch[c][4800..<(ch[c].count - 4800)])
            let f = try #require(AudioAnalysis.zeroCrossingFrequency(mid, sampleRate: 48000))
            #expect(abs(f - 1000) < 1, "\(f) Hz")
            #expect(abs(AudioAnalysis.rmsDB(mid) - -9.03) < 0.1)
        }
        // The tail is there: the last 10 ms still carry the sine.
        #expect(AudioAnalysis.rmsDB(ch[0].suffix(480)) > -10)
    }

    @Test("equal rates bypass the resampler: samples identical to the file")
    func bypass() throws {
        let path = TestFiles.path(dir, "music48.flac")
        try TestAudio.musicLike(to: path, format: .flac, sampleRate: 48000, seconds: 2)
        let s = try TrackStream(path: path, outputRate: 48000)
        #expect(s.durationFrames == 96000)
        let out = TestFiles.readAll(s, block: 1000)
        let direct = TestFiles.readAll(try AudioFile(path: path))
        #expect(out.count == 192_000)
        #expect(out == direct)
    }

    @Test("mono is duplicated to both channels at the same level", arguments: [44100, 48000])
    func mono(rate: Int) throws {
        let path = TestFiles.path(dir, "mono\(rate).wav")
        try TestAudio.sine(to: path, format: .wav16, frequency: 440, amplitude: 0.5, sampleRate: rate,
                           channels: 1, seconds: 1)
        let s = try TrackStream(path: path, outputRate: 48000)
        let ch = WavReader.deinterleave(TestFiles.readAll(s), channels: 2)
        #expect(ch[0] == ch[1])
        #expect(abs(AudioAnalysis.rmsDB(ch[0][4800..<43200]) - -9.03) < 0.05)
    }

    /// Level (dB relative to the 0.5 source sine) on L and R when only
    /// `channel` of a `channels`-channel file carries the sine.
    func levels(channels: Int, channel: Int, format: TestAudio.Format = .wav16) throws -> (l: Double, r: Double) {
        let rate = format.preferredRate
        let path = TestFiles.path(dir, "multi\(channels)-\(channel).\(format.fileExtension)")
        try TestAudio.sine(to: path, format: format, frequency: 440, amplitude: 0.5, sampleRate: rate,
                           channels: channels, seconds: 1, onlyChannel: channel)
        let s = try TrackStream(path: path, outputRate: rate)
        let ch = WavReader.deinterleave(TestFiles.readAll(s), channels: 2)
        let range = (rate / 10)..<(rate * 9 / 10)
        return (AudioAnalysis.rmsDB(ch[0][range]) + 9.03, AudioAnalysis.rmsDB(ch[1][range]) + 9.03)
    }

    @Test("5.1 (WAV order L R C LFE Ls Rs) downmix: ITU coefficients, LFE dropped, normalised by 2.414")
    func fivePointOne() throws {
        let norm = 20 * log10(1 + 2 * 0.70710677)   // 7.66 dB
        let minus3 = 20 * log10(0.70710677)
        let front = try levels(channels: 6, channel: 0)
        #expect(abs(front.l - -norm) < 0.05)
        #expect(front.r < -100)
        let right = try levels(channels: 6, channel: 1)
        #expect(right.l < -100 && abs(right.r - -norm) < 0.05)
        let centre = try levels(channels: 6, channel: 2)
        #expect(abs(centre.l - (minus3 - norm)) < 0.05 && abs(centre.r - (minus3 - norm)) < 0.05)
        let lfe = try levels(channels: 6, channel: 3)
        #expect(lfe.l < -100 && lfe.r < -100)
        let ls = try levels(channels: 6, channel: 4)
        #expect(abs(ls.l - (minus3 - norm)) < 0.05 && ls.r < -100)
        let rs = try levels(channels: 6, channel: 5)
        #expect(rs.l < -100 && abs(rs.r - (minus3 - norm)) < 0.05)
    }

    @Test("5.1 in Ogg Vorbis uses Vorbis order (L C R Ls Rs LFE): centre to both sides")
    func vorbisOrder() throws {
        let centre = try levels(channels: 6, channel: 1, format: .vorbis)
        #expect(abs(centre.l - centre.r) < 0.1)
        #expect(centre.l > -12 && centre.l < -8)
        let lfe = try levels(channels: 6, channel: 5, format: .vorbis)
        #expect(lfe.l < -50 && lfe.r < -50)
    }

    @Test("other counts: 0 left, 1 right, the rest spread evenly; rows normalised")
    func evenSpread() throws {
        let norm = 20 * log10(1 + 2 * 0.70710677)
        let l = try levels(channels: 4, channel: 0)
        #expect(abs(l.l - -norm) < 0.05 && l.r < -100)
        let back = try levels(channels: 4, channel: 3)
        #expect(abs(back.l - back.r) < 0.01 && abs(back.l - (20 * log10(0.70710677) - norm)) < 0.05)
        let three = try levels(channels: 3, channel: 2)
        #expect(abs(three.l - three.r) < 0.01 && abs(three.l - 20 * log10(0.70710677 / 1.70710677)) < 0.05)
    }

    @Test("a full-scale signal on every channel does not clip after downmix", arguments: [3, 4, 6, 8])
    func noClip(channels: Int) throws {
        let path = TestFiles.path(dir, "loud\(channels).wav")
        try TestAudio.sine(to: path, format: .wavFloat, frequency: 100, amplitude: 1.0, sampleRate: 48000,
                           channels: channels, seconds: 0.5)
        let s = try TrackStream(path: path, outputRate: 48000)
        let out = TestFiles.readAll(s)
        #expect(AudioAnalysis.peak(out) <= 1.0001)
        #expect(AudioAnalysis.peak(out) > 0.99)
    }

    @Test("a truncated file ends the stream early with what was decodable", arguments: [44100, 48000])
    func truncated(rate: Int) throws {
        let path = TestFiles.path(dir, "cut\(rate).flac")
        try TestAudio.musicLike(to: path, format: .flac, sampleRate: rate, seconds: 10)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try h.truncate(atOffset: UInt64(size / 2))
        try h.close()
        let s = try TrackStream(path: path, outputRate: 48000)
        let frames = TestFiles.readAll(s).count / 2
        #expect(frames > 3 * 48000 && frames < 7 * 48000, "\(frames)")
    }

    @Test("opening failures surface as AudioError")
    func openErrors() throws {
        let missing = TestFiles.path(dir, "nope.ogg")
        do {
            _ = try TrackStream(path: missing, outputRate: 48000)
            Issue.record("opened missing file")
        } catch {
            #expect(error == .cannotOpen(path: missing, reason: "No such file or directory"))
        }
    }
}
