import CSndfile
import Foundation

/// Writes audio files for tests with libsndfile's own encoders, so every
/// format Inward decodes can be produced without external tools.
enum TestAudio {
    /// A container/encoding pair libsndfile can write.
    enum Format: String, CaseIterable, Sendable, CustomStringConvertible {
        case wav16, wavFloat, flac, vorbis, opus, mp3

        var sndfileFormat: Int32 {
            switch self {
            case .wav16: return Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_16)
            case .wavFloat: return Int32(SF_FORMAT_WAV | SF_FORMAT_FLOAT)
            case .flac: return Int32(SF_FORMAT_FLAC | SF_FORMAT_PCM_16)
            case .vorbis: return Int32(SF_FORMAT_OGG | SF_FORMAT_VORBIS)
            case .opus: return Int32(SF_FORMAT_OGG | SF_FORMAT_OPUS)
            case .mp3: return Int32(SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III)
            }
        }

        var fileExtension: String {
            switch self {
            case .wav16, .wavFloat: return "wav"
            case .flac: return "flac"
            case .vorbis, .opus: return "ogg"
            case .mp3: return "mp3"
            }
        }

        /// Lossy codecs change samples and may pad or trim a little at the ends.
        var isLossy: Bool { [.vorbis, .opus, .mp3].contains(self) }

        /// Opus only runs at 48/24/16/12/8 kHz.
        var preferredRate: Int { self == .opus ? 48000 : 44100 }

        var description: String { rawValue }
    }

    struct WriteError: Error, CustomStringConvertible {
        let description: String
    }

    /// A fresh private directory under the system temp dir.
    /// Removed with everything in it when the test process exits (`TemporaryFolders`).
    static func temporaryDirectory(_ label: String = "inward-test") -> URL {
        var template = Array((NSTemporaryDirectory() + "/\(label)-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed: \(String(cString: strerror(errno)))")
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        TemporaryFolders.shared.add(path)
        return URL(fileURLWithPath: path)
    }

    /// Whether libsndfile can write `format` at `sampleRate` x `channels`.
    static func canWrite(_ format: Format, sampleRate: Int, channels: Int) -> Bool {
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = Int32(channels)
        info.format = format.sndfileFormat
        return sf_format_check(&info) == 1
    }

    /// Writes `frames` frames produced by `sample(frame, channel)` (nominally
    /// -1...1) and returns the path. Tags are written when the format has them.
    @discardableResult
    static func write(to path: String, format: Format, sampleRate: Int, channels: Int, frames: Int,
                      title: String? = nil, artist: String? = nil,
                      sample: (Int, Int) -> Float) throws -> String {
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = Int32(channels)
        info.format = format.sndfileFormat
        guard sf_format_check(&info) == 1 else {
            throw WriteError(description: "libsndfile cannot write \(format) at \(sampleRate) Hz x \(channels)")
        }
        guard let h = sf_open(path, Int32(SFM_WRITE), &info) else {
            throw WriteError(description: "sf_open(\(path)): \(String(cString: sf_strerror(nil)))")
        }
        if let title { sf_set_string(h, Int32(SF_STR_TITLE), title) }
        if let artist { sf_set_string(h, Int32(SF_STR_ARTIST), artist) }
        let block = 4096
        var buffer = [Float](repeating: 0, count: block * channels)
        var done = 0
        while done < frames {
            let n = min(block, frames - done)
            for i in 0..<n {
                for c in 0..<channels { buffer[i * channels + c] = sample(done + i, c) }
            }
            let wrote = sf_writef_float(h, buffer, sf_count_t(n))
            if wrote != n {
                let reason = String(cString: sf_strerror(h))
                sf_close(h)
                throw WriteError(description: "sf_writef_float(\(path)): \(reason)")
            }
            done += n
        }
        sf_close(h)
        return path
    }

    /// A sine of `frequency` Hz at `amplitude` on every channel (or only on
    /// `onlyChannel`, silence elsewhere).
    @discardableResult
    static func sine(to path: String, format: Format, frequency: Double, amplitude: Float = 0.5,
                     sampleRate: Int, channels: Int = 2, seconds: Double,
                     onlyChannel: Int? = nil, title: String? = nil, artist: String? = nil) throws -> String {
        let w = 2 * Double.pi * frequency / Double(sampleRate)
        return try write(to: path, format: format, sampleRate: sampleRate, channels: channels,
                         frames: Int(seconds * Double(sampleRate)), title: title, artist: artist) { i, c in
            if let only = onlyChannel, only != c { return 0 }
            return amplitude * Float(sin(w * Double(i)))
        }
    }

    /// Uniform white noise at `amplitude` (deterministic for a given seed).
    @discardableResult
    static func noise(to path: String, format: Format, amplitude: Float = 0.3, sampleRate: Int,
                      channels: Int = 2, seconds: Double, seed: UInt64 = 1) throws -> String {
        var state = seed | 1
        return try write(to: path, format: format, sampleRate: sampleRate, channels: channels,
                         frames: Int(seconds * Double(sampleRate))) { _, _ in
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return amplitude * (Float(state >> 40) / Float(1 << 23) - 1)
        }
    }

    /// Something music-like: a slowly changing chord of harmonics-rich notes
    /// with a little noise and a per-note envelope, different per channel.
    /// Exercises codecs and resamplers with realistic spectra.
    @discardableResult
    static func musicLike(to path: String, format: Format, sampleRate: Int, channels: Int = 2,
                          seconds: Double, level: Float = 0.25) throws -> String {
        let sr = Double(sampleRate)
        let notes: [[Double]] = [[220, 277.18, 329.63], [196, 246.94, 293.66], [174.61, 220, 261.63], [196, 246.94, 329.63]]
        var state: UInt64 = 0x1234_5678
        return try write(to: path, format: format, sampleRate: sampleRate, channels: channels,
                         frames: Int(seconds * sr)) { i, c in
            let t = Double(i) / sr
            let bar = Int(t / 2) % notes.count
            let inBar = t.truncatingRemainder(dividingBy: 2)
            let env = min(1, inBar * 20) * exp(-inBar * 0.8)
            var s = 0.0
            for (k, f) in notes[bar].enumerated() {
                let detune = 1 + 0.002 * Double(c)
                for h in 1...4 { s += sin(2 * .pi * f * detune * Double(h) * t + Double(k)) / Double(h * h) }
            }
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            let n = Double(state >> 40) / Double(1 << 23) - 1
            return level * Float(s / 5 * env + 0.02 * n)
        }
    }
}
