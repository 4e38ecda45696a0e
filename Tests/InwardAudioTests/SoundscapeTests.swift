@testable import InwardTestSupport
import Foundation
import InwardAudio
import InwardCore
import Testing

/// Rendering and measuring helpers for the soundscape tests.
enum SoundscapeProbe {
    static let rate = 48_000

    /// Renders `seconds` of interleaved stereo, reading in `chunk`-frame pieces.
    static func render(_ parameters: SoundscapeParameters, seconds: Double, chunk: Int = 1024,
                       rate: Int = rate) -> [Float] {
        let source = Soundscape(parameters: parameters, sampleRate: rate)
        let total = Int(seconds * Double(rate))
        var out = [Float](repeating: .nan, count: 2 * total)
        out.withUnsafeMutableBufferPointer { buffer in
            var done = 0
            while done < total {
                let n = min(chunk, total - done)
                let got = source.read(into: buffer.baseAddress! + 2 * done, frames: n)
                precondition(got == n, "an endless source must fill every read")
                done += n
            }
        }
        return out
    }

    static func channel(_ x: [Float], _ c: Int) -> [Float] {
        stride(from: c, to: x.count, by: 2).map { x[$0] }
    }

    static func mono(_ x: [Float]) -> [Float] {
        stride(from: 0, to: x.count, by: 2).map { 0.5 * (x[$0] + x[$0 + 1]) }
    }

    static func rmsDB(_ x: [Float]) -> Double {
        var s = 0.0
        for v in x { s += Double(v) * Double(v) }
        return 10 * log10(max(s / Double(max(x.count, 1)), 1e-30))
    }

    static func peakDB(_ x: [Float]) -> Double {
        20 * log10(Double(x.reduce(0) { max($0, abs($1)) }) + 1e-30)
    }

    /// Largest |x[n] - x[n-1]| within either channel.
    static func maxStep(_ x: [Float]) -> Float {
        var m: Float = 0
        var i = 2
        while i < x.count {
            m = max(m, abs(x[i] - x[i - 2]), abs(x[i + 1] - x[i - 1]))
            i += 2
        }
        return m
    }

    /// RMS frequency (Hz) of a signal: sqrt(E[dx^2] / E[x^2]) * rate / 2pi,
    /// a crude spectral centroid.
    static func rmsFrequency(_ x: [Float]) -> Double {
        var e = 0.0, d = 0.0
        for i in 1..<x.count {
            e += Double(x[i]) * Double(x[i])
            let dx = Double(x[i] - x[i - 1])
            d += dx * dx
        }
        return (d / e).squareRoot() * Double(rate) / (2 * .pi)
    }

    /// Energy at `hz` (Goertzel over consecutive 1 s windows, summed), so slight
    /// detuning still lands in the ~1 Hz wide bin.
    static func energy(_ x: [Float], at hz: Double) -> Double {
        let w = rate
        let coeff = 2 * cos(2 * .pi * hz / Double(rate))
        var total = 0.0
        var start = 0
        while start + w <= x.count {
            var s1 = 0.0, s2 = 0.0
            for i in start..<(start + w) {
                let s0 = Double(x[i]) + coeff * s1 - s2
                s2 = s1
                s1 = s0
            }
            total += s1 * s1 + s2 * s2 - coeff * s1 * s2
            start += w
        }
        return total
    }

