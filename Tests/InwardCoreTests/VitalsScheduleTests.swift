import InwardCore
import Testing

@Suite("VitalsSchedule")
struct VitalsScheduleTests {
    // Dose at session second 600 throughout.
    let t0 = 600.0

    @Test("before the dose: owed once the session starts, until a reading is taken")
    func beforeDose() {
        let s = VitalsSchedule(beforeDose: true, at: [2400])
        #expect(s.due(now: 30, t0: nil, readings: []) == .init(t0Seconds: nil, inSeconds: 0))
        #expect(s.due(now: 300, t0: nil, readings: [200]) == nil)
        #expect(VitalsSchedule(at: [2400]).due(now: 30, t0: nil, readings: []) == nil)
    }

    @Test("fixed T+ times: the next one ahead, then due, then met by a reading up to 5 minutes early")
    func fixedTimes() {
        let s = VitalsSchedule(beforeDose: true, at: [2400, 5400])
        #expect(s.due(now: 1000, t0: t0, readings: [100]) == .init(t0Seconds: 2400, inSeconds: 2000))
        #expect(s.due(now: 3100, t0: t0, readings: [100]) == .init(t0Seconds: 2400, inSeconds: -100))
        // Taken at T+36:00, four minutes early: counts for T+40:00.
        #expect(s.due(now: 3100, t0: t0, readings: [100, 600 + 2160]) == .init(t0Seconds: 5400, inSeconds: 2900))
        // Taken at T+30:00, ten minutes early: does not.
        #expect(s.due(now: 3100, t0: t0, readings: [600 + 1800])?.t0Seconds == 2400)
        #expect(s.due(now: 7000, t0: t0, readings: [600 + 5400]) == nil)
    }

    @Test("every N after the dose goes on as long as the session, a late reading clears what came before")
    func every() {
        let s = VitalsSchedule(every: 900)
        #expect(s.due(now: t0 + 100, t0: t0, readings: []) == .init(t0Seconds: 900, inSeconds: 800))
        #expect(s.due(now: t0 + 2000, t0: t0, readings: [])?.inSeconds == -1100)
        #expect(s.due(now: t0 + 2000, t0: t0, readings: [t0 + 1950]) == .init(t0Seconds: 2700, inSeconds: 700))
        // 100 s early counts for T+2:30:00; the next is T+2:45:00.
        #expect(s.due(now: t0 + 9000, t0: t0, readings: [t0 + 8900]) == .init(t0Seconds: 9900, inSeconds: 900))
    }
}

@Suite("VitalsSchedule: which readings count")
struct VitalsReadingsTests {
    @Test("a reading before the dose does not meet a time after it; early by at most half of every")
    func whichCount() {
        let s = VitalsSchedule(beforeDose: true, every: 120)
        // The pre-dose reading at 599 s, dose at 600 s: T+2:00 is still owed.
        #expect(s.due(now: 610, t0: 600, readings: [599]) == .init(t0Seconds: 120, inSeconds: 110))
        // 61 s early is more than half of 2 min: does not count; 59 s early does.
        #expect(s.due(now: 680, t0: 600, readings: [600 + 59])?.t0Seconds == 120)
        #expect(s.due(now: 680, t0: 600, readings: [600 + 61])?.t0Seconds == 240)
    }
}

@Suite("VitalsSchedule: outcomes for the review")
struct VitalsOutcomeTests {
    @Test("each planned reading met by one reading in its window, or missed; none planned after the end")
    func outcomes() {
        let s = VitalsSchedule(beforeDose: true, at: [2400, 6000])
        // Dose at 600; readings before it, at T+42:00; the session ends at T+1:30:00.
        let o = s.outcomes(t0: 600, end: 600 + 5400, readings: [300, 600 + 2520])
        #expect(o == [.init(t0Seconds: nil, takenT0Seconds: -300),
                      .init(t0Seconds: 2400, takenT0Seconds: 2520)])
        // No reading at all: every one missed.
        #expect(s.outcomes(t0: 600, end: 600 + 7000, readings: []).map(\.takenT0Seconds) == [nil, nil, nil])
        // Every 15 min; one reading can only meet one time.
        let e = VitalsSchedule(every: 900).outcomes(t0: 0, end: 2800, readings: [950, 960])
        #expect(e == [.init(t0Seconds: 900, takenT0Seconds: 950), .init(t0Seconds: 1800, takenT0Seconds: nil),
                      .init(t0Seconds: 2700, takenT0Seconds: nil)])
    }
}

@Suite("VitalsSchedule: status and review agree")
struct VitalsAgreementTests {
    @Test("T+40 and T+45 with one reading at T+41: it meets T+40 (late), T+45 is still owed; the review says the same")
    func closeTimes() {
        let s = VitalsSchedule(at: [2400, 2700])
        let t0 = 600.0
        let reading = t0 + 2460
        #expect(s.due(now: reading + 10, t0: t0, readings: [reading]) == .init(t0Seconds: 2700, inSeconds: 230))
        #expect(s.outcomes(t0: t0, end: t0 + 3000, readings: [reading]) == [
            .init(t0Seconds: 2400, takenT0Seconds: 2460), .init(t0Seconds: 2700, takenT0Seconds: nil),
        ])
        // Half the 5 min gap early counts for T+45: 2.5 min before it, not 3.
        #expect(s.outcomes(t0: t0, end: t0 + 3000, readings: [t0 + 2400, t0 + 2560]).last?.takenT0Seconds == 2560)
        #expect(s.outcomes(t0: t0, end: t0 + 3000, readings: [t0 + 2400, t0 + 2540]).last?.takenT0Seconds == nil)
    }
}
