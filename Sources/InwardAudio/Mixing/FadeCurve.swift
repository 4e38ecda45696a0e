#if canImport(Glibc)
import Glibc
#endif

/// The gain curves every fade in Inward follows.
///
/// Fades to and from silence, phase transitions and track crossfades all use
/// the equal-power (quarter-sine) law: two uncorrelated sources crossfading
/// with `fadeIn(p)` and `fadeOut(p)` keep their summed power constant, since
/// sin² + cos² = 1. Changes between two audible levels move linearly in dB,
/// which the ear hears as an even glide.
public enum FadeCurve {
    /// Gain of a source fading in, at progress `p` in 0...1.
    @inline(__always)
    public static func fadeIn(_ p: Double) -> Double {
        let q = min(max(p, 0), 1)
        return sin(q * Double.pi / 2)
    }

    /// Gain of a source fading out, at progress `p` in 0...1.
    @inline(__always)
    public static func fadeOut(_ p: Double) -> Double {
        let q = min(max(p, 0), 1)
        return cos(q * Double.pi / 2)
    }

    /// Gain at progress `p` of a move from `from` to `to` (linear gains):
    /// equal-power when either end is silence, linear in dB otherwise.
    public static func gain(from: Double, to: Double, progress p: Double) -> Double {
        let q = min(max(p, 0), 1)
        if from == to { return to }
        if to <= 0 { return from * fadeOut(q) }
        if from <= 0 { return to * fadeIn(q) }
        return from * pow(to / from, q)
    }
}
