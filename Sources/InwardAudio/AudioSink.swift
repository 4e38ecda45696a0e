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
