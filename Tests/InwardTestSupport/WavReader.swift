import CSndfile
import Foundation

/// Decoded audio held in memory, one `[Float]` per channel.
struct DecodedAudio {
    var sampleRate: Int
    var channels: [[Float]]
    /// libsndfile's major/sub format of the file it came from.
    var format: Int32

    var frameCount: Int { channels.first?.count ?? 0 }
    var seconds: Double { Double(frameCount) / Double(sampleRate) }
}

/// Reads any file libsndfile reads (WAV captured by ALSA's file plugin, test
/// files...) fully into memory, independently of Inward's own decoder.
enum WavReader {
    struct ReadError: Error, CustomStringConvertible { let description: String }

    static func read(_ path: String) throws -> DecodedAudio {
        var info = SF_INFO()
        guard let h = sf_open(path, Int32(SFM_READ), &info) else {
            throw ReadError(description: "sf_open(\(path)): \(String(cString: sf_strerror(nil)))")
        }
        defer { sf_close(h) }
        let ch = Int(info.channels)
        var chans = [[Float]](repeating: [], count: ch)
        let block = 8192
        var buf = [Float](repeating: 0, count: block * ch)
        while true {
            let n = Int(sf_readf_float(h, &buf, sf_count_t(block)))
            if n <= 0 { break }
            for c in 0..<ch {
                chans[c].reserveCapacity(chans[c].count + n)
                for i in 0..<n { chans[c].append(buf[i * ch + c]) }
            }
        }
        return DecodedAudio(sampleRate: Int(info.samplerate), channels: chans, format: info.format)
    }

    /// Splits interleaved samples into channels.
    static func deinterleave(_ samples: [Float], channels: Int) -> [[Float]] {
        (0..<channels).map { c in stride(from: c, to: samples.count, by: channels).map { samples[$0] } }
    }
}

/// Measurements on sample arrays, for assertions about levels and pitch.
enum AudioAnalysis {
    /// Root mean square (linear) of `x` or a slice of it.
    static func rms<C: Collection>(_ x: C) -> Double where C.Element == Float {
        guard !x.isEmpty else { return 0 }
        var sum = 0.0
        for v in x { sum += Double(v) * Double(v) }
        return (sum / Double(x.count)).squareRoot()
    }

    /// RMS in dBFS (a full-scale sine is -3.01 dB); -infinity for silence.
    static func rmsDB<C: Collection>(_ x: C) -> Double where C.Element == Float {
        20 * log10(rms(x))
    }

    /// RMS in dBFS of `window` samples centred on `frame` (clamped to `x`).
    static func rmsDB(_ x: [Float], around frame: Int, window: Int = 2400) -> Double {
        let a = max(0, min(x.count, frame - window / 2)), b = min(x.count, a + window)
        return rmsDB(x[a..<b])
    }

    /// RMS in dBFS over consecutive windows of `window` samples.
    static func windowedRMSDB(_ x: [Float], window: Int) -> [Double] {
        stride(from: 0, to: x.count - window + 1, by: window).map { rmsDB(x[$0..<($0 + window)]) }
    }

    /// Largest absolute sample.
    static func peak<C: Collection>(_ x: C) -> Float where C.Element == Float {
        x.reduce(0) { max($0, abs($1)) }
    }

    /// Largest absolute difference between neighbouring samples (clicks and
    /// discontinuities show up here).
    static func maxStep(_ x: [Float]) -> Float { largestStep(x).step }

    /// The largest sample-to-sample change and the index of the sample after it.
    static func largestStep(_ x: [Float]) -> (step: Float, at: Int) {
        guard x.count > 1 else { return (0, 0) }
        var m: Float = 0, at = 0
        for i in 1..<x.count where abs(x[i] - x[i - 1]) > m {
            m = abs(x[i] - x[i - 1])
            at = i
        }
        return (m, at)
    }

    /// Frequency of a (mostly) pure tone from its rising zero crossings,
    /// interpolated to sub-sample precision; accurate to well under 0.1 Hz over
    /// a second or more of a clean sine. Nil if fewer than two crossings.
    static func zeroCrossingFrequency(_ x: [Float], sampleRate: Int) -> Double? {
        var first: Double?
        var last = 0.0
        var count = 0
        for i in 1..<x.count where x[i - 1] < 0 && x[i] >= 0 {
            let t = Double(i - 1) + Double(-x[i - 1]) / Double(x[i] - x[i - 1])
            if first == nil { first = t } else { count += 1 }
            last = t
        }
        guard let first, count > 0, last > first else { return nil }
        return Double(count) * Double(sampleRate) / (last - first)
    }

    /// Power of `x` at `frequency` (Goertzel), as an RMS-like linear amplitude:
    /// a sine of amplitude A at that frequency gives about A / sqrt(2).
    static func goertzel(_ x: [Float], frequency: Double, sampleRate: Int) -> Double {
        let w = 2 * Double.pi * frequency / Double(sampleRate)
        let coeff = 2 * cos(w)
        var s1 = 0.0, s2 = 0.0
        for v in x {
            let s = Double(v) + coeff * s1 - s2
            s2 = s1
            s1 = s
        }
        let power = s1 * s1 + s2 * s2 - coeff * s1 * s2
        return (power.squareRoot() / Double(x.count)) * 2.0.squareRoot()
    }
}
