import CEbur128
import InwardCore

/// Measures a track as Inward plays it (decoded and mapped to stereo) with libebur128: integrated loudness (EBU R128, LUFS)
/// and sample peak. Reads the whole file: run it off the audio path.
public enum LoudnessMeter {
    public struct Measurement: Sendable, Equatable, Codable {
        /// Integrated loudness, LUFS; nil when the track is silent below the gate.
        public var lufs: Double?
        /// Sample peak, dBFS.
        public var peakDB: Double

        public init(lufs: Double?, peakDB: Double) {
            self.lufs = lufs
            self.peakDB = peakDB
        }

        /// The gain that brings it to `target` LUFS, dB.
        public func gainDB(target: Double) -> Double {
            LoudnessGain.gainDB(loudness: lufs, peakDB: peakDB, target: target)
        }
    }

    /// Loudness does not depend on the rate, so the track is measured at its
    /// own (mapped to stereo as it plays, but not resampled, which would cost
    /// more than the measuring).
    public static func measure(path: String) throws(AudioError) -> Measurement {
        let stream = try TrackStream(path: path, outputRate: nil)
        let ownRate = stream.outputRate
        guard let state = ebur128_init(UInt32(outputChannels), UInt(ownRate),
                                       Int32(EBUR128_MODE_I.rawValue | EBUR128_MODE_SAMPLE_PEAK.rawValue)) else {
            throw .unsupported(path: path, reason: "the loudness meter cannot measure \(ownRate) Hz")
        }
        var meter: UnsafeMutablePointer<ebur128_state>? = state
        defer { ebur128_destroy(&meter) }
        let block = 8192
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: block * outputChannels)
        defer { buffer.deallocate() }
        while true {
            let n = stream.read(into: buffer, frames: block)
            if n > 0 { _ = ebur128_add_frames_float(state, buffer, n) }
            if n < block { break }
        }
        if let error = stream.error { throw error }
        var lufs = 0.0
        let rc = ebur128_loudness_global(state, &lufs)
        var peak = 0.0
        for channel in 0..<UInt32(outputChannels) {
            var p = 0.0
            if ebur128_sample_peak(state, channel, &p) == Int32(EBUR128_SUCCESS.rawValue) { peak = max(peak, p) }
        }
        return Measurement(lufs: rc == Int32(EBUR128_SUCCESS.rawValue) && lufs.isFinite ? lufs : nil,
                           peakDB: Decibels.db(peak))
    }
}