    /// Strongest spectral line of the amplitude envelope between 0.5 and 4 Hz,
    /// relative to the median of its neighbouring bins (within 0.15 Hz, so broad
    /// humps of the random envelope do not count, only lines). The envelope is the signal
    /// power smoothed by a 200 ms Hann window every 50 ms (smooth enough that cross
    /// terms of partials tens of Hz apart do not alias into the band), in dB,
    /// detrended by a 4 s moving average and Hann-windowed. A bed without pulse or
    /// beating gives values typical of noise (under ~20); a tremolo or a steady
    /// beat between close partials gives a sharp line (a 5% tremolo: 40...600).
    static func beatStrength(_ mono: [Float]) -> Double {
        let sub = rate / 100   // 10 ms power blocks
        var blockPower: [Double] = []
        var i = 0
        while i + sub <= mono.count {
            var s = 0.0
            for j in i..<(i + sub) { s += Double(mono[j]) * Double(mono[j]) }
            blockPower.append(s / Double(sub))
            i += sub
        }
        let taps = 20
        let hann = (0..<taps).map { 0.5 - 0.5 * cos(2 * Double.pi * (Double($0) + 0.5) / Double(taps)) }
        let norm = hann.reduce(0, +)
        var env: [Double] = []
        var k = 0
        while k + taps <= blockPower.count {
            var e = 0.0
            for j in 0..<taps { e += hann[j] * blockPower[k + j] }
            env.append(10 * log10(e / norm + 1e-12))
            k += 5
        }
        let half = 40
        guard env.count > 2 * half + 200 else { return 0 }
        var resid: [Double] = []
        for k in half..<(env.count - half) {
            var m = 0.0
            for j in (k - half)...(k + half) { m += env[j] }
            resid.append(env[k] - m / Double(2 * half + 1))
        }
        let n = resid.count
        for k in 0..<n { resid[k] *= 0.5 - 0.5 * cos(2 * .pi * Double(k) / Double(n - 1)) }
        let duration = Double(n) / 20   // seconds; bin spacing is 1/duration Hz
        func power(_ bin: Int) -> Double {
            var re = 0.0, im = 0.0
            let omega = 2 * Double.pi * Double(bin) / Double(n)
            for k in 0..<n {
                re += resid[k] * cos(omega * Double(k))
                im -= resid[k] * sin(omega * Double(k))
            }
            return re * re + im * im
        }
        let lo = Int((0.5 * duration).rounded()), hi = Int((4 * duration).rounded())
        let span = max(5, Int((0.15 * duration).rounded()))
        var spectrum: [Int: Double] = [:]
        for bin in max(1, lo - span)...(hi + span) { spectrum[bin] = power(bin) }
        var best = 0.0
        for bin in lo...hi {
            var neighbours: [Double] = []
            for j in (bin - span)...(bin + span) where abs(j - bin) > 2 {
                if let p = spectrum[j] { neighbours.append(p) }
            }
            neighbours.sort()
            let median = neighbours[neighbours.count / 2]
            best = max(best, spectrum[bin]! / max(median, 1e-30))
        }
        return best
    }

    static func hz(root: Int, octave: Int, semitones: Int, ratio: Double) -> Double {
        let midi = 12 * (octave + 1) + root
        return 440 * pow(2, Double(midi - 69) / 12) * ratio * pow(2, Double(semitones / 12))
    }
}

/// Shared 60 s renders (computed once, used by several tests).
enum SoundscapeRenders {
    static let seconds = 60.0
    static let quiet = SoundscapeParameters(intensity: 0, brightness: 0.5, root: 2, scale: .major, seed: 11)
    static let dense = SoundscapeParameters(intensity: 1, brightness: 0.5, root: 2, scale: .major, seed: 11)
    static let dark = SoundscapeParameters(intensity: 0.5, brightness: 0, root: 2, scale: .major, seed: 5)
    static let bright = SoundscapeParameters(intensity: 0.5, brightness: 1, root: 2, scale: .major, seed: 5)
    static let loudest = SoundscapeParameters(intensity: 1, brightness: 1, root: 9, scale: .pentatonic, seed: 3)
    static let minor = SoundscapeParameters(intensity: 0.5, brightness: 0.5, root: 2, scale: .minor, seed: 5)
    static let mid = SoundscapeParameters(intensity: 0.5, brightness: 0.5, root: 2, scale: .major, seed: 5)

    static let quietAudio = SoundscapeProbe.render(quiet, seconds: seconds)
    static let denseAudio = SoundscapeProbe.render(dense, seconds: seconds)
    static let darkAudio = SoundscapeProbe.render(dark, seconds: seconds)
    static let brightAudio = SoundscapeProbe.render(bright, seconds: seconds)
    static let loudestAudio = SoundscapeProbe.render(loudest, seconds: seconds)
    static let fallbackAudio = SoundscapeProbe.render(.fallback, seconds: seconds)
    static let minorAudio = SoundscapeProbe.render(minor, seconds: seconds)
    static let midAudio = SoundscapeProbe.render(mid, seconds: seconds)

    static var all: [(String, [Float])] {
        [("quiet", quietAudio), ("dense", denseAudio), ("dark", darkAudio), ("bright", brightAudio),
         ("loudest", loudestAudio), ("fallback", fallbackAudio)]
    }
}

