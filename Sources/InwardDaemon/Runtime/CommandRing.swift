import Synchronization

/// A single-producer, single-consumer queue of plain values (no references),
/// so the real-time thread can take commands without locks or allocation.
final class CommandRing<Element: BitwiseCopyable>: @unchecked Sendable {
    private let capacity: Int
    private let slots: UnsafeMutablePointer<Element>
    private let head = Atomic<Int>(0)   // next to read
    private let tail = Atomic<Int>(0)   // next to write

    init(capacity: Int, filler: Element) {
        self.capacity = capacity
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: filler, count: capacity)
    }

    deinit { slots.deallocate() }

    /// Producer side. False when full (the caller reports it; never blocks).
    @discardableResult
    func push(_ value: Element) -> Bool {
        let t = tail.load(ordering: .relaxed)
        guard t - head.load(ordering: .acquiring) < capacity else { return false }
        slots[t % capacity] = value
        tail.store(t + 1, ordering: .releasing)
        return true
    }

    /// Consumer side.
    func pop() -> Element? {
        let h = head.load(ordering: .relaxed)
        guard h < tail.load(ordering: .acquiring) else { return nil }
        let value = slots[h % capacity]
        head.store(h + 1, ordering: .releasing)
        return value
    }
}
