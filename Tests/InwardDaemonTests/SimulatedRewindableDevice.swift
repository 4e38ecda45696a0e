import InwardAudio
import InwardPOSIX
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A sound card that can take back queued frames, as an ALSA hw PCM can, in
/// real time: its hardware pointer advances with the monotonic clock from
/// the moment the buffer is first full (ALSA's start threshold), frames
/// after the pointer can be rewound (`rewindable`, `rewind`, `forward`), and
/// `write` blocks while the buffer is full.
///
/// Like real hardware it fetches a little ahead of its pointer (`fifoFrames`):
/// a frame is final once fetched, so rewinding into the fetched frames and
/// writing them again changes nothing that is heard. What it plays lands in
/// `heard`, frame by frame. Running dry (the pointer reaching what was
/// written) counts an underrun and holds the clock until the next write.
///
/// Thread-safe (a mutex): the runtime's audio thread writes, the test reads
/// the pointer and what was heard.
final class SimulatedRewindableDevice: RewindableSink, @unchecked Sendable {
    let sampleRate: Int
    let bufferFrames: Int
    let fifoFrames: Int
    let canRewind = true

    /// A rewind as the device saw it: the application pointer before and after, the hardware pointer then.
    struct Rewind: Sendable, Equatable {
        var from: Int
        var to: Int
        var hardware: Int
    }

    private struct State {
        var queued: [Float] = []
        var heard: [Float] = []
        var written = 0
        var fetched = 0
        var pointer = 0
        var startedAt: Double?
        var underruns = 0
        var rewinds: [Rewind] = []
        var draining = false
        var writableCalls = 0
        var writeCalls = 0
    }

    private let state = Mutex(State())

    /// Writes fail once this many frames have been written (the device unplugged).
    let failAt: Int?

    init(sampleRate: Int = 48000, bufferFrames: Int, fifoFrames: Int, capacitySeconds: Double = 30, failAt: Int? = nil) {
        self.sampleRate = sampleRate
        self.bufferFrames = bufferFrames
        self.fifoFrames = fifoFrames
        self.failAt = failAt
        let samples = Int(capacitySeconds * Double(sampleRate)) * 2
        state.withLock {
            $0.queued.reserveCapacity(samples)
            $0.heard.reserveCapacity(samples)
            $0.rewinds.reserveCapacity(64)
        }
    }

    /// Moves the hardware pointer to now and fetches what it reaches.
    private func advance(_ s: inout State) {
        guard let started = s.startedAt else { return }
        var pointer = Int((MonotonicClock.seconds - started) * Double(sampleRate))
        if pointer > s.written {
            // Dry: an underrun (unless draining); the clock waits for the next write.
            if !s.draining { s.underruns += 1 }
            s.startedAt = started + Double(pointer - s.written) / Double(sampleRate)
            pointer = s.written
        }
        s.pointer = max(s.pointer, pointer)
        let fetchTo = min(s.written, s.pointer + fifoFrames)
        while s.fetched < fetchTo {
            s.heard.append(s.queued[2 * s.fetched])
            s.heard.append(s.queued[2 * s.fetched + 1])
            s.fetched += 1
        }
    }

    private func start(_ s: inout State) {
        if s.startedAt == nil { s.startedAt = MonotonicClock.seconds }
    }

    /// The hardware pointer now: the frame being played.
    func hardwareFrame() -> Int { state.withLock { advance(&$0); return $0.pointer } }
    /// Every frame played (and fetched), interleaved stereo.
    var heard: [Float] { state.withLock { $0.heard } }
    var rewinds: [Rewind] { state.withLock { $0.rewinds } }
    var underruns: Int { state.withLock { $0.underruns } }
    var xrunCount: Int { underruns }

    func writable() -> Int {
        state.withLock {
            advance(&$0)
            $0.writableCalls += 1
            return bufferFrames - ($0.written - $0.pointer)
        }
    }

    /// How often the writer asked for room, and wrote.
    var calls: (writable: Int, write: Int) { state.withLock { ($0.writableCalls, $0.writeCalls) } }

    func rewindable() -> Int { state.withLock { advance(&$0); return $0.written - $0.pointer } }

    func rewind(_ frames: Int) throws -> Int {
        state.withLock { s in
            advance(&s)
            let n = max(0, min(frames, s.written - s.pointer))
            s.rewinds.append(Rewind(from: s.written, to: s.written - n, hardware: s.pointer))
            s.written -= n
            return n
        }
    }

    func forward(_ frames: Int) throws -> Int {
        state.withLock { s in
            let n = max(0, min(frames, s.queued.count / 2 - s.written))
            s.written += n
            return n
        }
    }

    /// Frames written so far (the application pointer).
    var written: Int { state.withLock { $0.written } }

    func write(_ samples: UnsafePointer<Float>, frames: Int) throws {
        state.withLock { $0.writeCalls += 1 }
        if let failAt, state.withLock({ $0.written >= failAt }) {
            throw AudioError.device(name: "simulated", operation: "write", reason: "unplugged")
        }
        var done = 0
        while done < frames {
            let n = state.withLock { s -> Int in
                advance(&s)
                let n = min(frames - done, bufferFrames - (s.written - s.pointer))
                for k in 0..<(2 * n) {
                    let at = 2 * s.written + k
                    if at < s.queued.count { s.queued[at] = samples[2 * done + k] } else { s.queued.append(samples[2 * done + k]) }
                }
                s.written += n
                if s.written - s.pointer >= bufferFrames { start(&s) }
                return n
            }
            done += n
            if done < frames { usleep(1000) }   // blocked on a full buffer, as snd_pcm_writei is
        }
    }

    func drain() throws {
        state.withLock {
            start(&$0)
            $0.draining = true
        }
        while state.withLock({ advance(&$0); return $0.fetched < $0.written }) { usleep(1000) }
        // The pointer plays out the fetched frames too.
        while state.withLock({ advance(&$0); return $0.pointer < $0.written }) { usleep(1000) }
    }

    func start() { state.withLock { start(&$0) } }

    func close() {}
}

/// A device without a clock or a rewind, like ALSA's file plugin: keeps what
/// is written and calls `afterWrite` with the frames written so far, on the
/// audio thread, after each write (a test sends a control from there to have
/// it applied from exactly that frame on).
final class RecordingSink: AudioSink, @unchecked Sendable {
    let sampleRate: Int
    let xrunCount = 0
    private(set) var samples: [Float] = []
    var afterWrite: (Int) -> Void = { _ in }

    init(sampleRate: Int = 48000) { self.sampleRate = sampleRate }

    func write(_ samples: UnsafePointer<Float>, frames: Int) throws {
        self.samples.append(contentsOf: UnsafeBufferPointer(start: samples, count: 2 * frames))
        afterWrite(self.samples.count / 2)
    }

    func drain() throws {}
    func close() {}
}
