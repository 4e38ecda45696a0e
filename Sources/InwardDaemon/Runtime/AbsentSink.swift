public import InwardAudio

/// The place of a device that could not be opened when a session was picked
/// up again after a restart: every write fails with the open's error, so the
/// runtime treats the device as lost from the first period (the session goes
/// on by the wall clock, `device.error` is logged) and opens it again every
/// second like any lost device.
///
/// Touched only by the audio thread, then the device thread (see `SessionRuntime`).
public final class AbsentSink: AudioSink {
    public let sampleRate: Int
    public let xrunCount = 0
    private let error: AudioError

    public init(sampleRate: Int, error: AudioError) {
        self.sampleRate = sampleRate
        self.error = error
    }

    public func write(_ samples: UnsafePointer<Float>, frames: Int) throws { throw error }
    public func drain() throws {}
    public func close() {}
}
