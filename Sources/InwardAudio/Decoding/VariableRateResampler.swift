import CSoxr

/// A stereo resampler whose ratio can be changed while it streams (libsoxr's
/// variable-rate mode, `SOXR_VR`): it keeps a second sound card in step with
/// the first by playing a few hundred ppm faster or slower (`DriftController`
/// chooses the ratio).
///
/// The ratio is input frames per output frame; a change glides over
/// `slewFrames` output frames inside soxr, so the pitch never steps.
///
/// Two stages, both soxr: the variable-rate stage runs at `ratio * lift`
/// (`lift` is 0.2 %), always above 1, and a fixed-ratio stage after it
/// raises the rate by `lift` again. soxr's variable-rate mode costs more than twice
/// as much below a ratio of 1 as above it (48 kHz stereo, 2048-frame blocks,
/// medium quality: 0.50 % of a core at 0.9997 against 0.22 % at 1.0003), and
/// an output after the first runs on either side of 1 as the two crystals
/// go; the fixed stage costs less than the difference (both stages: 0.27 %
/// on either side of 1). docs/outputs.md gives the figures.
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
    /// The variable-rate stage runs at `ratio * lift`, above 1 for any ratio
    /// the drift controller sets (within 0.1 % of 1); the fixed stage makes
    /// up for it.
    public static let lift = 1.002
    /// Frames the variable-rate stage hands the fixed one in one go (larger inputs go in pieces).
    static let maxBlock = 8192
    public private(set) var ratio = 1.0
    private let stages: Stages
    /// Output frames of filter delay that `soxr_delay` does not count in
    /// variable-rate mode, measured once in `init` with a click.
    private let hiddenDelay: Double

    /// - Throws: `AudioError.resampler` when soxr refuses the setup.
    public init() throws(AudioError) {
        stages = try Stages()
        hiddenDelay = Self.calibrate()
    }

    /// The two soxr stages and the frames between them.
    private final class Stages {
        let fixed: soxr_t
        let variable: soxr_t
        /// Frames the variable-rate stage gave and the fixed one has not taken yet.
        let middle: UnsafeMutablePointer<Float>
        let middleCapacity = VariableRateResampler.maxBlock
        var middleFrames = 0

        init() throws(AudioError) {
            var error: soxr_error_t?
            var io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I)
            var rt = soxr_runtime_spec(1)
            var fq = soxr_quality_spec(UInt(SOXR_MQ), 0)
            guard let f = soxr_create(1, VariableRateResampler.lift, 2, &error, &io, &fq, &rt), error == nil else {
                throw .resampler(from: 0, to: 0, reason: "fixed stage: " + (error.map { String(cString: $0) } ?? "soxr_create returned nothing"))
            }
            var vq = soxr_quality_spec(UInt(SOXR_MQ), UInt(SOXR_VR))
            let v = soxr_create(VariableRateResampler.maxRatio * VariableRateResampler.lift, 1, 2, &error, &io, &vq, &rt)
            if let error {
                soxr_delete(f)
                if let v { soxr_delete(v) }
                throw .resampler(from: 0, to: 0, reason: "variable-rate mode: " + String(cString: error))
            }
            guard let v else {
                soxr_delete(f)
                throw .resampler(from: 0, to: 0, reason: "variable-rate mode: soxr_create returned nothing")
            }
            if let error = soxr_set_io_ratio(v, VariableRateResampler.lift, 0) {
                soxr_delete(f)
                soxr_delete(v)
                throw .resampler(from: 0, to: 0, reason: "variable-rate mode: " + String(cString: error))
            }
            fixed = f
            variable = v
            middle = .allocate(capacity: 2 * middleCapacity)
        }

        deinit {
            soxr_delete(fixed)
            soxr_delete(variable)
            middle.deallocate()
        }

        /// Output frames held between the last input frame and the next output frame.
        var delay: Double {
            soxr_delay(fixed) + (soxr_delay(variable) + Double(middleFrames)) * VariableRateResampler.lift
        }

        func process(input: UnsafePointer<Float>, inputFrames: Int,
                     output: UnsafeMutablePointer<Float>, outputCapacity: Int) -> (consumed: Int, produced: Int) {
            var consumed = 0, produced = 0
            while true {
                // The variable-rate stage fills the room between the stages ...
                if consumed < inputFrames && middleFrames < middleCapacity {
                    var idone = 0, odone = 0
                    _ = soxr_process(variable, input + 2 * consumed, inputFrames - consumed, &idone, middle + 2 * middleFrames,
                                     middleCapacity - middleFrames, &odone)
                    consumed += idone
                    middleFrames += odone
                }
                // ... and the fixed stage takes what the output has room for.
                var idone = 0, odone = 0
                _ = soxr_process(fixed, middle, middleFrames, &idone, output + 2 * produced, outputCapacity - produced, &odone)
                produced += odone
                if idone > 0 {
                    middleFrames -= idone
                    if middleFrames > 0 { middle.update(from: middle + 2 * idone, count: 2 * middleFrames) }
                }
                if consumed == inputFrames || produced == outputCapacity || (idone == 0 && middleFrames == middleCapacity) {
                    return (consumed, produced)
                }
            }
        }
    }

    /// Plays a click through a resampler set up like this one and returns
    /// how many output frames later it came out than `delay` accounts for.
    private static func calibrate() -> Double {
        guard let s = try? Stages() else { return 0 }
        let block = 1024, click = 2048 + 100
        let input = UnsafeMutablePointer<Float>.allocate(capacity: 2 * block)
        let output = UnsafeMutablePointer<Float>.allocate(capacity: 4 * block)
        defer { input.deallocate(); output.deallocate() }
        var fed = 0, produced = 0
        var clickOut: Int?
        while fed < 16 * block {
            input.update(repeating: 0, count: 2 * block)
            if click >= fed && click < fed + block { input[2 * (click - fed)] = 1 }
            let (idone, odone) = s.process(input: input, inputFrames: block, output: output, outputCapacity: 2 * block)
            fed += idone
            if clickOut == nil, let k = (0..<odone).first(where: { output[2 * $0] > 0.5 }) { clickOut = produced + k }
            produced += odone
            if let c = clickOut, produced > c + 2 * block {
                // At ratio 1 the click plays at input frame fed - (delay + frames after it).
                return Double(fed) - (s.delay + Double(produced - c)) - Double(click)
            }
        }
        return 0
    }

    /// Sets the ratio (clamped to 1/`maxRatio` ... `maxRatio`); it glides there.
    public func setRatio(_ r: Double) {
        let clamped = min(Self.maxRatio, max(1 / Self.maxRatio, r))
        guard clamped != ratio else { return }
        ratio = clamped
        _ = soxr_set_io_ratio(stages.variable, clamped * Self.lift, Self.slewFrames)
    }

    /// Output frames between the last input frame given and the next output
    /// frame: soxr's buffered frames and its filters' delay. The input frame
    /// an output frame plays is `fed - (delayFrames + frames after it) * ratio`.
    public var delayFrames: Double { stages.delay + hiddenDelay }

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
        stages.process(input: input, inputFrames: inputFrames, output: output, outputCapacity: outputCapacity)
    }
}
