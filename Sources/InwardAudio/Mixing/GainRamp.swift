/// A gain that moves smoothly to a target over a number of frames, following
/// `FadeCurve`. Applied per sample, so no change ever steps.
///
/// A value type with no allocation: safe on the render thread.
public struct GainRamp: Sendable {
    public private(set) var current: Double
    private var from: Double
    private var target: Double
    private var length: Int
    private var position: Int

    static let step = 32

    public init(_ gain: Double) {
        current = gain
        from = gain
        target = gain
        length = 0
        position = 0
    }

    /// The gain the ramp is heading for.
    public var destination: Double { target }
    /// True while the gain is still moving.
    public var isMoving: Bool { position < length }
    /// Frames left until the target is reached.
    public var remaining: Int { max(0, length - position) }

    /// Starts a move from the current gain to `gain` over `frames` frames.
    /// A zero length jumps, which callers only do while silent.
    public mutating func move(to gain: Double, over frames: Int) {
        from = current
        target = gain
        length = max(0, frames)
        position = 0
        if length == 0 { current = gain }
    }

    /// Advances the ramp by `frames` frames without applying it; returns the
    /// gain reached.
    @discardableResult
    public mutating func advance(frames: Int) -> Double {
        guard position < length else { return current }
        position = min(length, position + max(0, frames))
        current = position >= length ? target : FadeCurve.gain(from: from, to: target, progress: Double(position) / Double(length))
        return current
    }

    /// Multiplies `frames` interleaved stereo frames by the ramp, advancing it.
    public mutating func apply(to buffer: UnsafeMutablePointer<Float>, frames: Int) {
        var i = 0
        if position < length {
            // The curve is evaluated every `step` frames and interpolated in
            // between: smooth to far below a quantisation step, and it keeps
            // transcendental functions off the per-sample path.
            let n = min(frames, length - position)
            let len = Double(length)
            var g0 = Float(current)
            while i < n {
                let m = min(GainRamp.step, n - i)
                let end = position + i + m
                let g1 = end >= length ? Float(target) : Float(FadeCurve.gain(from: from, to: target, progress: Double(end) / len))
                let dg = (g1 - g0) / Float(m)
                for k in 0..<(m - 1) {
                    let g = g0 + dg * Float(k + 1)
                    buffer[2 * (i + k)] *= g
                    buffer[2 * (i + k) + 1] *= g
                }
                // The sub-step's last sample takes the curve's own value, so a
                // ramp lands exactly on its target.
                buffer[2 * (i + m - 1)] *= g1
                buffer[2 * (i + m - 1) + 1] *= g1
                g0 = g1
                i += m
            }
            position += n
            current = position >= length ? target : Double(g0)
        }
        guard i < frames else { return }
        let g = Float(target)
        if g == 1 { return }
        while i < frames {
            buffer[2 * i] *= g
            buffer[2 * i + 1] *= g
            i += 1
        }
    }
}

extension GainRamp {
    /// Multiplies `frames` interleaved stereo frames from `start` by a gain
    /// that moves in a straight line from `from` (the gain before the first
    /// frame) to `to` (reached at the last): how the output stage and each
    /// output's level apply the gain they evaluate every few frames.
    @inline(__always)
    static func applyLine(from g0: Float, to g1: Float, _ buffer: UnsafeMutablePointer<Float>, at start: Int, frames m: Int) {
        let dg = (g1 - g0) / Float(m)
        for k in 0..<m {
            let g = g0 + dg * Float(k + 1)
            buffer[2 * (start + k)] *= g
            buffer[2 * (start + k) + 1] *= g
        }
    }
}
