import CEbur128

/// What the room heard, as EBU R128 short-term loudness (libebur128, LUFS):
/// one value per 10-second interval of the session clock, gathered a minute
/// at a time.
///
/// A value is the short-term loudness (R128's 3-second window) centred in
/// its interval: the frames from 3.5 s to 6.5 s into it, after 0.5 s that
/// only settle the K-weighting filter. The other 6.5 s of each interval are
/// never filtered, so measuring costs about a third of filtering everything,
/// and gives the value a meter fed every frame shows at 6.5 s (the same to
/// 0.0001 LU on varying noise: the filter forgets within milliseconds, and
/// the window holds nothing older).
///
/// A value is nil when the window was below R128's absolute gate (-70 LUFS:
/// silence) or was not heard whole (before the first frame or after the
/// last, or across a gap in the frames given).
///
/// Threading: not thread-safe; one thread (the daemon's meter thread, or a
/// test) calls `add` and `finish`. Allocates only when a minute is handed
/// out: never call it on the audio thread.
public final class HeardLoudness {
    /// Ten seconds between values.
    public static let intervalSeconds = 10
    /// Values per minute (one `Minute`, one log event).
    public static let intervalsPerMinute = 60 / intervalSeconds
    /// R128's absolute gate, LUFS: quieter counts as silence.
    public static let gateLUFS = -70.0

    /// One minute's values.
    public struct Minute: Sendable, Equatable {
        /// The session frame where the first value's interval begins.
        public var frame: Int64
        /// One value per interval, in order, LUFS; nil where nothing was measured.
        public var lufs: [Double?]

        public init(frame: Int64, lufs: [Double?]) {
            self.frame = frame
            self.lufs = lufs
        }
    }

    public let sampleRate: Int
    private let interval: Int64
    /// Where feeding begins and the window ends, frames into an interval.
    private let feedFrom: Int64
    private let windowEnd: Int64
    private var meter: UnsafeMutablePointer<ebur128_state>?

    /// The frame after the last one given (nil before the first).
    private var expected: Int64?
    /// The first frame of the run without a gap that ends at `expected`.
    private var contiguousSince: Int64 = 0
    /// The interval being heard, and whether its value is taken.
    private var current: Int64?
    private var taken = false
    private var value: Double?
    /// The minute being gathered: its first interval and its values so far.
    private var minuteFirst: Int64 = 0
    private var values: [Double?] = []

    /// Nil when libebur128 cannot measure at `sampleRate`.
    public init?(sampleRate: Int) {
        guard let state = ebur128_init(UInt32(outputChannels), UInt(sampleRate), Int32(EBUR128_MODE_S.rawValue)) else { return nil }
        meter = state
        self.sampleRate = sampleRate
        interval = Int64(Self.intervalSeconds * sampleRate)
        let window = Int64(3 * sampleRate), settle = Int64(sampleRate / 2)
        feedFrom = (interval - window) / 2 - settle
        windowEnd = (interval + window) / 2
        values.reserveCapacity(Self.intervalsPerMinute)
    }

    deinit { ebur128_destroy(&meter) }

    /// Takes `count` interleaved stereo frames heard from session frame
    /// `frame` on; returns the minutes completed by them (usually none).
    public func add(_ frames: UnsafePointer<Float>, count: Int, at frame: Int64) -> [Minute] {
        var out: [Minute] = []
        var start = frame, end = frame + Int64(count)
        if end <= 0 { return out }
        if start < 0 { start = 0 }   // the limiter's priming, before the session's first frame
        if expected != start { contiguousSince = start }
        expected = end
        while start < end {
            let k = start / interval
            if k != current { open(k, into: &out) }
            let base = k * interval
            let segmentEnd = min(end, base + interval)
            let a = max(start, base + feedFrom), b = min(segmentEnd, base + windowEnd)
            if a < b, let meter {
                _ = ebur128_add_frames_float(meter, frames + 2 * Int(a - frame), Int(b - a))
            }
            if !taken && segmentEnd >= base + windowEnd {
                taken = true
                value = contiguousSince <= base + feedFrom ? shortTerm() : nil
            }
            start = segmentEnd
        }
        return out
    }

    /// The frames have ended: returns the last minute. The interval being
    /// heard is in it only when its window was heard: the device's last
    /// period, past the session's end, adds no value.
    public func finish() -> [Minute] {
        var out: [Minute] = []
        if current != nil {
            if taken { close() }
            if !values.isEmpty { out.append(Minute(frame: minuteFirst * interval, lufs: values)) }
        }
        current = nil
        values = []
        expected = nil
        return out
    }

    /// Closes the interval being heard and opens interval `k`, handing out
    /// the minute when `k` begins another.
    private func open(_ k: Int64, into out: inout [Minute]) {
        let perMinute = Int64(Self.intervalsPerMinute)
        if let c = current {
            close()
            if k / perMinute != c / perMinute {
                out.append(Minute(frame: minuteFirst * interval, lufs: values))
                values.removeAll(keepingCapacity: true)
            } else {
                // Intervals skipped over (a gap) within the minute keep their places.
                for _ in stride(from: c + 1, to: k, by: 1) { values.append(nil) }
            }
        }
        if values.isEmpty { minuteFirst = k }
        current = k
        taken = false
        value = nil
    }

    private func close() { values.append(taken ? value : nil) }

    private func shortTerm() -> Double? {
        var lufs = -Double.infinity
        guard let meter, ebur128_loudness_shortterm(meter, &lufs) == Int32(EBUR128_SUCCESS.rawValue),
              lufs.isFinite, lufs >= Self.gateLUFS else { return nil }
        return lufs
    }
}
