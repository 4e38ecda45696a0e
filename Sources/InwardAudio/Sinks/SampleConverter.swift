/// Float -> integer sample conversion shared by the sinks.
///
/// S16 gets TPDF dither of +-1 LSB (the difference of two uniform values taken
/// from one xorshift32 draw) before rounding; S32 is scaled and clipped
/// without dither (float has only 24 bits of precision anyway). Both map
/// -1.0 to the most negative code and clip anything beyond full scale; NaN
/// becomes silence. Scale is 2^15 / 2^31, the convention libsndfile and ALSA
/// use, so integer -> float -> integer round trips are exact.
struct SampleConverter {
    private var state: UInt32 = 0x9E37_79B9

    @inline(__always)
    private mutating func next() -> UInt32 {
        var x = state
        x ^= x << 13
        x ^= x >> 17
        x ^= x << 5
        state = x
        return x
    }

    /// Eight independent xorshift32 lanes for the vector path.
    private var lanes = SIMD8<UInt32>(0x9E37_79B9, 0x85EB_CA6B, 0xC2B2_AE35, 0x27D4_EB2F,
                                      0x1656_67B1, 0xD3A2_646C, 0xFD70_46C5, 0xB55A_4F09)

    /// Converts `count` samples to dithered, clipped signed 16-bit. Eight
    /// samples at a time, each lane with its own generator, so the loop runs
    /// in vector registers.
    mutating func toS16(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Int16>, count: Int) {
        let scale = SIMD8<Float>(repeating: 32768)
        let lsb = SIMD8<Float>(repeating: 1.0 / 65536)
        let low = SIMD8<Float>(repeating: -32768), high = SIMD8<Float>(repeating: 32767)
        // Adding 1.5 * 2^23 leaves round(v) in the low mantissa bits (round
        // to nearest even, in the FPU's own rounding): an integer conversion
        // with no per-lane call.
        let magic = SIMD8<Float>(repeating: 12_582_912)
        var x = lanes
        var i = 0
        while i + 8 <= count {
            x ^= x &<< 13
            x ^= x &>> 17
            x ^= x &<< 5
            let dither = (SIMD8<Float>(x & 0xFFFF) - SIMD8<Float>(x &>> 16)) * lsb
            var v = UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self) * scale + dither
            v.replace(with: 0, where: v .!= v)   // NaN becomes silence
            v.replace(with: low, where: v .< low)
            v.replace(with: high, where: v .> high)
            let n = unsafeBitCast(v + magic, to: SIMD8<Int32>.self) &- 0x4B40_0000
            UnsafeMutableRawPointer(dst + i).storeBytes(of: SIMD8<Int16>(truncatingIfNeeded: n), as: SIMD8<Int16>.self)
            i += 8
        }
        lanes = x
        while i < count {
            let r = next()
            let dither = (Float(r & 0xFFFF) - Float(r >> 16)) * (1.0 / 65536)
            var v = src[i] * 32768 + dither
            if v.isNaN { v = 0 }
            v = (v < -32768) ? -32768 : ((v > 32767) ? 32767 : v)
            dst[i] = Int16(truncatingIfNeeded: Int32(v + 32768.5) - 32768)
            i += 1
        }
    }

    /// Converts `count` samples to clipped signed 32-bit (no dither).
    static func toS32(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Int32>, count: Int) {
        for i in 0..<count {
            var v = Double(src[i]) * 2_147_483_648.0
            if v.isNaN { v = 0 }
            v = (v < -2_147_483_648.0) ? -2_147_483_648.0 : ((v > 2_147_483_647.0) ? 2_147_483_647.0 : v)
            dst[i] = Int32(v.rounded(.toNearestOrEven))
        }
    }
}