@Suite("Soundscape")
struct SoundscapeTests {
    @Test func readAlwaysFillsTheRequest() {
        let s = Soundscape(parameters: .fallback, sampleRate: 44_100)
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: 2 * 5000)
        defer { buffer.deallocate() }
        for n in [0, 1, 63, 64, 65, 4999, 5000] {
            #expect(s.read(into: buffer, frames: n) == n)
        }
        for i in 0..<(2 * 5000) { #expect(buffer[i].isFinite) }
    }

    @Test func sameSeedIsBitIdenticalAndOtherSeedDiffers() {
        let p = SoundscapeParameters(intensity: 0.6, brightness: 0.4, root: 7, scale: .dorian, seed: 42)
        let a = SoundscapeProbe.render(p, seconds: 8)
        let b = SoundscapeProbe.render(p, seconds: 8)
        #expect(a == b)
        var q = p
        q.seed = 43
        let c = SoundscapeProbe.render(q, seconds: 8)
        #expect(a != c)
        // Not merely a tiny difference: the pieces diverge audibly.
        let diff = zip(a, c).map { $0 - $1 }
        #expect(SoundscapeProbe.rmsDB(diff) > SoundscapeProbe.rmsDB(a) - 10)
    }

    @Test(arguments: [1, 37, 64, 441, 4096])
    func chunkingDoesNotChangeTheOutput(chunk: Int) {
        let p = SoundscapeParameters(intensity: 0.8, brightness: 0.7, root: 5, scale: .lydian, seed: 9)
        let reference = SoundscapeProbe.render(p, seconds: 6, chunk: 1000)
        let chunked = SoundscapeProbe.render(p, seconds: 6, chunk: chunk)
        #expect(reference == chunked)
    }

    @Test func startsFromSilenceWithoutAClick() {
        let x = SoundscapeRenders.fallbackAudio
        #expect(abs(x[0]) < 1e-4 && abs(x[1]) < 1e-4)
        // The first 10 ms stay essentially silent; level rises over seconds.
        #expect(x[0..<960].allSatisfy { abs($0) < 1e-3 })
        let firstHalfSecond = Array(x[0..<48_000])
        let later = Array(x[(20 * 96_000)..<(21 * 96_000)])
        #expect(SoundscapeProbe.rmsDB(firstHalfSecond) < SoundscapeProbe.rmsDB(later) - 6)
    }

    @Test func longTermLevelIsAboutMinus20dBFSAndPeaksStayBelowMinus3() {
        for (name, x) in SoundscapeRenders.all {
            let rms = SoundscapeProbe.rmsDB(x)
            let peak = SoundscapeProbe.peakDB(x)
            #expect(rms > -23 && rms < -17, "\(name): RMS \(rms) dBFS")
            #expect(peak <= -3, "\(name): peak \(peak) dBFS")
        }
    }

    @Test func noSampleStepsOrClicks() {
        for (name, x) in SoundscapeRenders.all {
            let step = SoundscapeProbe.maxStep(x)
            #expect(step < 0.05, "\(name): max step \(step)")
        }
    }

    @Test func brightnessRaisesTheSpectralCentroid() {
        let dark = SoundscapeProbe.rmsFrequency(SoundscapeProbe.mono(SoundscapeRenders.darkAudio))
        let bright = SoundscapeProbe.rmsFrequency(SoundscapeProbe.mono(SoundscapeRenders.brightAudio))
        #expect(bright > 1.3 * dark, "dark \(dark) Hz, bright \(bright) Hz")
    }

    @Test func intensityRaisesLevelAndDensity() {
        let quiet = SoundscapeRenders.quietAudio
        let dense = SoundscapeRenders.denseAudio
        let rq = SoundscapeProbe.rmsDB(quiet)
        let rd = SoundscapeProbe.rmsDB(dense)
        #expect(rd > rq + 1, "quiet \(rq) dB, dense \(rd) dB")
        // Density: more distinct pitches sound over the minute. Count the just
        // pitches of D (octaves 3...5; including the comma variants chord-relative
        // tuning uses) within 30 dB of the strongest one.
        func distinctPitches(_ x: [Float]) -> Int {
            let m = Array(SoundscapeProbe.mono(x)[(10 * 48_000)...])
            let ratios: [Double] = [1, 1.125, 10.0 / 9, 1.2, 1.25, 4.0 / 3, 1.35, 1.5,
                                    1.6, 5.0 / 3, 1.6875, 1.8, 16.0 / 9, 1.875]
            var energies: [Double] = []
            for octave in 3...5 {
                for r in ratios {
                    energies.append(SoundscapeProbe.energy(m, at: SoundscapeProbe.hz(root: 2, octave: octave, semitones: 0, ratio: r)))
                }
            }
            let strongest = energies.max() ?? 0
            return energies.filter { $0 > strongest * 1e-3 }.count
        }
        let pq = distinctPitches(quiet), pd = distinctPitches(dense)
        #expect(pd > pq + 3, "distinct pitches quiet \(pq), dense \(pd)")
    }

