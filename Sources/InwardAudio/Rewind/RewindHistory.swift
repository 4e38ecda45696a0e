/// What a device that can take back queued frames needs to hear a control
/// early: the mix before the output stage for every period still queued in
/// the device, and the stage's state at the start of each of those periods.
///
/// A control (volume, pause, silence, stop fade) normally reaches the room
/// one device buffer after it arrives, because everything already queued was
/// rendered with the old controls. On an ALSA hw or dmix PCM the queued
/// frames that the hardware has not yet read can be taken back
/// (`snd_pcm_rewindable`, `snd_pcm_rewind`). The writer then asks this
/// history for the earliest period start it may go back to
/// (`rewindTarget(rewindable:margin:)`), rewinds the device to it, and
/// writes what `rerender(from:stage:control:into:)` returns: the same
/// pre-stage audio through the stage as it stood at that frame, with the
/// control applied there. The result is the stream a control applied at that
/// frame would have produced, sample for sample (no repeated, skipped or
/// stepped audio), because the stage is deterministic given its state, its
/// input and the period partition, and all three are restored exactly.
///
/// Rewinds go back to period starts only, so the stage always processes the
/// same blocks. Frames are counted from the first recorded period
/// (`written` is the device's application pointer in those units).
///
/// The stage is any `RewindStage`: `OutputStage` offline, the clock
/// output's master controls and own level in the daemon.
///
/// No I/O, no clock; all storage is allocated in `init`, so `record` and
/// `rerender` are safe on the audio thread. Not thread-safe: the writer
/// thread only.
public final class RewindHistory<Stage: RewindStage> {
    /// Frames in every recorded period.
    public let periodFrames: Int
    /// Periods kept: the most that can be queued in the device at once.
    public let periods: Int
    /// Frames recorded so far: the start of the next period.
    public private(set) var written: Int64 = 0

    /// Pre-stage audio, `periods` slots of `periodFrames` stereo frames.
    private let audio: UnsafeMutablePointer<Float>
    /// The stage's state at the start of each slot's period.
    private let states: [Stage]

    /// - Parameters:
    ///   - periodFrames: the writer's period, frames.
    ///   - bufferFrames: the device's buffer, frames; the history keeps
    ///     enough periods to cover it.
    ///   - stage: the live stage; its settings (rate, cap) are copied.
    public init(periodFrames: Int, bufferFrames: Int, stage: Stage) {
        precondition(periodFrames > 0 && bufferFrames >= periodFrames, "RewindHistory: period \(periodFrames), buffer \(bufferFrames)")
        self.periodFrames = periodFrames
        periods = (bufferFrames + periodFrames - 1) / periodFrames
        audio = .allocate(capacity: 2 * periodFrames * periods)
        audio.initialize(repeating: 0, count: 2 * periodFrames * periods)
        states = (0..<periods).map { _ in stage.copy() }
    }

    deinit { audio.deallocate() }

    private func slot(_ frame: Int64) -> Int { Int((frame / Int64(periodFrames)) % Int64(periods)) }

    /// Keeps one period of pre-stage audio and the stage's state before it.
    /// Call with the period about to go through `stage.process`, before it does.
    public func record(preStage: UnsafePointer<Float>, stage: Stage) {
        let s = slot(written)
        (audio + 2 * periodFrames * s).update(from: preStage, count: 2 * periodFrames)
        states[s].assign(from: stage)
        written += Int64(periodFrames)
    }

    /// The earliest period start the writer may rewind the device to, or nil
    /// when none is far enough from the hardware pointer.
    ///
    /// - Parameters:
    ///   - rewindable: frames the device says it can take back now
    ///     (`snd_pcm_rewindable`): queued and not yet read by the hardware.
    ///   - margin: frames left alone in front of the hardware pointer, for
    ///     the time between asking and rewriting (and DMA granularity).
    public func rewindTarget(rewindable: Int, margin: Int) -> Int64? {
        let back = min(Int64(max(0, rewindable - margin)), Int64(periods * periodFrames), written)
        guard back > 0 else { return nil }
        let earliest = written - back
        let p = Int64(periodFrames)
        let start = (earliest + p - 1) / p * p
        return start < written ? start : nil
    }

    /// The first frame a rewind could still reach, given what the device can
    /// take back now: every frame before it is final (the hardware has read
    /// it, or it lies within the margin). `written` when nothing can be taken back.
    public func horizon(rewindable: Int, margin: Int) -> Int64 {
        rewindTarget(rewindable: rewindable, margin: margin) ?? written
    }

    /// Re-renders from `frame` (a period start from `rewindTarget`) to
    /// `written` with `control` applied at `frame`, into `out` (room for
    /// `written - frame` stereo frames). Leaves `stage` in the state after the
    /// last re-rendered period, ready for the next live one, and updates the
    /// history so a later rewind into the same frames starts from the new
    /// controls. Returns the frames written to `out`.
    ///
    /// `each` is called after every re-rendered period with its first frame
    /// and its audio in `out`; returning false ends the stream there (a stop
    /// whose fade ends inside the re-rendered frames): `written` becomes that
    /// period's end and nothing after it is returned.
    public func rerender(from frame: Int64, stage: Stage, control: (Stage) -> Void,
                         into out: UnsafeMutablePointer<Float>,
                         each: (_ frame: Int64, _ audio: UnsafeMutablePointer<Float>) -> Bool = { _, _ in true }) -> Int {
        let p = Int64(periodFrames)
        precondition(frame % p == 0 && frame < written && written - frame <= Int64(periods) * p,
                     "RewindHistory.rerender: frame \(frame) is not a kept period start (written \(written))")
        stage.assign(from: states[slot(frame)])
        control(stage)
        var at = frame
        var n = 0
        while at < written {
            let s = slot(at)
            states[s].assign(from: stage)
            let dst = out + 2 * n
            dst.update(from: audio + 2 * periodFrames * s, count: 2 * periodFrames)
            stage.process(dst, frames: periodFrames)
            n += periodFrames
            at += p
            if !each(at - p, dst) {
                written = at
                break
            }
        }
        return n
    }
}
