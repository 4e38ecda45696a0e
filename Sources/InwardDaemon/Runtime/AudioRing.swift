import Synchronization

/// A single-producer, single-consumer ring of stereo frames: the mix thread
/// writes, the real-time audio thread reads. Wait-free on both sides; the
/// only shared state is two monotonic frame counters.
final class AudioRing: @unchecked Sendable {
    let capacity: Int
    private let mask: Int
    private let storage: UnsafeMutablePointer<Float>
    private let written = Atomic<Int>(0)
    private let read = Atomic<Int>(0)

    /// - Parameter frames: rounded up to a power of two.
    init(frames: Int) {
        var c = 1
        while c < frames { c <<= 1 }
        capacity = c
        mask = c - 1
        storage = .allocate(capacity: 2 * c)
        storage.initialize(repeating: 0, count: 2 * c)
    }

    deinit { storage.deallocate() }

    /// Frames ready for the consumer.
    var available: Int { written.load(ordering: .acquiring) - read.load(ordering: .acquiring) }
    /// Room for the producer.
    var free: Int { capacity - available }

    /// Producer: copies up to `frames` frames in; returns how many fitted.
    func write(from source: UnsafePointer<Float>, frames: Int) -> Int {
        let w = written.load(ordering: .relaxed)
        let r = read.load(ordering: .acquiring)
        let n = min(frames, capacity - (w - r))
        var k = 0
        while k < n {
            let slot = (w + k) & mask
            let run = min(n - k, capacity - slot)
            (storage + 2 * slot).update(from: source + 2 * k, count: 2 * run)
            k += run
        }
        written.store(w + n, ordering: .releasing)
        return n
    }

    /// Consumer: copies up to `frames` frames out; returns how many there were.
    func read(into target: UnsafeMutablePointer<Float>, frames: Int) -> Int {
        let r = read.load(ordering: .relaxed)
        let w = written.load(ordering: .acquiring)
        let n = min(frames, w - r)
        var k = 0
        while k < n {
            let slot = (r + k) & mask
            let run = min(n - k, capacity - slot)
            (target + 2 * k).update(from: storage + 2 * slot, count: 2 * run)
            k += run
        }
        read.store(r + n, ordering: .releasing)
        return n
    }
}
