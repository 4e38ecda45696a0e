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
    // SVF state update s' = M s + in x, output v2 = o1 s1 + o2 s2 + o3 x (see `configure`).
    private var m11: Float = 1, m12: Float = 0, m21: Float = 0, m22: Float = 1
    private var in1: Float = 0, in2: Float = 0
    private var o1: Float = 0, o2: Float = 1, o3: Float = 0
    private var hpRate = 0.0
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
        let a1 = b1, a2 = g * b1, a3 = g * g * b1
        // The trapezoidal SVF (v3 = x - s2; v1 = a1 s1 + a2 v3; v2 = s2 + a2 s1 + a3 v3;
        // s1' = 2 v1 - s1; s2' = 2 v2 - s2) written as its state update, so
        // each state waits on one multiply-add per sample instead of five
        // dependent operations: the loop is bound by that chain.
        m11 = Float(2 * a1 - 1); m12 = Float(-2 * a2); in1 = Float(2 * a2)
        m21 = Float(2 * a2); m22 = Float(1 - 2 * a3); in2 = Float(2 * a3)
        o1 = Float(a2); o2 = Float(1 - a3); o3 = Float(a3)
        if sampleRate != hpRate {
            hpRate = sampleRate
            hp = Float(1 - exp(-2 * Double.pi * 70 / sampleRate))
        }
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
        let m11 = self.m11, m12 = self.m12, m21 = self.m21, m22 = self.m22
        let in1 = self.in1, in2 = self.in2, o1 = self.o1, o2 = self.o2, o3 = self.o3
        let c4 = top, k4 = 1 - top, c5 = hp, k5 = 1 - hp
        // The state lives in locals for the loop: stores through `left` and
        // `right` could alias `self`, which would make every update a memory
        // round trip.
        var rngL = self.rngL, rngR = self.rngR
        var l0 = self.l0, l1 = self.l1, l2 = self.l2
        var r0 = self.r0, r1 = self.r1, r2 = self.r2
        var sL1 = self.sL1, sL2 = self.sL2, sR1 = self.sR1, sR2 = self.sR2
        var tL = self.tL, tR = self.tR, hL = self.hL, hR = self.hR
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

            let v2l = o1 * sL1 + o2 * sL2 + o3 * pl
            (sL1, sL2) = (m11 * sL1 + m12 * sL2 + in1 * pl, m21 * sL1 + m22 * sL2 + in2 * pl)
            let v2r = o1 * sR1 + o2 * sR2 + o3 * pr
            (sR1, sR2) = (m11 * sR1 + m12 * sR2 + in1 * pr, m21 * sR1 + m22 * sR2 + in2 * pr)

            tL = k4 * tL + c4 * v2l
            tR = k4 * tR + c4 * v2r
            hL = k5 * hL + c5 * tL
            hR = k5 * hR + c5 * tR
            // Partly shared between channels (correlation about 0.6): a wide
            // but not hollow image.
            let nl = tL - hL, nr = tR - hR
            left[i] += (0.9 * nl + 0.3 * nr) * g
            right[i] += (0.9 * nr + 0.3 * nl) * g
        }
        self.rngL = rngL; self.rngR = rngR
        self.l0 = l0; self.l1 = l1; self.l2 = l2
        self.r0 = r0; self.r1 = r1; self.r2 = r2
        self.sL1 = sL1; self.sL2 = sL2; self.sR1 = sR1; self.sR2 = sR2
        self.tL = tL; self.tR = tR; self.hL = hL; self.hR = hR
    }

    var currentGain: Float { gain }
}
