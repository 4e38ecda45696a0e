#if canImport(Glibc)
import Glibc
#endif

/// Decibels to linear gain and back.
public enum Decibels {
    @inline(__always)
    public static func gain(_ db: Double) -> Double { db <= -120 ? 0 : pow(10, db / 20) }

    @inline(__always)
    public static func db(_ gain: Double) -> Double { gain <= 1e-6 ? -120 : 20 * log10(gain) }
}
