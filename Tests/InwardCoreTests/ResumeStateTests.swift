import Foundation
import InwardCore
import Testing

/// When a saved session goes on after a restart, and from which frame.
@Suite("ResumeState")
struct ResumeStateTests {
    static let text = """
        name = "r"
        route = "im"
        [[phase]]
        name = "arrival"
        duration = "until dose"
        source = { kind = "silence" }
        [[phase]]
        name = "onset"
        duration = "10m"
        max_extend = "5m"
        source = { kind = "silence" }
        """

    func plan() throws -> Plan {
        try PlanParser.parse(Self.text, file: "r.toml", folder: "/plans") { _ in true }.plan
    }

    /// Dosed at 60 s, saved at session frame 120 s heard at wall time 1000.
    func saved(pace: Double = 1) -> ResumeState {
        var s = ResumeState(sessionID: "20261126-170000-abcd", planFile: "/plans/r.toml", planSHA256: "h", client: "C-1",
                            sampleRate: 48_000, pace: pace, anchorFrame: 120 * 48_000, anchorWall: 1000)
        s.t0 = 60 * 48_000
        s.boosters = 1
        return s
    }

    @Test("goes on at the saved frame plus the wall time since, times the pace")
    func resumeFrame() throws {
        let plan = try plan()
        #expect(saved().decide(now: 1003, plan: plan, planSHA256: "h") == .resume(frame: 123 * 48_000, gapSeconds: 3))
        #expect(saved(pace: 20).decide(now: 1003, plan: plan, planSHA256: "h") == .resume(frame: 180 * 48_000, gapSeconds: 3))
    }

    @Test("is closed instead, saying why, when it cannot rightly go on")
    func abandoned() throws {
        let plan = try plan()
        func reason(_ d: ResumeState.Decision) -> String {
            if case .abandon(let r) = d { return r }
            return "resumed"
        }
        #expect(reason(saved().decide(now: 1003, plan: plan, planSHA256: "other")).contains("changed"))
        #expect(reason(saved().decide(now: 999, plan: plan, planSHA256: "h")).contains("went back"))
        #expect(reason(saved().decide(now: 1000 + 31 * 60, plan: plan, planSHA256: "h")).contains("down 31 min"))
        // Dosed at 60 s, onset 10 min: the plan ends at 660 s; 545 s after 120 s is 665 s.
        #expect(reason(saved().decide(now: 1545, plan: plan, planSHA256: "h")).contains("ran out"))
        var stopping = saved()
        stopping.quiet = .stopping
        stopping.t0 = nil
        #expect(reason(stopping.decide(now: 1001, plan: plan, planSHA256: "h")).contains("being stopped"))
        var future = saved()
        future.version = ResumeState.currentVersion + 1
        #expect(reason(future.decide(now: 1001, plan: plan, planSHA256: "h")).contains("version \(ResumeState.currentVersion + 1)"))
    }

    @Test("a record in aftercare goes on after a restart whatever the plan's time and the outage, until the open-record limit")
    func aftercare() throws {
        let plan = try plan()
        var s = saved()
        s.aftercare = true
        // Past the plan's end, down 40 min, the plan file changed: the record still goes on, on the wall clock.
        let later = s.decide(now: 1000 + 40 * 60, plan: plan, planSHA256: "other")
        let expectedFrame: Int64 = 120 * 48_000 + 40 * 60 * 48_000
        #expect(later == .resume(frame: expectedFrame, gapSeconds: 2400))
        #expect(s.restoredState(hasUntilDosePhase: true).phase == .aftercare)
        // Open longer than the limit (counted from the session's start): closed as not discharged.
        if case .abandon(let reason) = s.decide(now: 1000 + 9 * 3600, plan: plan, planSHA256: "h") {
            #expect(reason.hasPrefix("not discharged"))
        } else {
            Issue.record("a record open 9 h was picked up again")
        }
        // A stop fading out after a dose was on its way to aftercare.
        var stopping = saved()
        stopping.quiet = .stopping
        #expect(stopping.continuesInAftercare)
        #expect(stopping.restoredState(hasUntilDosePhase: true).phase == .aftercare)
    }

    @Test("a hold saved with the session keeps the plan going longer")
    func holdsCount() throws {
        let plan = try plan()
        var held = saved()
        held.holds = [1: 60 * 48_000]
        #expect(held.decide(now: 1545, plan: plan, planSHA256: "h") == .resume(frame: 665 * 48_000, gapSeconds: 545))
    }

    @Test("the session state comes back: dosed with its boosters, paused or silenced as it was")
    func restoredState() {
        var s = saved()
        s.quiet = .silenced
        let state = s.restoredState(hasUntilDosePhase: true)
        #expect(state.phase == .silenced && state.dosed && state.boosters == 1)
        var undosed = saved()
        undosed.t0 = nil
        undosed.boosters = 0
        #expect(undosed.restoredState(hasUntilDosePhase: true).phase == .waitingForDose)
    }
}
