#if canImport(Glibc)
import Glibc
#endif

/// The speed limit on every level change the room hears from a control
/// (volume, resume after pause or silence, calm and back, a resumed session).
///
/// Within 40 dB of its target (and above -40 dB) a rise is at most 3 dB per
/// second, so a volume from -60 to +3 dB takes at least 14 s for its last
/// 43 dB; below that a rise is gentle but quicker (a straight line to the
/// threshold over at least `quietRiseSeconds`), since nobody hears it. A fall
/// is at most 12 dB per second, except the fades that are meant to go down
/// (pause, silence, stop), which keep their own curves.
///
/// `OutputStage` runs every control gain through one of these, so no control
/// can bypass it. A value type with no allocation: safe on the audio thread.
public struct LevelSpeedLimit: Sendable {
    /// Largest rise within the bounded zone, dB per second.
    public static let riseDBPerSecond = 3.0
    /// Largest fall (other than pause, silence and stop), dB per second.
    public static let fallDBPerSecond = 12.0
    /// How far below its target (and below this absolute level) a rise is not bounded by `riseDBPerSecond`.
    public static let boundedBelowTargetDB = 40.0
    /// Shortest climb from silence to the bounded zone, seconds.
    public static let quietRiseSeconds = 0.25

    /// The gain applied now.
    public private(set) var applied: Double
    private let sampleRate: Double

    public init(gain: Double, sampleRate: Int) {
        applied = gain
        self.sampleRate = Double(max(1, sampleRate))
    }

    /// Drops the applied gain to silence at once: only while nothing is heard
    /// (a resumed session before its first frame).
    public mutating func startSilent() { applied = 0 }

    /// Moves the applied gain towards `requested` over `frames` frames and
    /// returns it. `target` is where the controls are heading (the bounded
    /// zone is measured from it).
    /// - Parameter exemptFall: the factor by which the fades meant to go down
    ///   (pause, silence, stop) fell over these frames (1 when they did not):
    ///   a fall may go that much faster than the bound.
    public mutating func advance(towards requested: Double, target: Double, frames: Int, exemptFall: Double) -> Double {
        let seconds = Double(frames) / sampleRate
        let a = applied
        if requested > a {
            let threshold = min(max(requested, target) * Self.zoneGain, Self.zoneGain)
            let bounded = a * pow(10, Self.riseDBPerSecond * seconds / 20)
            if a >= threshold {
                applied = min(requested, bounded)
            } else {
                let quiet = a + threshold * seconds / Self.quietRiseSeconds
                applied = min(requested, max(bounded, min(quiet, threshold * pow(10, Self.riseDBPerSecond * seconds / 20))))
            }
        } else if requested < a {
            let floor = a * pow(10, -Self.fallDBPerSecond * seconds / 20) * min(1, max(0, exemptFall))
            applied = max(requested, floor)
        }
        return applied
    }

    private static let zoneGain = pow(10, -boundedBelowTargetDB / 20)
}
