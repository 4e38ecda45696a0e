import InwardPOSIX
#if canImport(Glibc)
import Glibc
#endif

/// A POSIX semaphore: `signal` is a lock-free futex wake, safe to call from
/// the real-time thread; `wait` is for the threads that may block.
final class Semaphore: @unchecked Sendable {
    private let sem: UnsafeMutablePointer<sem_t>

    init() {
        sem = .allocate(capacity: 1)
        sem_init(sem, 0, 0)
    }

    deinit {
        sem_destroy(sem)
        sem.deallocate()
    }

    func signal() { sem_post(sem) }

    /// Takes every signal already given, without waiting: a consumer that
    /// found its data without waiting leaves one signal per block behind,
    /// and a later `wait` would return at once for each instead of sleeping.
    /// Check the condition again after draining; a signal given after this
    /// call wakes the next `wait`.
    func drain() {
        while sem_trywait(sem) == 0 {}
    }

    /// Waits up to `seconds`; true if signalled.
    @discardableResult
    func wait(seconds: Double) -> Bool {
        // sem_timedwait counts against CLOCK_REALTIME; a clock step during a
        // wait of at most a few milliseconds only lengthens or shortens it.
        var deadline = timespec()
        clock_gettime(CLOCK_REALTIME, &deadline)
        let nanos = Int(seconds * 1e9) + deadline.tv_nsec
        deadline.tv_sec += nanos / 1_000_000_000
        deadline.tv_nsec = nanos % 1_000_000_000
        // ETIMEDOUT (or any failure) is "not signalled".
        return (try? SystemCall.retrying("sem_timedwait") { sem_timedwait(sem, &deadline) }) != nil
    }
}
