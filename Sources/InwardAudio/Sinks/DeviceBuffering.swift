/// The device buffer, the ALSA period and the engine's block each kind of
/// device gets by default: the one place they are chosen (docs/daemon.md,
/// "Devices: wake-ups, queued audio and rewinding").
///
/// A device that can take back queued frames (ALSA hw, dmix) in a room with
/// one output gets a deep buffer filled in few wake-ups, as a sound server
/// does: about 0.5 s queued, the writer woken when half of it has played,
/// and level controls rewound into the queue, heard within 100 ms. The
/// engine's block stays small there (about 21 ms), because a rewind goes
/// back to a block start. Every other device (pulse, plug and other
/// wrappers, a second output) gets a buffer short enough that a control
/// heard after it stays within 250 ms through PulseAudio.
public struct DeviceBuffering: Sendable, Equatable {
    /// ALSA period, frames: how often the hardware reports progress.
    public var periodFrames: Int
    /// ALSA buffer, frames: how much is queued.
    public var bufferFrames: Int
    /// Frames the engine mixes, processes and writes at a time.
    public var blockFrames: Int

    public init(periodFrames: Int, bufferFrames: Int, blockFrames: Int) {
        self.periodFrames = periodFrames
        self.bufferFrames = bufferFrames
        self.blockFrames = blockFrames
    }

    /// Four periods of 2048 (171 ms at 48 kHz): a control heard after the
    /// buffer is about 200 ms end to end through PulseAudio (the real-time
    /// latency test); larger periods broke the 250 ms bound.
    public static let plain = DeviceBuffering(periodFrames: 2048, bufferFrames: 8192, blockFrames: 2048)

    /// What a device gets by default at `sampleRate`: `rewinds` when it can
    /// take back queued frames and the rewinding writer plays it.
    public static func defaults(rewinds: Bool, sampleRate: Int) -> DeviceBuffering {
        guard rewinds else { return plain }
        // Blocks of about 21 ms (1024 at 44.1/48 kHz), a buffer of whole
        // blocks of at least 0.5 s, four ALSA periods in it.
        var block = 1024
        while block * 48000 < sampleRate * 1024 { block *= 2 }
        let blocks = (sampleRate / 2 + block - 1) / block
        return DeviceBuffering(periodFrames: blocks * block / 4, bufferFrames: blocks * block, blockFrames: block)
    }
}
