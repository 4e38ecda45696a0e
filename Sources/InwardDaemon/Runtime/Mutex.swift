#if canImport(Glibc)
import Glibc
#endif

/// A value behind a priority-inheriting pthread mutex, with the same use as
/// `Synchronization.Mutex` (`Mutex(value)`, `withLock { ... }`), which it
/// shadows for this module on purpose.
///
/// Why not `Synchronization.Mutex`: on Linux, when it is contended, it locks
/// and unlocks through a PI futex inside the Swift runtime, which
/// ThreadSanitizer does not see; every value a contended mutex guarded (the
/// mixer behind the mix lock, controls against the mix thread) then shows as a
/// data race that is not one. ThreadSanitizer intercepts `pthread_mutex_*`, so
/// with this lock a report is a real race (scripts/test-sanitizers). Priority
/// inheritance is kept (`PTHREAD_PRIO_INHERIT`), as the futex had it.
///
/// Threads: any; `withLock` blocks until the lock is free. Not recursive:
/// `withLock` inside its own `withLock` deadlocks.
final class Mutex<Value>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    /// Behind a pointer, not a stored `var`: the mix lock's value is `Void`,
    /// and the run-time exclusivity check of a zero-sized stored `var` was
    /// reported at the address of `mutex`, which is read before locking;
    /// ThreadSanitizer took the two for a race. Here the value is plain memory
    /// that the lock orders.
    private let value: UnsafeMutablePointer<Value>

    init(_ value: sending Value) {
        self.value = .allocate(capacity: 1)
        self.value.initialize(to: value)
        mutex = .allocate(capacity: 1)
        var attributes = pthread_mutexattr_t()
        pthread_mutexattr_init(&attributes)
        pthread_mutexattr_setprotocol(&attributes, Int32(PTHREAD_PRIO_INHERIT))
        let rc = pthread_mutex_init(mutex, &attributes)
        pthread_mutexattr_destroy(&attributes)
        precondition(rc == 0, "pthread_mutex_init failed: \(rc)")
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        value.deinitialize(count: 1)
        value.deallocate()
    }

    /// Runs `body` with the lock held and the value to read or change.
    func withLock<Result, E: Error>(_ body: (inout sending Value) throws(E) -> sending Result) throws(E) -> sending Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value.pointee)
    }
}
