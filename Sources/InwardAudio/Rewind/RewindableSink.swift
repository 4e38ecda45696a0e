/// A sink that may be able to take back frames it has queued and not yet
/// played, as ALSA hw and dmix PCMs can (`snd_pcm_rewindable`,
/// `snd_pcm_rewind`). The daemon's rewinding writer fills such a device's
/// deep buffer in few wake-ups and rewinds it when a level control arrives.
///
/// Every call is non-blocking except `write` (which blocks only when more
/// is written than `writable()` frames) and none allocates: all are made on
/// the real-time audio thread. Not thread-safe: one writer thread.
public protocol RewindableSink: AudioSink {
    /// True when queued frames can really be taken back (an ALSA hw or dmix
    /// PCM); false makes the writer play without rewinding.
    var canRewind: Bool { get }
    /// The device buffer, frames.
    var bufferFrames: Int { get }
    /// Frames that can be written now without blocking.
    func writable() -> Int
    /// Frames queued and not yet read by the hardware, which `rewind` may take back.
    func rewindable() -> Int
    /// Takes back up to `frames` queued frames; returns how many it took back.
    func rewind(_ frames: Int) throws -> Int
    /// Starts the device if it is not playing yet (a buffer that is not a
    /// whole number of the writer's blocks never reaches ALSA's start
    /// threshold of a full buffer). Cheap when it is already playing.
    func start()
    /// Moves forward again over up to `frames` frames just taken back, keeping
    /// what was queued there; returns how many.
    func forward(_ frames: Int) throws -> Int
}

extension AlsaSink: RewindableSink {}
