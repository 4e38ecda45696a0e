import CSoxr

/// A stereo resampler whose ratio can be changed while it streams (libsoxr's
/// variable-rate mode, `SOXR_VR`): it keeps a second sound card in step with
/// the first by playing a few hundred ppm faster or slower (`DriftController`
/// chooses the ratio).
///
/// The ratio is input frames per output frame; a change glides over
/// `slewFrames` output frames inside soxr, so the pitch never steps.
///
/// Not thread-safe: one caller, the output's audio thread. `process` does
/// not allocate (soxr allocates its buffers in `init` and on the first calls,
/// which `init` makes by priming it with silence).
public final class VariableRateResampler {
    public let channels = 2
    /// Largest ratio soxr is set up for (and smallest, its inverse).
    public static let maxRatio = 1.01
    /// Output frames over which a ratio change glides.
    public static let slewFrames = 4800
    public private(set) var ratio = 1.0
    private let soxr: soxr_t
    /// Output frames of filter delay that `soxr_delay` does not count in
    /// variable-rate mode, measured once in `init` with a click.
    private let hiddenDelay: Double

    /// - Throws: `AudioError.resampler` when soxr refuses the setup.
    public init() throws(AudioError) {
        soxr = try Self.make()
        hiddenDelay = Self.calibrate()
    }

    private static func make() throws(AudioError) -> soxr_t {
        var error: soxr_error_t?
        var io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I)
        var q = soxr_quality_spec(UInt(SOXR_MQ), UInt(SOXR_VR))
        var rt = soxr_runtime_spec(1)
        let s = soxr_create(Self.maxRatio, 1, 2, &error, &io, &q, &rt)
        if let error {
            if let s { soxr_delete(s) }
            throw .resampler(from: 0, to: 0, reason: "variable-rate mode: " + String(cString: error))
        }
        guard let s else { throw .resampler(from: 0, to: 0, reason: "variable-rate mode: soxr_create returned nothing") }
        if let error = soxr_set_io_ratio(s, 1, 0) {
            soxr_delete(s)
            throw .resampler(from: 0, to: 0, reason: "variable-rate mode: " + String(cString: error))
        }
        return s
    }

    /// Plays a click through a resampler set up like this one and returns
    /// how many output frames later it came out than `soxr_delay` accounts for.
    private static func calibrate() -> Double {
        guard let s = try? make() else { return 0 }
        defer { soxr_delete(s) }
        let block = 1024, click = 2048 + 100
        let input = UnsafeMutablePointer<Float>.allocate(capacity: 2 * block)
        let output = UnsafeMutablePointer<Float>.allocate(capacity: 4 * block)
        defer { input.deallocate(); output.deallocate() }
        var fed = 0, produced = 0
        var clickOut: Int?
        while fed < 16 * block {
            input.update(repeating: 0, count: 2 * block)
            if click >= fed && click < fed + block { input[2 * (click - fed)] = 1 }
            var idone = 0, odone = 0
            _ = soxr_process(s, input, block, &idone, output, 2 * block, &odone)
            fed += idone
            if clickOut == nil, let k = (0..<odone).first(where: { output[2 * $0] > 0.5 }) { clickOut = produced + k }
            produced += odone
            if let c = clickOut, produced > c + 2 * block {
                // At ratio 1 the click plays at input frame fed - (delay + frames after it).
                return Double(fed) - (soxr_delay(s) + Double(produced - c)) - Double(click)
            }
        }
        return 0
    }

    deinit { soxr_delete(soxr) }

    /// Sets the ratio (clamped to 1/`maxRatio` ... `maxRatio`); it glides there.
    public func setRatio(_ r: Double) {
        let clamped = min(Self.maxRatio, max(1 / Self.maxRatio, r))
        guard clamped != ratio else { return }
        ratio = clamped
        _ = soxr_set_io_ratio(soxr, clamped, Self.slewFrames)
    }

    /// Output frames between the last input frame given and the next output
    /// frame: soxr's buffered frames and its filter's delay. The input frame
    /// an output frame plays is `fed - (delayFrames + frames after it) * ratio`.
    public var delayFrames: Double { soxr_delay(soxr) + hiddenDelay }

    /// Output room that lets `process` take a whole block of `inputFrames`:
    /// soxr takes at most `outputCapacity * ratio` input frames in a call
    /// (rounded up), and the ratio is at least 1/`maxRatio`.
    public static func outputCapacity(inputFrames: Int) -> Int {
        Int((Double(inputFrames) * maxRatio).rounded(.up)) + 64
    }

    /// Converts up to `inputFrames` frames and writes up to `outputCapacity`;
    /// input not consumed must be offered again. With at least
    /// `outputCapacity(inputFrames:)` of room, it consumes the whole input.
    public func process(input: UnsafePointer<Float>, inputFrames: Int,
                        output: UnsafeMutablePointer<Float>, outputCapacity: Int) -> (consumed: Int, produced: Int) {
        var idone = 0
        var odone = 0
        _ = soxr_process(soxr, input, inputFrames, &idone, output, outputCapacity, &odone)
        return (idone, odone)
    }
}
