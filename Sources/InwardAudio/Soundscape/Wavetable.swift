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

/// Adds `frames` samples of `table`, read from `phase` on by `increment`, into
/// `out`, scaled by a gain ramp: frame i gets `gain + (i + 1) * step` (a ramp
/// that ends on the block's target). Four frames at a time in SIMD lanes; only
/// the table reads stay scalar. Returns the phase after the last frame.
@inline(__always)
func wavetableAccumulate(_ table: UnsafeMutablePointer<Float>, phase: UInt32, increment: UInt32,
                         gain: Float, step: Float, into out: UnsafeMutablePointer<Float>, frames: Int) -> UInt32 {
    var p = SIMD4<UInt32>(repeating: phase) &+ SIMD4<UInt32>(0, 1, 2, 3) &* increment
    let advance = increment &* 4
    var g = SIMD4<Float>(repeating: gain) + SIMD4<Float>(1, 2, 3, 4) * step
    let gainAdvance = 4 * step
    let mask = (UInt32(1) << UInt32(Wavetable.fracBits)) - 1
    let shift = UInt32(Wavetable.fracBits)
    var i = 0
    while i + 4 <= frames {
        let index = p &>> shift
        let frac = SIMD4<Float>(SIMD4<Int32>(truncatingIfNeeded: p & mask)) * Wavetable.fracScale
        let i0 = Int(index[0]), i1 = Int(index[1]), i2 = Int(index[2]), i3 = Int(index[3])
        let a = SIMD4<Float>(table[i0], table[i1], table[i2], table[i3])
        let b = SIMD4<Float>(table[i0 + 1], table[i1 + 1], table[i2 + 1], table[i3 + 1])
        let sum = UnsafeRawPointer(out + i).loadUnaligned(as: SIMD4<Float>.self) + (a + (b - a) * frac) * g
        UnsafeMutableRawPointer(out + i).storeBytes(of: sum, as: SIMD4<Float>.self)
        p &+= advance
        g += gainAdvance
        i += 4
    }
    var ph = p[0]
    while i < frames {
        out[i] += wavetableRead(table, ph) * (gain + Float(i + 1) * step)
        ph &+= increment
        i += 1
    }
    return phase &+ increment &* UInt32(truncatingIfNeeded: frames)
}
