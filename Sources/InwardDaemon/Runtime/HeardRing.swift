import Synchronization

/// A single-producer, single-consumer ring of blocks of stereo frames, each
/// with the session frame of its first frame: the audio thread pushes the
/// frames it has sent to the room, the meter thread takes them.
///
/// Wait-free on both sides, no allocation after `init`. A full ring drops the
/// block rather than wait (the consumer sees the gap in the frame numbers);
/// `dropped` counts what was lost.
final class HeardRing: @unchecked Sendable {
    let blockFrames: Int
    let slots: Int
    private let mask: Int
    private let samples: UnsafeMutablePointer<Float>
    private let firstFrames: UnsafeMutablePointer<Int64>
    private let counts: UnsafeMutablePointer<Int>
    private let pushed = Atomic<Int>(0)
    private let taken = Atomic<Int>(0)
    private let droppedBlocks = Atomic<Int>(0)

    /// - Parameters:
    ///   - blockFrames: the most frames one push holds (the audio thread's period).
    ///   - slots: rounded up to a power of two.
    init(blockFrames: Int, slots: Int) {
        var c = 1
        while c < slots { c <<= 1 }
        self.blockFrames = blockFrames
        self.slots = c
        mask = c - 1
        samples = .allocate(capacity: 2 * blockFrames * c)
        samples.initialize(repeating: 0, count: 2 * blockFrames * c)
        firstFrames = .allocate(capacity: c)
        firstFrames.initialize(repeating: 0, count: c)
        counts = .allocate(capacity: c)
        counts.initialize(repeating: 0, count: c)
    }

    deinit {
        samples.deallocate()
        firstFrames.deallocate()
        counts.deallocate()
    }

    /// Blocks waiting for the consumer.
    var count: Int { pushed.load(ordering: .acquiring) - taken.load(ordering: .acquiring) }
    /// Blocks dropped because the ring was full.
    var dropped: Int { droppedBlocks.load(ordering: .relaxed) }

    /// Producer: copies `frames` (at most `blockFrames`) in as one block heard
    /// from session frame `frame`; returns the blocks now waiting, or nil when
    /// the ring was full and the block was dropped.
    func push(_ source: UnsafePointer<Float>, frames: Int, at frame: Int64) -> Int? {
        let p = pushed.load(ordering: .relaxed)
        let waiting = p - taken.load(ordering: .acquiring)
        guard waiting < slots else {
            droppedBlocks.add(1, ordering: .relaxed)
            return nil
        }
        let slot = p & mask
        let n = min(frames, blockFrames)
        (samples + 2 * blockFrames * slot).update(from: source, count: 2 * n)
        firstFrames[slot] = frame
        counts[slot] = n
        pushed.store(p + 1, ordering: .releasing)
        return waiting + 1
    }

    /// Consumer: the oldest block (its frames stay valid until `release`), or nil when none waits.
    func peek() -> (samples: UnsafePointer<Float>, frames: Int, frame: Int64)? {
        let t = taken.load(ordering: .relaxed)
        guard t < pushed.load(ordering: .acquiring) else { return nil }
        let slot = t & mask
        return (UnsafePointer(samples + 2 * blockFrames * slot), counts[slot], firstFrames[slot])
    }

    /// Consumer: gives the block `peek` returned back to the producer.
    func release() {
        taken.store(taken.load(ordering: .relaxed) + 1, ordering: .releasing)
    }
}
