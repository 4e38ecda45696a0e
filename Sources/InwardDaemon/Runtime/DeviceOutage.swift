public import InwardAudio

/// The rules of a sound device lost mid-session and found again: how often
/// it is retried, and how the music comes back (a fade-in, never a jump).
/// Pure: no clock, no I/O; the runtime's threads pass the times in.
public enum DeviceOutage {
    /// Seconds between attempts to open the device again.
    public static let retryInterval = 1.0
    /// Seconds over which the music fades in once the device is back.
    public static let fadeInSeconds = 3.0

    /// When the next attempt to open the device is due: one interval after
    /// the last began, or now when that is already past (a slow open does not
    /// queue up attempts).
    public static func nextAttempt(lastStarted: Double, now: Double) -> Double {
        max(now, lastStarted + retryInterval)
    }

    /// Gain of frame `frame` (0 = the first frame written to the device found
    /// again) of a fade-in `frames` long: the equal-power curve every fade in
    /// Inward follows, 1 from `frames` on.
    @inline(__always)
    public static func fadeInGain(frame: Int, of frames: Int) -> Float {
        guard frames > 0, frame < frames else { return 1 }
        return Float(FadeCurve.fadeIn(Double(max(0, frame)) / Double(frames)))
    }
}
