/// Anything that produces stereo audio for the mixer: a playlist, the
/// soundscape generator, silence.
///
/// Frames are interleaved stereo `Float` (L, R, L, R, ...) at the engine's
/// output rate, nominally within -1...1. `read` is called on the render thread:
/// implementations must not allocate, lock or block once constructed. Work
/// that may (opening and decoding files) belongs in `prepare`, which the
/// engine calls off the render path before reads.
public protocol FrameSource: AnyObject {
    /// Writes up to `frames` stereo frames into `buffer` (overwriting it) and
    /// returns how many were written. Fewer than asked means the source has
    /// ended; an endless source always returns `frames`.
    func read(into buffer: UnsafeMutablePointer<Float>, frames: Int) -> Int

    /// Does the blocking work (open, decode ahead) so the next `read` of up to
    /// `frames` frames finds its data ready.
    func prepare(frames: Int)
}

extension FrameSource {
    public func prepare(frames: Int) {}
}

/// Output channel count of the whole engine.
public let outputChannels = 2
