import Foundation

/// Distant wind/surf: decorrelated L/R pink noise (Kellet's economy filter on
/// xorshift white noise) through a gentle 12 dB/oct state-variable low-pass
/// whose cutoff (set per block by the caller) drifts slowly.
struct NoiseBed {
    private var rngL: UInt32
    private var rngR: UInt32
    private var l0: Float = 0, l1: Float = 0, l2: Float = 0
    private var r0: Float = 0, r1: Float = 0, r2: Float = 0
    private var sL1: Float = 0, sL2: Float = 0
    private var sR1: Float = 0, sR2: Float = 0
    private var a1: Float = 1, a2: Float = 0, a3: Float = 0
    // A one-pole after the SVF (at 1.5 times its cutoff) darkens the far top end.
    private var top: Float = 1
    private var tL: Float = 0, tR: Float = 0
    // A one-pole high-pass (~70 Hz) keeps rumble and slow drift out of the bed.
    private var hp: Float = 0.01
    private var hL: Float = 0, hR: Float = 0
    private let damping: Float = 1.5   // 1/Q: no resonance
    private var gain: Float = 0

    init(seedL: UInt32, seedR: UInt32) {
        rngL = seedL
        rngR = seedR
    }

    /// Sets the low-pass cutoff and the output gain for the next block.
    mutating func configure(cutoffHz: Double, sampleRate: Double, gain: Float) {
        let fc = min(max(cutoffHz, 20), 0.45 * sampleRate)
        let g = tan(Double.pi * fc / sampleRate)
        let k = Double(damping)
        let b1 = 1 / (1 + g * (g + k))
        a1 = Float(b1)
        a2 = Float(g * b1)
        a3 = Float(g * g * b1)
        hp = Float(1 - exp(-2 * Double.pi * 70 / sampleRate))
        top = Float(1 - exp(-2 * Double.pi * min(1.5 * fc, 0.45 * sampleRate) / sampleRate))
        self.gain = gain
    }

    @inline(__always)
    private static func white(_ s: inout UInt32) -> Float {
        s ^= s << 13
        s ^= s >> 17
        s ^= s << 5
        // Uniform in -1..<1.
        return Float(Int32(bitPattern: s)) * (1.0 / 2_147_483_648.0)
    }

    /// Adds one block of filtered noise into the buses, ramping from the previous
    /// gain (`fromGain`) to the configured one.
    mutating func render(fromGain: Float, left: UnsafeMutablePointer<Float>,
                         right: UnsafeMutablePointer<Float>, frames: Int) {
        var g = fromGain
        let dg = (gain - fromGain) / Float(frames)
        let c1 = a1, c2 = a2, c3 = a3, c4 = top, c5 = hp
        for i in 0..<frames {
            g += dg
            let wl = NoiseBed.white(&rngL)
            l0 = 0.99765 * l0 + wl * 0.0990460
            l1 = 0.96300 * l1 + wl * 0.2965164
            l2 = 0.57000 * l2 + wl * 1.0526913
            let pl = l0 + l1 + l2 + wl * 0.1848
            let wr = NoiseBed.white(&rngR)
            r0 = 0.99765 * r0 + wr * 0.0990460
            r1 = 0.96300 * r1 + wr * 0.2965164
            r2 = 0.57000 * r2 + wr * 1.0526913
            let pr = r0 + r1 + r2 + wr * 0.1848

            let v3l = pl - sL2
            let v1l = c1 * sL1 + c2 * v3l
            let v2l = sL2 + c2 * sL1 + c3 * v3l
            sL1 = 2 * v1l - sL1
            sL2 = 2 * v2l - sL2
            let v3r = pr - sR2
            let v1r = c1 * sR1 + c2 * v3r
            let v2r = sR2 + c2 * sR1 + c3 * v3r
            sR1 = 2 * v1r - sR1
            sR2 = 2 * v2r - sR2

            tL += c4 * (v2l - tL)
            tR += c4 * (v2r - tR)
            hL += c5 * (tL - hL)
            hR += c5 * (tR - hR)
            // Partly shared between channels (correlation about 0.6): a wide
            // but not hollow image.
            let nl = tL - hL, nr = tR - hR
            left[i] += (0.9 * nl + 0.3 * nr) * g
            right[i] += (0.9 * nr + 0.3 * nl) * g
        }
    }

    var currentGain: Float { gain }
}
