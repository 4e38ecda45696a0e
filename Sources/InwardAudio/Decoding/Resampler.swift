import CSoxr

/// Streaming sample-rate converter (libsoxr), interleaved `Float`.
///
/// Latency: libsoxr buffers input internally for its filter, so early calls
/// to `process` produce fewer frames than `inputFrames * outputRate /
/// inputRate` (the first call may produce none) and the difference is held
/// inside. soxr compensates the filter's group delay, so the output is aligned
/// with the input (no leading silence) and, once the stream is flushed by
/// calling `process(input: nil, ...)` until it produces 0 frames, the total
/// output is `inputFrames * outputRate / inputRate` within a frame or two.
/// Callers that stop before flushing lose the tail (a few ms, more at `.high`).
///
/// Not thread-safe. The C state is freed on deinit.
public final class Resampler {
    /// Speed/quality trade-off, mapped to soxr's recipes. The names are
    /// soxr's and MPD's (`samplerate_converter "soxr high"`), so a room's
    /// config reads like MPD's.
    public enum Quality: Sendable, CaseIterable {
        /// `SOXR_QQ`: cubic interpolation, lowest cost, audible aliasing.
        case quick
        /// `SOXR_LQ`: 16-bit quality, narrow passband.
        case low
        /// `SOXR_MQ`: 16-bit quality, wide passband.
        case medium
        /// `SOXR_HQ`: 20-bit quality. A room's default (`roomDefault`).
        case high
        /// `SOXR_VHQ`: 28-bit quality.
        case veryHigh

        var recipe: UInt {
            switch self {
            case .quick: return UInt(SOXR_QQ)
            case .low: return UInt(SOXR_LQ)
            case .medium: return UInt(SOXR_MQ)
            case .high: return UInt(SOXR_HQ)
            case .veryHigh: return UInt(SOXR_VHQ)
            }
        }

        /// The name a config file or an option gives: "quick", "low",
        /// "medium", "high" or "very high", as in MPD.
        public var name: String {
            switch self {
            case .quick: return "quick"
            case .low: return "low"
            case .medium: return "medium"
            case .high: return "high"
            case .veryHigh: return "very high"
            }
        }

        /// The quality called `name` (see `name`), or nil.
        public init?(name: String) {
            guard let q = Self.allCases.first(where: { $0.name == name }) else { return nil }
            self = q
        }

        /// What a room plays at unless its config says otherwise, and what
        /// `inward render` previews with: 20-bit quality, above what 16-bit
        /// sources hold, for hours of music at a cost a small fanless box
        /// does not notice (docs/daemon.md gives the figures).
        public static let roomDefault = Quality.high

        /// The names, best last, for error messages: `"quick", "low", ...`.
        public static var names: String { allCases.map { "\"\($0.name)\"" }.joined(separator: ", ") }
    }

    public let inputRate: Int
    public let outputRate: Int
    public let channels: Int
    public let quality: Quality
    private let soxr: soxr_t

    /// - Throws: `AudioError.resampler` when soxr refuses
    ///   the rates or channel count.
    public init(inputRate: Int, outputRate: Int, channels: Int, quality: Quality = .medium) throws(AudioError) {
        self.inputRate = inputRate
        self.outputRate = outputRate
        self.channels = channels
        self.quality = quality
        guard inputRate > 0, outputRate > 0, channels > 0 else {
            throw .resampler(from: inputRate, to: outputRate, reason: "invalid rates or \(channels) channels")
        }
        var error: soxr_error_t?
        var io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I)
        var q = soxr_quality_spec(quality.recipe, 0)
        var rt = soxr_runtime_spec(1)
        let s = soxr_create(Double(inputRate), Double(outputRate), UInt32(channels), &error, &io, &q, &rt)
        if let error {
            if let s { soxr_delete(s) }
            throw .resampler(from: inputRate, to: outputRate, reason: String(cString: error))
        }
        guard let s else {
            throw .resampler(from: inputRate, to: outputRate, reason: "soxr_create returned nothing")
        }
        soxr = s
    }

    deinit { soxr_delete(soxr) }

    /// Input frames soxr is offered per call. soxr copies what it is offered
    /// into a FIFO of its own that keeps its largest size: 4096 stereo frames
    /// (a decoder's block) grow it by ~100 kB per track playing, 1024 by
    /// ~25 kB, at the same CPU (scripts/bench-vs-mpd's cost program).
    public static let maxInputBlock = 1024

    /// Converts up to `inputFrames` frames (at most `maxInputBlock` per call)
    /// from `input` and writes up to `outputCapacity` frames to `output`.
    ///
    /// Pass `input: nil` (and any `inputFrames`) to signal the end of the
    /// stream; keep calling with nil until `produced` is 0 to get the whole
    /// tail. Input not consumed (`consumed < inputFrames`) must be offered
    /// again. Does not allocate.
    public func process(input: UnsafePointer<Float>?, inputFrames: Int,
                        output: UnsafeMutablePointer<Float>, outputCapacity: Int) -> (consumed: Int, produced: Int) {
        var idone = 0
        var odone = 0
        if let input {
            _ = soxr_process(soxr, input, min(inputFrames, Self.maxInputBlock), &idone, output, outputCapacity, &odone)
        } else {
            _ = soxr_process(soxr, nil, 0, nil, output, outputCapacity, &odone)
        }
        return (idone, odone)
    }
}
