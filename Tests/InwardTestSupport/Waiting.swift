import InwardPOSIX
#if canImport(Glibc)
import Glibc
#endif

/// Waits until `condition` holds, polling it every `interval` seconds, for at
/// most `timeout` seconds of the monotonic clock. Returns whether it held: a
/// test expects that, so a condition that never comes fails the test instead
/// of hanging it. The timeout is a safety net for loaded machines, never a
/// timing assertion: make it generous.
///
/// Use it instead of sleeping a fixed time and then expecting something.
@discardableResult
func waitUntil(timeout: Double, every interval: Double = 0.01, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = MonotonicClock.nanoseconds + UInt64(timeout * 1e9)
    while true {
        if try condition() { return true }
        if MonotonicClock.nanoseconds >= deadline { return false }
        usleep(useconds_t(interval * 1e6))
    }
}

/// Waits until `value` gives something (not nil), as `waitUntil` does, and
/// returns it; nil when the timeout passed first.
func waitFor<T>(timeout: Double, every interval: Double = 0.01, _ value: () throws -> T?) rethrows -> T? {
    var found: T?
    _ = try waitUntil(timeout: timeout, every: interval) {
        found = try value()
        return found != nil
    }
    return found
}
