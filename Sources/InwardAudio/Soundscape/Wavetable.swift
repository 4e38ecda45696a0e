import Foundation

/// A single-cycle, band-limited wavetable (a few sine harmonics), read with a
/// 32-bit phase accumulator and linear interpolation. Immutable after init.
final class Wavetable {
    static let bits = 12
    static let size = 1 << bits
    static let fracBits = 32 - bits
    static let fracScale = Float(1.0 / Double(1 << fracBits))

    /// `size + 1` samples (the guard point repeats sample 0).
    let samples: UnsafeMutablePointer<Float>

    /// Harmonic amplitudes `amplitudes[k]` for harmonic k+1; normalised to the RMS
    /// of a unit sine (1/sqrt 2), so timbre (brightness) does not change loudness.
    init(amplitudes: [Double]) {
        let n = Wavetable.size
        samples = .allocate(capacity: n + 1)
        var power = 0.0
        var tmp = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let x = 2 * Double.pi * Double(i) / Double(n)
            var v = 0.0
            for (k, a) in amplitudes.enumerated() where a != 0 {
                v += a * sin(Double(k + 1) * x)
            }
            tmp[i] = v
            power += v * v
        }
        let rms = (power / Double(n)).squareRoot()
        let norm = rms > 0 ? 0.5.squareRoot() / rms : 0
        for i in 0..<n { samples[i] = Float(tmp[i] * norm) }
        samples[n] = samples[0]
    }

    deinit { samples.deallocate() }

    /// Phase increment for frequency `hz` at `sampleRate`.
    static func increment(hz: Double, sampleRate: Double) -> UInt32 {
        let cycles = min(max(hz / sampleRate, 0), 0.49)
        return UInt32(cycles * 4_294_967_296.0)
    }

    /// Harmonic amplitudes 1/n^tilt for `count` harmonics.
    static func tilted(count: Int, tilt: Double) -> [Double] {
        (1...count).map { 1 / pow(Double($0), tilt) }
    }
}

@inline(__always)
func wavetableRead(_ table: UnsafeMutablePointer<Float>, _ phase: UInt32) -> Float {
    let index = Int(phase >> UInt32(Wavetable.fracBits))
    let frac = Float(phase & ((1 << UInt32(Wavetable.fracBits)) - 1)) * Wavetable.fracScale
    let a = table[index]
    let b = table[index + 1]
    return a + (b - a) * frac
}
