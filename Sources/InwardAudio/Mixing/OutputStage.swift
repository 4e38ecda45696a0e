public import InwardCore

/// The last stage before the sink: the therapist's master controls (volume,
/// pause, silence, stop), then the limiter that holds the output under the
/// plan's cap.
///
/// In the daemon it runs on the real-time audio thread, so a control is heard
/// one device buffer after it arrives; offline it runs right after the mixer.
/// Every control is a ramp, and their product goes through one
/// `LevelSpeedLimit` before it touches the audio: nothing here can step, and
/// no control rises faster than the room may hear. No allocation after init.
public final class OutputStage {
    public let sampleRate: Int
    /// The plan's cap, dBFS.
    public let capDB: Double
    /// Largest master volume allowed: the loudest phase may reach the cap, no more.
    public let maxVolumeDB: Double

    private var volume = GainRamp(1)
    private var pause = GainRamp(1)
    private var stopGain = GainRamp(1)
    private var limit: LevelSpeedLimit
    /// The pause and stop gains at the end of the last block.
    private var quietGain = 1.0
    private let limiter: Limiter
    public private(set) var volumeDB: Double = 0
    /// Frames left until a stop's fade-out is complete (nil: not stopping).
    public private(set) var stopRemaining: Int?

    /// Longest fade `silence` may take, seconds.
    public static let silenceLimit = 3.0

    public init(sampleRate: Int, capDB: Double, loudestPhaseDB: Double) {
        self.sampleRate = sampleRate
        self.capDB = capDB
        maxVolumeDB = capDB - loudestPhaseDB
        limit = LevelSpeedLimit(gain: 1, sampleRate: sampleRate)
        limiter = Limiter(ceiling: Float(Decibels.gain(capDB)), lookahead: max(2, sampleRate / 200))
    }

    public convenience init(plan: Plan, sampleRate: Int) {
        self.init(sampleRate: sampleRate, capDB: plan.levelCapDB,
                  loudestPhaseDB: plan.phases.map(\.levelDB).max() ?? plan.levelCapDB)
    }

    /// Frames the limiter delays the audio by.
    public var latency: Int { limiter.lookahead - 1 }

    private func frames(_ seconds: Double) -> Int { Int(Timeline.frames(max(0, seconds), sampleRate: sampleRate)) }

    /// Ramps the master volume to `db` (clamped to -60 ... `maxVolumeDB`) over
    /// `seconds`; returns the value applied.
    @discardableResult
    public func setVolume(db: Double, over seconds: Double) -> Double {
        let applied = min(max(db, -60), maxVolumeDB)
        volumeDB = applied
        volume.move(to: Decibels.gain(applied), over: frames(seconds))
        return applied
    }

    /// Fades the music down to silence (pause) or back (resume); the session
    /// clock runs on either way.
    public func setPaused(_ paused: Bool, fade seconds: Double) {
        pause.move(to: paused ? 0 : 1, over: frames(seconds))
    }

    /// Silence now: a pause with a fade of at most `silenceLimit` seconds.
    public func silence(fade seconds: Double = 2) {
        setPaused(true, fade: min(seconds, Self.silenceLimit))
    }

    /// Fades everything out over `seconds`; `stopRemaining` counts it down.
    public func stop(fade seconds: Double) {
        let n = frames(seconds)
        if let left = stopRemaining, left <= n { return }
        stopRemaining = n
        stopGain.move(to: 0, over: n)
    }

    /// Starts from silence: the music comes up under the level speed limit
    /// (a session picked up again after a restart). Call before the first frame.
    public func startSilent(fade seconds: Double) {
        limit.startSilent()
        pause = GainRamp(0)
        quietGain = 0
        pause.move(to: 1, over: frames(seconds))
    }

    /// The control gain the room hears now (volume, pause, stop), after the speed limit.
    public var appliedGain: Double { limit.applied }

    /// Applies the controls and the limiter to `frames` interleaved stereo
    /// frames in place (the output is `latency` frames behind the input).
    public func process(_ buffer: UnsafeMutablePointer<Float>, frames: Int) {
        processControls(buffer, frames: frames)
        limiter.process(buffer, frames: frames)
    }

    /// The limiter's look-ahead window, frames: the daemon gives each output
    /// a limiter of its own (`OutputLevel`) with the same window.
    public var lookahead: Int { limiter.lookahead }

    /// Applies the controls only, without the limiter: the daemon's mix is
    /// final here, before it is split into outputs, each with its own level
    /// and limiter.
    public func processControls(_ buffer: UnsafeMutablePointer<Float>, frames: Int) {
        // The controls' curves are evaluated every `step` frames, bounded,
        // and interpolated in between.
        var i = 0
        var g0 = Float(limit.applied)
        while i < frames {
            let m = min(Self.step, frames - i)
            let v = volume.advance(frames: m)
            let quiet = pause.advance(frames: m) * stopGain.advance(frames: m)
            let exempt = quietGain > 0 ? quiet / quietGain : 1
            quietGain = quiet
            let target = volume.destination * pause.destination * stopGain.destination
            let g1 = Float(limit.advance(towards: v * quiet, target: target, frames: m, exemptFall: exempt))
            if g0 == 1 && g1 == 1 {
                i += m
                continue
            }
            GainRamp.applyLine(from: g0, to: g1, buffer, at: i, frames: m)
            g0 = g1
            i += m
        }
        if let left = stopRemaining { stopRemaining = max(0, left - frames) }
    }

    private static let step = 32

    /// A stage with the same settings and a copy of this one's state, for
    /// `assign(from:)` to copy into later without allocating.
    public func copy() -> OutputStage {
        let c = OutputStage(sampleRate: sampleRate, capDB: capDB, loudestPhaseDB: capDB - maxVolumeDB)
        c.assign(from: self)
        return c
    }

    /// Makes this stage's state a copy of `other`'s (controls, level speed
    /// limit, limiter): processing the same input from both then gives the
    /// same output, sample for sample. No allocation.
    public func assign(from other: OutputStage) {
        volume = other.volume
        pause = other.pause
        stopGain = other.stopGain
        limit = other.limit
        quietGain = other.quietGain
        volumeDB = other.volumeDB
        stopRemaining = other.stopRemaining
        limiter.assign(from: other.limiter)
    }
}
