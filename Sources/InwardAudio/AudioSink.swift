/// Where rendered audio goes: an ALSA PCM or a WAV file.
///
/// The engine hands it interleaved stereo `Float` frames at `sampleRate`; the
/// sink converts to its own sample format. `write` blocks until the frames are
/// accepted (a real device paces the caller; a file or the null PCM does not).
public protocol AudioSink: AnyObject {
    /// Frames per second the sink runs at (negotiated with the device).
    var sampleRate: Int { get }
    /// Writes `frames` interleaved stereo frames.
    func write(_ samples: UnsafePointer<Float>, frames: Int) throws
    /// Plays out what is buffered, then returns.
    func drain() throws
    /// Releases the device or file; further writes fail.
    func close()
    /// How many underruns (xruns) the sink has recovered from so far.
    var xrunCount: Int { get }
}

extension AudioSink {
    /// Frames written but not yet heard (`snd_pcm_delay`), nil when the sink
    /// cannot say. The runtime keeps several outputs in step with it.
    public var delayFrames: Int? { (self as? AlsaSink)?.delay() }
    /// True when the sink plays at a sound card's own pace (a hardware PCM,
    /// PulseAudio); false for the null PCM, a file, or the file plugin, which
    /// take frames as fast as they come and need no drift correction.
    public var isClocked: Bool { (self as? AlsaSink)?.clocked ?? false }
}

