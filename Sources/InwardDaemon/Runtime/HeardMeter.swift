import InwardAudio
import Synchronization

/// Measures what the room heard, on a thread of its own (`inward-heard`):
/// the audio thread copies each period it has sent to the room into a
/// `HeardRing` (`tap`), and this thread feeds them to `HeardLoudness` and
/// hands each minute of values to `onMinute` (which logs `audio.loudness`).
///
/// Threads: `tap` on the audio thread only (a copy and an atomic store, and
/// a semaphore post when the ring is half full: no allocation, no lock, no
/// I/O); `start` and `finish` on the thread that owns the session's threads
/// (`finish` once, after the audio thread's last `tap`); `onMinute` is called
/// on the meter thread.
///
/// Frames are final when tapped: the plain path never rewinds what the
/// output stage rendered, and the rewinding writer (`RewindingWriter`) taps
/// a block only once no rewind can reach it, so the meter never logs audio
/// the room did not hear.
final class HeardMeter: @unchecked Sendable {
    /// The meter thread's name, as `/proc/PID/task/TID/comm` shows it (scripts/bench-daemon reads its CPU time by it).
    static let threadName = "inward-heard"

    private let ring: HeardRing
    private let loudness: HeardLoudness
    private let onMinute: @Sendable (HeardLoudness.Minute) -> Void
    private let ready = Semaphore()
    private let done = Semaphore()
    private let finishing = Atomic<Bool>(false)

    /// Nil when libebur128 cannot measure at `sampleRate` (the session plays unmeasured).
    init?(sampleRate: Int, periodFrames: Int, onMinute: @escaping @Sendable (HeardLoudness.Minute) -> Void) {
        guard let loudness = HeardLoudness(sampleRate: sampleRate) else { return nil }
        self.loudness = loudness
        self.onMinute = onMinute
        // About 1 s of audio (rounded up to a power of two of periods): the
        // meter thread wakes twice a second, or sooner when the ring is half
        // full (an unpaced sink). 4 s of stereo floats was 2 MB that the
        // audio thread touched over and over: peak RSS while playing
        // 32.5 MB; 1 s is 0.5 MB.
        let seconds = sampleRate
        ring = HeardRing(blockFrames: periodFrames, slots: (seconds + periodFrames - 1) / periodFrames)
    }

    func start() {
        ThreadLauncher.start(name: Self.threadName) { [self] in run() }
    }

    /// Audio thread: the frames just sent to the room, heard from session frame `frame`.
    func tap(_ frames: UnsafePointer<Float>, count: Int, at frame: Int64) {
        if ring.push(frames, frames: count, at: frame) == ring.slots / 2 { ready.signal() }
    }

    /// Measures what is left in the ring, hands out the last minute and ends
    /// the thread; returns once that is done (or after 5 s).
    func finish() {
        finishing.store(true, ordering: .releasing)
        ready.signal()
        done.wait(seconds: 5)
    }

    /// Blocks the ring dropped because the meter fell behind (a loaded machine, an unpaced sink).
    var droppedBlocks: Int { ring.dropped }

    private func run() {
        while true {
            let last = finishing.load(ordering: .acquiring)
            while let block = ring.peek() {
                let minutes = loudness.add(block.samples, count: block.frames, at: block.frame)
                ring.release()
                for minute in minutes { onMinute(minute) }
            }
            if last {
                for minute in loudness.finish() { onMinute(minute) }
                done.signal()
                return
            }
            ready.wait(seconds: 0.5)
        }
    }
}
