import InwardCore
import Testing

@Suite("Session state machine")
struct SessionStateTests {
    @Test("a session waits for the dose, then plays; the first dose is T0, later ones boosters")
    func doses() throws {
        var s = SessionState()
        #expect(try s.apply(.start(hasUntilDosePhase: true)) == .changed)
        #expect(s.phase == .waitingForDose)
        #expect(try s.apply(.dose) == .t0)
        #expect(s.phase == .playing)
        #expect(try s.apply(.dose) == .booster)
        #expect(try s.apply(.dose) == .booster)
        #expect(s.boosters == 2)
    }

    @Test("controls without a session are refused; a second start is refused")
    func refusals() throws {
        var s = SessionState()
        for c in [SessionState.Control.dose, .pause, .resume, .silence, .stop] {
            #expect(throws: SessionState.Refusal.noSession) { try s.apply(c) }
        }
        try s.apply(.start(hasUntilDosePhase: false))
        #expect(s.phase == .playing)
        #expect(throws: SessionState.Refusal.sessionActive) { try s.apply(.start(hasUntilDosePhase: false)) }
    }

    @Test("pause, silence and resume; repeats change nothing; resume before the dose waits again")
    func quiet() throws {
        var s = SessionState()
        try s.apply(.start(hasUntilDosePhase: true))
        #expect(try s.apply(.pause) == .changed)
        #expect(s.isQuiet)
        #expect(try s.apply(.pause) == .unchanged)
        #expect(try s.apply(.resume) == .changed)
        #expect(s.phase == .waitingForDose)
        #expect(try s.apply(.resume) == .unchanged)
        try s.apply(.dose)
        #expect(try s.apply(.silence) == .changed)
        #expect(s.phase == .silenced)
        #expect(try s.apply(.resume) == .changed)
        #expect(s.phase == .playing)
    }

    @Test("stopping refuses further controls until the session has ended")
    func stopping() throws {
        var s = SessionState()
        try s.apply(.start(hasUntilDosePhase: false))
        try s.apply(.stop)
        #expect(s.phase == .stopping)
        #expect(throws: SessionState.Refusal.stopping) { try s.apply(.pause) }
        #expect(throws: SessionState.Refusal.stopping) { try s.apply(.dose) }
        #expect(try s.apply(.ended) == .changed)
        #expect(s.phase == .idle)
        #expect(try s.apply(.start(hasUntilDosePhase: false)) == .changed)
    }
}
