/// A phase as the mixer plays it: its source and its fade envelope, whose
/// resting value is the phase's level.
final class PhaseVoice {
    let phase: Int
    let source: any FrameSource
    var gain = GainRamp(0)
    private(set) var fadingOut = false

    init(phase: Int, source: any FrameSource) {
        self.phase = phase
        self.source = source
    }

    func fadeIn(to level: Double, over frames: Int) {
        gain.move(to: level, over: frames)
    }

    func fadeOut(over frames: Int) {
        fadingOut = true
        gain.move(to: 0, over: frames)
    }

    /// Silent for good: faded out and finished moving.
    var isDone: Bool { fadingOut && !gain.isMoving && gain.current == 0 }
}
