/// A phase as the mixer plays it: its source and its envelope.
///
/// The envelope is the product of a fade-in to the phase's level and a
/// fade-out to silence, so a fade-out that starts before the fade-in has
/// finished (a short phase, an early advance) still moves smoothly.
final class PhaseVoice {
    let phase: Int
    let source: any FrameSource
    private var rise = GainRamp(0)
    private var fall = GainRamp(1)
    private(set) var fadingOut = false

    init(phase: Int, source: any FrameSource) {
        self.phase = phase
        self.source = source
    }

    /// The level the voice fades in to (linear gain).
    private(set) var level = 0.0

    func fadeIn(to level: Double, over frames: Int) {
        self.level = level
        rise.move(to: level, over: frames)
    }

    func fadeOut(over frames: Int) {
        fadingOut = true
        fall.move(to: 0, over: frames)
    }

    func apply(to buffer: UnsafeMutablePointer<Float>, frames: Int) {
        rise.apply(to: buffer, frames: frames)
        fall.apply(to: buffer, frames: frames)
    }

    /// The gain the voice is heard at, as far as it is settled: its level
    /// while it fades in (it is heading there; a fade from silence is not a
    /// level anyone turned down to), its current gain once it fades out.
    var heardGain: Double { (fadingOut ? rise.current : rise.destination) * fall.current }

    /// Silent for good: faded out and finished moving.
    var isDone: Bool { fadingOut && !fall.isMoving }
}
