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

    /// A quick estimate of a track's loudness that errs loud (so the gain it
    /// gives errs quiet): the loudest of `windows` short stretches spread over
    /// the track (its start, then evenly to its end), each measured like the
    /// whole; the peak is the highest seen. Reads about `windows * seconds`
    /// of audio however long the track is, so a session can begin on an
    /// hour-long track at once and glide to the full measurement later.
    public static func estimate(path: String, windows: Int = 6, seconds: Double = 3) throws(AudioError) -> Measurement {
        let first = try TrackStream(path: path, outputRate: nil)
        let rate = first.outputRate
        let span = Int(seconds * Double(rate))
        let total = first.durationFrames ?? Int64(span)
        var loudest: Double?
        var peak = 0.0
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: span * outputChannels)
        defer { buffer.deallocate() }
        let count = total > Int64(span) * Int64(windows) ? max(1, windows) : 1
        for k in 0..<count {
            let start = count == 1 ? 0 : Int64(Double(total - Int64(span)) * Double(k) / Double(count - 1))
            let stream = k == 0 ? first : try TrackStream(path: path, outputRate: nil, startFrame: start)
            guard let state = ebur128_init(UInt32(outputChannels), UInt(rate),
                                           Int32(EBUR128_MODE_I.rawValue | EBUR128_MODE_SAMPLE_PEAK.rawValue)) else {
                throw .unsupported(path: path, reason: "the loudness meter cannot measure \(rate) Hz")
            }
            var meter: UnsafeMutablePointer<ebur128_state>? = state
            defer { ebur128_destroy(&meter) }
            var got = 0
            while got < span {
                let n = stream.read(into: buffer, frames: span - got)
                if n == 0 { break }
                _ = ebur128_add_frames_float(state, buffer, n)
                got += n
            }
            var lufs = 0.0
            if ebur128_loudness_global(state, &lufs) == Int32(EBUR128_SUCCESS.rawValue), lufs.isFinite {
                loudest = max(loudest ?? lufs, lufs)
            }
            for channel in 0..<UInt32(outputChannels) {
                var p = 0.0
                if ebur128_sample_peak(state, channel, &p) == Int32(EBUR128_SUCCESS.rawValue) { peak = max(peak, p) }
            }
        }
        return Measurement(lufs: loudest, peakDB: Decibels.db(peak))
    }
}
