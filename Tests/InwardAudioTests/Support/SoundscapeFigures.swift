import CEbur128
import Foundation

/// What a soundscape render sounds like, in numbers that survive a change of
/// implementation but not a change of sound: the spectrum in 1/3-octave bands
/// (of the mid signal, and the side-to-mid ratio for the stereo image), the
/// integrated loudness and the short-term loudness range (EBU R128, libebur128),
/// RMS and sample peak.
struct SoundscapeFigures: Codable, Equatable {
    /// Centre frequencies (Hz) of the 1/3-octave bands, 31.5 Hz ... 16 kHz.
    static let bandCentres: [Double] = (-15...12).map { 1000 * pow(2, Double($0) / 3) }

    /// Mean power of the mid signal (L+R)/2 in each band, dB re full-scale sine... (dBFS power).
    var bandsDB: [Double]
    /// Side (L-R)/2 power over mid power, dB: how wide the image is.
    var sideToMidDB: Double
    /// Integrated loudness, LUFS.
    var loudnessLUFS: Double
    /// Loudness range (short-term, EBU Tech 3342), LU.
    var loudnessRangeLU: Double
    var rmsDB: Double
    var peakDB: Double

    /// Measures interleaved stereo at `rate`.
    static func measure(_ x: [Float], rate: Int) -> SoundscapeFigures {
        let frames = x.count / 2
        var sumSq = 0.0, peak: Float = 0, midSq = 0.0, sideSq = 0.0
        for i in 0..<frames {
            let l = Double(x[2 * i]), r = Double(x[2 * i + 1])
            sumSq += l * l + r * r
            peak = max(peak, abs(x[2 * i]), abs(x[2 * i + 1]))
            let m = 0.5 * (l + r), s = 0.5 * (l - r)
            midSq += m * m
            sideSq += s * s
        }
        let bands = bandLevels(x, rate: rate)

        var state = ebur128_init(2, UInt(rate), Int32(EBUR128_MODE_I.rawValue | EBUR128_MODE_LRA.rawValue))
        defer { ebur128_destroy(&state) }
        x.withUnsafeBufferPointer { _ = ebur128_add_frames_float(state, $0.baseAddress, frames) }
        var lufs = -Double.infinity, lra = 0.0
        _ = ebur128_loudness_global(state, &lufs)
        _ = ebur128_loudness_range(state, &lra)

        return SoundscapeFigures(
            bandsDB: bands, sideToMidDB: 10 * log10(max(sideSq, 1e-30) / max(midSq, 1e-30)),
            loudnessLUFS: lufs, loudnessRangeLU: lra,
            rmsDB: 10 * log10(max(sumSq / Double(2 * max(frames, 1)), 1e-30)),
            peakDB: 20 * log10(Double(peak) + 1e-30))
    }

    /// Welch power spectrum of the mid signal (Hann, 8192 points, no overlap:
    /// the render is long enough), summed into 1/3-octave bands.
    static func bandLevels(_ x: [Float], rate: Int) -> [Double] {
        let n = 8192
        let frames = x.count / 2
        var window = [Double](repeating: 0, count: n)
        var windowPower = 0.0
        for i in 0..<n {
            window[i] = 0.5 - 0.5 * cos(2 * Double.pi * Double(i) / Double(n))
            windowPower += window[i] * window[i]
        }
        var power = [Double](repeating: 0, count: n / 2 + 1)
        var re = [Double](repeating: 0, count: n), im = [Double](repeating: 0, count: n)
        var segments = 0
        var start = 0
        while start + n <= frames {
            for i in 0..<n {
                re[i] = 0.5 * (Double(x[2 * (start + i)]) + Double(x[2 * (start + i) + 1])) * window[i]
                im[i] = 0
            }
            fft(&re, &im)
            for k in 0...(n / 2) { power[k] += re[k] * re[k] + im[k] * im[k] }
            segments += 1
            start += n
        }
        // Parseval: sum over all n bins / (n * windowPower) is the mean square;
        // bins 1..<n/2 count twice (negative frequencies).
        let scale = 1 / (Double(max(segments, 1)) * Double(n) * windowPower)
        let binHz = Double(rate) / Double(n)
        return bandCentres.map { fc in
            let lo = fc * pow(2, -1.0 / 6), hi = fc * pow(2, 1.0 / 6)
            var sum = 0.0
            for k in 1..<(n / 2) {
                let f = Double(k) * binHz
                if f >= lo && f < hi { sum += 2 * power[k] }
            }
            return 10 * log10(max(sum * scale, 1e-30))
        }
    }

    /// In-place iterative radix-2 complex FFT; `re.count` is a power of two.
    static func fft(_ re: inout [Double], _ im: inout [Double]) {
        let n = re.count
        var j = 0
        for i in 1..<n {
            var bit = n >> 1
            while j & bit != 0 { j ^= bit; bit >>= 1 }
            j |= bit
            if i < j { re.swapAt(i, j); im.swapAt(i, j) }
        }
        var len = 2
        while len <= n {
            let angle = -2 * Double.pi / Double(len)
            let wr = cos(angle), wi = sin(angle)
            var i = 0
            while i < n {
                var cr = 1.0, ci = 0.0
                for k in 0..<(len / 2) {
                    let a = i + k, b = a + len / 2
                    let tr = re[b] * cr - im[b] * ci
                    let ti = re[b] * ci + im[b] * cr
                    re[b] = re[a] - tr; im[b] = im[a] - ti
                    re[a] += tr; im[a] += ti
                    let nr = cr * wr - ci * wi
                    ci = cr * wi + ci * wr
                    cr = nr
                }
                i += len
            }
            len <<= 1
        }
    }
}
