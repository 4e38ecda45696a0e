/// Planned silence: an endless source of zeros.
public final class SilenceSource: FrameSource {
    public init() {}

    public func read(into buffer: UnsafeMutablePointer<Float>, frames: Int) -> Int {
        buffer.update(repeating: 0, count: frames * outputChannels)
        return frames
    }
}
