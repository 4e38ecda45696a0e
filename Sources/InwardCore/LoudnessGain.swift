/// The gain that brings a track to a plan's loudness target (EBU R128
/// integrated loudness, the measure ReplayGain 2 uses), so a quiet track
/// after a loud one does not make the room jump.
///
/// The gain never lifts the track's sample peak above full scale (the
/// limiter after the mix would otherwise have to squash it), and stays within
/// `range`: a near-silent track is not pulled up by 40 dB.
public enum LoudnessGain {
    public static let range: ClosedRange<Double> = -24 ... 12

    /// - Parameters:
    ///   - loudness: the track's integrated loudness, LUFS; nil when it is
    ///     silent below the measurement's gate (it then gets 0 dB).
    ///   - peakDB: its sample peak, dBFS.
    ///   - target: the plan's `loudness_target`, LUFS.
    /// - Returns: the gain in dB.
    public static func gainDB(loudness: Double?, peakDB: Double, target: Double) -> Double {
        guard let loudness, loudness.isFinite else { return 0 }
        var gain = target - loudness
        if peakDB.isFinite { gain = min(gain, max(0, -peakDB)) }
        return min(max(gain, range.lowerBound), range.upperBound)
    }
}
