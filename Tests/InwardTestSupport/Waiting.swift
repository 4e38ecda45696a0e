import InwardPOSIX
#if canImport(Glibc)
import Glibc
#endif

/// How much longer than usual the tests may wait for anything: 1, or
/// `INWARD_TEST_TIME_SCALE` from the environment when it is a number of at
/// least 1. `scripts/test-sanitizers` sets it, because a daemon built with
/// ThreadSanitizer or AddressSanitizer does the same work several times
/// slower. It stretches safety nets only (a deadline for a condition to come
/// true, a read timeout): what a test checks stays the same.
enum TestTime {
    static let scale: Double = {
        guard let text = getenv("INWARD_TEST_TIME_SCALE").map({ String(cString: $0) }),
              let value = Double(text), value.isFinite, value >= 1 else { return 1 }
        return value
    }()

    /// `seconds` stretched by `scale`.
    static func scaled(_ seconds: Double) -> Double { seconds * scale }
}

/// Waits until `condition` holds, polling it every `interval` seconds, for at
/// most `timeout` seconds of the monotonic clock (times `TestTime.scale`).
/// Returns whether it held: a test expects that, so a condition that never
/// comes fails the test instead of hanging it. The timeout is a safety net
/// for loaded machines, never a timing assertion: make it generous.
///
/// Use it instead of sleeping a fixed time and then expecting something.
@discardableResult
func waitUntil(timeout: Double, every interval: Double = 0.01, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = MonotonicClock.nanoseconds + UInt64(TestTime.scaled(timeout) * 1e9)
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
