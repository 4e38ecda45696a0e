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

    /// Converts `count` samples to dithered, clipped signed 16-bit.
    mutating func toS16(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Int16>, count: Int) {
        let scale: Float = 32768
        let lsb: Float = 1.0 / 65536
        for i in 0..<count {
            let r = next()
            let dither = (Float(r & 0xFFFF) - Float(r >> 16)) * lsb
            var v = src[i] * scale + dither
            if v.isNaN { v = 0 }
            v = (v < -32768) ? -32768 : ((v > 32767) ? 32767 : v)
            dst[i] = Int16(v.rounded(.toNearestOrEven))
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
