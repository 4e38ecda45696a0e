import InwardCore
import Testing

@Suite("session clock")
struct SessionClockTests {
    @Test("points on the dosing clock: T+/T- whole seconds, rounded down; S+ without a dose")
    func points() {
        #expect(SessionClock.t(750) == "T+00:12:30")
        #expect(SessionClock.t(-300) == "T-00:05:00")
        #expect(SessionClock.t(7322.9) == "T+02:02:02")
        #expect(SessionClock.t(-0.5) == "T-00:00:01")
        #expect(SessionClock.t(479.9999999) == "T+00:08:00", "a float just under a whole second is that second")
        #expect(SessionClock.s(65) == "S+00:01:05")
        #expect(SessionClock.s(-3) == "S+00:00:00")
    }

    @Test("lengths round to the second; counters round down and never go below 0:00")
    func lengthsAndCounters() {
        #expect(SessionClock.length(3720) == "1:02:00")
        #expect(SessionClock.length(44.6) == "45 s")
        #expect(SessionClock.length(90) == "1:30")
        #expect(SessionClock.counter(45.9) == "0:45")
        #expect(SessionClock.counter(750) == "12:30")
        #expect(SessionClock.counter(3723) == "1:02:03")
        #expect(SessionClock.counter(-2) == "0:00")
    }
}
