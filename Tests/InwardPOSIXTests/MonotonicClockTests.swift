import InwardPOSIX
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("MonotonicClock")
struct MonotonicClockTests {
    @Test("never goes back, in nanoseconds or seconds, and moves")
    func monotonic() {
        var last = MonotonicClock.nanoseconds
        var lastSeconds = MonotonicClock.seconds
        var moved = false
        for _ in 0..<100_000 {
            let now = MonotonicClock.nanoseconds
            let seconds = MonotonicClock.seconds
            #expect(now >= last)
            #expect(seconds >= lastSeconds)
            if now > last { moved = true }
            if now < last || seconds < lastSeconds { break }
            last = now
            lastSeconds = seconds
        }
        #expect(moved, "100000 readings and the clock never moved")
    }

    @Test("is the kernel's CLOCK_MONOTONIC, in nanoseconds and seconds that agree")
    func kernelClock() {
        // Sleep until an absolute CLOCK_MONOTONIC time 20 ms ahead of our reading:
        // afterwards our clock must have reached it (wrong clock or unit would not).
        let target = MonotonicClock.nanoseconds + 20_000_000
        var until = timespec(tv_sec: Int(target / 1_000_000_000), tv_nsec: Int(target % 1_000_000_000))
        #expect(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, nil) == 0)
        let after = MonotonicClock.nanoseconds
        #expect(after >= target)
        let seconds = MonotonicClock.seconds
        #expect(seconds >= Double(after) * 1e-9)
        #expect(seconds - Double(after) * 1e-9 < 1, "seconds and nanoseconds are the same clock")
    }
}
