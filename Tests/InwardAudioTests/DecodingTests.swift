@testable import InwardTestSupport
import Foundation
import InwardAudio
import Testing

@Suite("Decoding with AudioFile")
struct DecodingTests {
    let dir = TestAudio.temporaryDirectory("inward-decoding")

    @Test("libsndfile here can write every format the tests need", arguments: TestAudio.Format.allCases)
    func writerAvailable(_ format: TestAudio.Format) {
        #expect(TestAudio.canWrite(format, sampleRate: format.preferredRate, channels: 2))
    }

    @Test("each format decodes with the right rate, channels, length and pitch", arguments: TestAudio.Format.allCases)
    func decodesFormat(_ format: TestAudio.Format) throws {
        let rate = format.preferredRate
        let seconds = 2.0
        let expected = Int(seconds * Double(rate))
        let path = TestFiles.path(dir, "sine-\(format).\(format.fileExtension)")
        try TestAudio.sine(to: path, format: format, frequency: 1000, amplitude: 0.5,
                           sampleRate: rate, channels: 2, seconds: seconds)
        let file = try AudioFile(path: path)
        #expect(file.sampleRate == rate)
        #expect(file.channels == 2)
        let samples = TestFiles.readAll(file)
        #expect(file.error == nil)
        let frames = samples.count / 2
        // Lossless: exact. Lossy codecs may pad or trim up to a couple of
        // codec frames (MP3 1152, Opus/Vorbis up to 2048).
        let tolerance = format.isLossy ? 2 * 1152 : 0
        #expect(abs(frames - expected) <= tolerance, "\(format): \(frames) frames, expected \(expected)")
        if let known = file.knownFrames {
            #expect(abs(Int(known) - expected) <= tolerance)
        }
        let chans = WavReader.deinterleave(samples, channels: 2)
        let middle = Array(chans[0][(rate / 10)..<(frames - rate / 10)])
        let freq = try #require(AudioAnalysis.zeroCrossingFrequency(middle, sampleRate: rate))
        #expect(abs(freq - 1000) < 1, "\(format): \(freq) Hz")
        // 0.5 amplitude sine: -9.03 dBFS RMS.
        let db = AudioAnalysis.rmsDB(middle)
        #expect(abs(db - -9.03) < (format.isLossy ? 1.0 : 0.05), "\(format): \(db) dB")
        #expect(AudioAnalysis.rmsDB(chans[1][(rate / 10)..<(frames - rate / 10)]) > -10)
    }

    @Test("16-bit WAV decodes to exactly the samples written")
    func wavExact() throws {
        let path = TestFiles.path(dir, "exact.wav")
        try TestAudio.write(to: path, format: .wav16, sampleRate: 48000, channels: 1, frames: 1000) { i, _ in
            Float(i - 500) / 32768
        }
        let file = try AudioFile(path: path)
        let samples = TestFiles.readAll(file, block: 333)
        #expect(samples.count == 1000)
        #expect(samples.enumerated().allSatisfy { $0.element == Float($0.offset - 500) / 32768 })
        #expect(file.read(into: UnsafeMutablePointer<Float>.allocate(capacity: 10), frames: 10) == 0)
    }

    @Test("title and artist are read", arguments: [TestAudio.Format.wav16, .flac, .vorbis, .opus])
    func tags(_ format: TestAudio.Format) throws {
        let path = TestFiles.path(dir, "tagged-\(format).\(format.fileExtension)")
        try TestAudio.sine(to: path, format: format, frequency: 440, sampleRate: format.preferredRate,
                           channels: 2, seconds: 0.5, title: "Slow Tide", artist: "Inward Ensemble")
        let file = try AudioFile(path: path)
        #expect(file.title == "Slow Tide")
        #expect(file.artist == "Inward Ensemble")
    }

    @Test("untagged files have nil title and artist")
    func noTags() throws {
        let path = TestFiles.path(dir, "untagged.flac")
        try TestAudio.sine(to: path, format: .flac, frequency: 440, sampleRate: 44100, seconds: 0.2)
        let file = try AudioFile(path: path)
        #expect(file.title == nil)
        #expect(file.artist == nil)
    }

    @Test("random bytes named .flac: unsupported, with the path and a hint")
    func corrupt() throws {
        let path = TestFiles.path(dir, "noise.flac")
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<65536).map { _ in UInt8.random(in: 0...255, using: &rng) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        do {
            _ = try AudioFile(path: path)
            Issue.record("opened random bytes")
        } catch {
            guard case let .unsupported(p, reason) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(p == path)
            #expect(!reason.isEmpty)
            #expect(error.description.contains("'\(path)'"))
            #expect(error.description.contains("Inward reads WAV, FLAC, Ogg Vorbis, Opus and MP3"))
        }
    }

    @Test("a missing file: cannotOpen with the path and the system's reason")
    func missing() throws {
        let path = TestFiles.path(dir, "no-such-file.flac")
        do {
            _ = try AudioFile(path: path)
            Issue.record("opened a missing file")
        } catch {
            guard case let .cannotOpen(p, reason) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(p == path)
            #expect(reason.contains("No such file"))
            #expect(error.description.hasPrefix("cannot open '\(path)': No such file or directory."))
        }
    }

    @Test("a file truncated mid-stream ends early without crashing", arguments: [TestAudio.Format.flac, .wav16, .vorbis, .mp3])
    func truncated(_ format: TestAudio.Format) throws {
        let rate = format.preferredRate
        let path = TestFiles.path(dir, "cut-\(format).\(format.fileExtension)")
        try TestAudio.musicLike(to: path, format: format, sampleRate: rate, seconds: 10)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: UInt64(size * 4 / 10))
        try handle.close()
        let file = try AudioFile(path: path)
        let frames = TestFiles.readAll(file, block: 4096).count / 2
        #expect(frames > 2 * rate, "\(format): only \(frames) frames")
        #expect(frames < 6 * rate, "\(format): \(frames) frames from 40% of a 10 s file")
        // Reading on after the end stays at the end.
        var buf = [Float](repeating: 0, count: 64)
        #expect(buf.withUnsafeMutableBufferPointer { file.read(into: $0.baseAddress!, frames: 32) } == 0)
    }

    @Test("error descriptions say what, where and what to do")
    func descriptions() {
        let e = AudioError.decode(path: "/m/a.flac", reason: "Unspecified internal error")
        #expect(e.description.contains("'/m/a.flac'"))
        #expect(e.description.contains("Unspecified internal error."))
        let d = AudioError.device(name: "hw:9", operation: "write", reason: "Input/output error")
        #expect(d.description.contains("'hw:9'") && d.description.contains("write"))
        let f = AudioError.file(path: "/x/out.wav", reason: "Permission denied")
        #expect(f.description.contains("'/x/out.wav'") && f.description.contains("Permission denied."))
    }
}
