#if canImport(Glibc)
import Glibc
#endif

/// The one monotonic clock (`CLOCK_MONOTONIC`): time since an arbitrary point,
/// never stepped by NTP or the administrator, for deadlines, timeouts, pacing
/// and measuring how long something took. Wall time for people is elsewhere.
///
/// Threads: safe from any thread, the real-time audio thread included (no
/// allocation, no lock; `clock_gettime` is a vDSO read).
public enum MonotonicClock {
    /// Nanoseconds since the clock's origin.
    public static var nanoseconds: UInt64 {
        let t = now
        return UInt64(t.tv_sec) &* 1_000_000_000 &+ UInt64(t.tv_nsec)
    }

    /// Seconds since the clock's origin.
    public static var seconds: Double {
        let t = now
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    private static var now: timespec {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return t
    }
}