    @Test func pitchContentMatchesTheKey() {
        // D major: D and A (root and fifth) against the semitone above each (D#, A#).
        let m = SoundscapeProbe.mono(SoundscapeRenders.midAudio)
        var inKey = 0.0, offKey = 0.0
        for octave in 2...4 {
            inKey += SoundscapeProbe.energy(m, at: SoundscapeProbe.hz(root: 2, octave: octave, semitones: 0, ratio: 1))
            inKey += SoundscapeProbe.energy(m, at: SoundscapeProbe.hz(root: 2, octave: octave, semitones: 0, ratio: 1.5))
            offKey += SoundscapeProbe.energy(m, at: SoundscapeProbe.hz(root: 3, octave: octave, semitones: 0, ratio: 1))
            offKey += SoundscapeProbe.energy(m, at: SoundscapeProbe.hz(root: 3, octave: octave, semitones: 0, ratio: 1.5))
        }
        #expect(inKey > 100 * offKey, "in key \(inKey), off key \(offKey)")
    }

    @Test func scaleDecidesTheThird() {
        func thirds(_ x: [Float]) -> (major: Double, minor: Double) {
            let m = SoundscapeProbe.mono(x)
            var major = 0.0, minor = 0.0
            for octave in 3...5 {
                major += SoundscapeProbe.energy(m, at: SoundscapeProbe.hz(root: 2, octave: octave, semitones: 0, ratio: 5.0 / 4))
                minor += SoundscapeProbe.energy(m, at: SoundscapeProbe.hz(root: 2, octave: octave, semitones: 0, ratio: 6.0 / 5))
            }
            return (major, minor)
        }
        let inMajor = thirds(SoundscapeRenders.midAudio)
        let inMinor = thirds(SoundscapeRenders.minorAudio)
        #expect(inMajor.major > 10 * inMajor.minor, "D major: \(inMajor)")
        #expect(inMinor.minor > 10 * inMinor.major, "D minor: \(inMinor)")
    }

    @Test func beatDetectorFlagsATremolo() {
        // The detector itself must be able to fail: a gentle 1.3 Hz, 10% tremolo
        // on the same bed is flagged.
        let m = Array(SoundscapeProbe.mono(SoundscapeRenders.fallbackAudio)[(10 * 48_000)...])
        let pulsed = m.enumerated().map { i, v in
            v * Float(1 + 0.1 * sin(2 * Double.pi * 1.3 * Double(i) / 48_000))
        }
        let strength = SoundscapeProbe.beatStrength(pulsed)
        #expect(strength > 100, "tremolo line \(strength)")
    }

    @Test func noBeatsOrPulse() {
        for (name, x) in SoundscapeRenders.all {
            let m = Array(SoundscapeProbe.mono(x)[(10 * 48_000)...])
            let strength = SoundscapeProbe.beatStrength(m)
            #expect(strength < 30, "\(name): envelope periodicity \(strength)")
        }
    }

    @Test func stereoChannelsDiffer() {
        let x = SoundscapeRenders.fallbackAudio
        let l = SoundscapeProbe.channel(x, 0), r = SoundscapeProbe.channel(x, 1)
        var lr = 0.0, ll = 0.0, rr = 0.0
        for i in (10 * 48_000)..<l.count {
            lr += Double(l[i]) * Double(r[i])
            ll += Double(l[i]) * Double(l[i])
            rr += Double(r[i]) * Double(r[i])
        }
        let correlation = lr / (ll * rr).squareRoot()
        #expect(l != r)
        #expect(correlation < 0.9, "L/R correlation \(correlation)")
        #expect(correlation > 0, "channels should not be out of phase: \(correlation)")
    }
}
