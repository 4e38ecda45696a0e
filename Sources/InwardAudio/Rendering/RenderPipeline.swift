/// A mixer followed by its output stage, aligned so that output frame 0 is
/// session frame 0: the limiter's delay is filled before the first frame and
/// flushed after the last, so a session comes out exactly as long as its
/// timeline says.
public final class RenderPipeline {
    public let mixer: SessionMixer
    public let stage: OutputStage
    /// Output frames delivered so far.
    public private(set) var position: Int64 = 0
    private var primed = false

    public init(mixer: SessionMixer, stage: OutputStage) {
        self.mixer = mixer
        self.stage = stage
    }

    /// Session length in frames, once known.
    public var length: Int64? { mixer.length }


    /// Fades out over `seconds` and ends the session when the fade is done.
    public func stop(fade seconds: Double) {
        stage.stop(fade: seconds)
        mixer.end(after: seconds)
    }

    public func prepare(frames: Int) { mixer.prepare(frames: frames) }

    /// Renders up to `frames` output frames (at most `SessionMixer.maxBlock`)
    /// and returns how many; 0 once the session is over.
    public func render(into out: UnsafeMutablePointer<Float>, frames: Int) -> Int {
        if !primed {
            primed = true
            var left = stage.latency
            while left > 0 {
                let n = min(left, SessionMixer.maxBlock)
                pull(into: out, frames: n)
                left -= n
            }
        }
        var n = frames
        if let end = length { n = Int(min(Int64(n), max(0, end - position))) }
        guard n > 0 else { return 0 }
        pull(into: out, frames: n)
        position += Int64(n)
        return n
    }

    /// Mixes `frames` frames (silence past the mixer's end, which is the
    /// limiter's tail coming out) and runs them through the stage.
    private func pull(into out: UnsafeMutablePointer<Float>, frames: Int) {
        let got = mixer.isFinished ? 0 : mixer.render(into: out, frames: frames)
        if got < frames { (out + 2 * got).update(repeating: 0, count: 2 * (frames - got)) }
        stage.process(out, frames: frames)
    }
}
