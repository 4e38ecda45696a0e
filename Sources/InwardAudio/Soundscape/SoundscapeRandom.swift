/// SplitMix64: a tiny, fast, well-mixed generator. Control-rate decisions
/// (pitches, durations, pans) draw from it, so a seed fixes the whole piece.
struct SoundscapeRandom {
    private var state: UInt64

    init(seed: UInt64, stream: UInt64) {
        state = seed ^ (stream &* 0xD1B5_4A32_D192_ED03)
        _ = next()
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in 0..<1.
    mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform in a..<b.
    mutating func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * unit() }

    /// Uniform integer in 0..<n (n > 0).
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    /// A 32-bit non-zero seed for an audio-rate xorshift generator.
    mutating func seed32() -> UInt32 {
        let v = UInt32(truncatingIfNeeded: next() >> 17)
        return v == 0 ? 0x1234_5678 : v
    }
}
