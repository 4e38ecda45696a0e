/// Anything that produces stereo audio for the mixer: a decoded track, the
/// soundscape generator, silence.
///
/// Frames are interleaved stereo `Float` (L, R, L, R, ...) at the engine's
/// output rate, nominally within -1...1. `read` is called on the render thread:
/// implementations must not allocate, lock or block once constructed (decoded
/// files are read ahead on another thread; see `TrackStream`).
public protocol FrameSource: AnyObject {
    /// Writes up to `frames` stereo frames into `buffer` (overwriting it) and
    /// returns how many were written. Fewer than asked means the source has
    /// ended; an endless source always returns `frames`.
    func read(into buffer: UnsafeMutablePointer<Float>, frames: Int) -> Int
}

/// Output channel count of the whole engine.
public let outputChannels = 2
