/// Keeps an output in step with the session's clock output: from the
/// measured offset between them it chooses the resampling ratio (input
/// frames per output frame) that the output's variable-rate resampler plays
/// at. Two sound cards with their own crystals run a few hundred ppm apart;
/// without this, two outputs drift by about 1 ms every few seconds.
///
/// The offset is a measurement, `errorFrames`: the session frame heard on
/// the clock output minus the session frame heard on this output at the same
/// moment (positive: this output lags and must play faster). Each
/// measurement is noisy (a device reports its delay in steps), so it goes
/// through a first-order low-pass (`filterSeconds`), then a PI controller
/// (natural frequency `naturalFrequency`, damping `damping`) whose integral
/// learns the crystals' rate difference. The ratio stays within
/// `maxDeviation` of 1 (0.1 %: about 1.7 cents, no audible pitch change) and
/// moves at most `maxSlewPerSecond` per second, so even its changes are
/// smooth.
///
/// Pure: no clock, no I/O; the caller passes each measurement and the time
/// since the last. A value type with no allocation: safe on an audio thread.
public struct DriftController: Sendable {
    /// Largest distance of the ratio from 1.
    public static let maxDeviation = 0.001
    /// Fastest change of the ratio, per second.
    public static let maxSlewPerSecond = 2e-4
    /// Time constant of the low-pass on the measured offset, seconds.
    public static let filterSeconds = 0.5
    /// Natural frequency of the loop, radians per second (settles in about 30 s).
    public static let naturalFrequency = 0.1
    public static let damping = 1.0
    /// An offset beyond this many seconds is not steered away (that would
    /// take minutes at 0.1 %) but corrected at once by the caller, while the
    /// output is silent: see `needsJump`.
    public static let jumpSeconds = 0.02

    /// The ratio to resample at now: input (session) frames per output frame.
    public private(set) var ratio = 1.0
    /// The low-passed offset, frames (nil before the first measurement).
    public private(set) var filteredError: Double?
    private var integral = 0.0
    private let kp: Double
    private let ki: Double
    private let sampleRate: Double

    public init(sampleRate: Int) {
        self.sampleRate = Double(max(1, sampleRate))
        // The offset obeys de/dt = -R (u + d) for a ratio 1 + u and a rate
        // difference d; a PI law on it gives e'' + R kp e' + R ki e = 0.
        kp = 2 * Self.damping * Self.naturalFrequency / self.sampleRate
        ki = Self.naturalFrequency * Self.naturalFrequency / self.sampleRate
    }

    /// The offset in frames beyond which the caller should jump instead of steering.
    public var jumpFrames: Double { Self.jumpSeconds * sampleRate }

    /// True when `errorFrames` is too far to steer away smoothly.
    public func needsJump(_ errorFrames: Double) -> Bool { abs(errorFrames) > jumpFrames }

    /// Takes one measurement, `seconds` after the previous one, and returns the new ratio.
    @discardableResult
    public mutating func update(errorFrames: Double, seconds: Double) -> Double {
        let dt = min(max(seconds, 0), 1)
        guard let previous = filteredError else {
            filteredError = errorFrames
            return ratio
        }
        let e = previous + (errorFrames - previous) * dt / (Self.filterSeconds + dt)
        filteredError = e
        integral = clamp(integral + ki * e * dt)
        let wanted = 1 + clamp(kp * e + integral)
        let step = Self.maxSlewPerSecond * dt
        ratio = min(ratio + step, max(ratio - step, wanted))
        return ratio
    }

    /// While this output is the session's clock (the first output lost): no
    /// offset to steer, the ratio returns to 1 at the same bounded speed,
    /// `seconds` after the last call; the learnt rate difference is kept for
    /// when the output follows again. Returns the new ratio.
    @discardableResult
    public mutating func returnToNominal(seconds: Double) -> Double {
        let step = Self.maxSlewPerSecond * min(max(seconds, 0), 1)
        ratio = min(ratio + step, max(ratio - step, 1))
        filteredError = nil
        return ratio
    }

    /// Forgets the offset (after the caller jumped, or the output rejoined),
    /// keeping the learnt rate difference: the crystals did not change.
    public mutating func realigned() { filteredError = nil }

    private func clamp(_ x: Double) -> Double { min(Self.maxDeviation, max(-Self.maxDeviation, x)) }
}
