import Testing
@testable import InwardCore

/// Builds plans from a compact description; sample rate 10 keeps frame numbers readable.
private func plan(_ phases: [(PhaseLength, Double)]) -> Plan {
    Plan(name: "t", route: .im, phases: phases.enumerated().map { i, p in
        Phase(name: "p\(i)", length: p.0, source: .silence, maxExtend: p.1)
    })
}

private func spans(_ t: Timeline) -> [[Int64?]] { t.spans.map { [$0.start, $0.end] } }

private let sr = 10
/// arrival 60 s, until dose, onset 300 s (extend up to 120 s), peak 600 s, return 900 s.
private let kap = plan([(.fixed(60), 0), (.untilDose, 0), (.fixed(300), 120), (.fixed(600), 0), (.fixed(900), 0)])

@Suite struct TimelineTests {
    @Test func withoutDoseOnlyPreDoseBoundariesAreKnown() {
        let t = Timeline(plan: kap, sampleRate: sr, t0: nil)
        #expect(spans(t) == [[0, 600], [600, nil], [nil, nil], [nil, nil], [nil, nil]])
        #expect(t.end == nil)
    }

    @Test func postDosePhasesChainFromT0() {
        let t = Timeline(plan: kap, sampleRate: sr, t0: 1000)
        #expect(spans(t) == [[0, 600], [600, 1000], [1000, 4000], [4000, 10000], [10000, 19000]])
        #expect(t.end == 19000)
    }

    @Test func doseAtFrameZeroCollapsesPreDosePhases() {
        let t = Timeline(plan: kap, sampleRate: sr, t0: 0)
        #expect(spans(t) == [[0, 0], [0, 0], [0, 3000], [3000, 9000], [9000, 18000]])
        #expect(t.phase(at: 0) == 2)
    }

    @Test func negativeT0IsTreatedAsZero() {
        #expect(Timeline(plan: kap, sampleRate: sr, t0: -50) == Timeline(plan: kap, sampleRate: sr, t0: 0))
    }

    @Test func doseDuringAPreDosePhaseEndsItAtT0() {
        let t = Timeline(plan: kap, sampleRate: sr, t0: 200)
        #expect(spans(t) == [[0, 200], [200, 200], [200, 3200], [3200, 9200], [9200, 18200]])
    }

    @Test func doseDuringAnEarlierPreDosePhaseZeroesTheLaterOnes() {
        let p = plan([(.fixed(60), 0), (.fixed(60), 0), (.untilDose, 0), (.fixed(100), 0)])
        let t = Timeline(plan: p, sampleRate: sr, t0: 300)
        #expect(spans(t) == [[0, 300], [300, 300], [300, 300], [300, 1300]])
        #expect(t.phase(at: 299) == 0)
        #expect(t.phase(at: 300) == 3)
    }

    @Test func doseExactlyAtAPreDoseBoundary() {
        let p = plan([(.fixed(60), 0), (.fixed(60), 0), (.untilDose, 0), (.fixed(100), 0)])
        let t = Timeline(plan: p, sampleRate: sr, t0: 600)
        #expect(spans(t) == [[0, 600], [600, 600], [600, 600], [600, 1600]])
    }

    @Test func doseAfterPreDosePhasesEndsTheUntilDosePhase() {
        let p = plan([(.fixed(60), 0), (.fixed(60), 0), (.untilDose, 0), (.fixed(100), 0)])
        let t = Timeline(plan: p, sampleRate: sr, t0: 5000)
        #expect(spans(t) == [[0, 600], [600, 1200], [1200, 5000], [5000, 6000]])
    }

    @Test func holdExtendsAFixedPhaseAndShiftsLaterOnes() {
        let t = Timeline(plan: kap, sampleRate: sr, t0: 1000, holds: [2: 500])
        #expect(spans(t) == [[0, 600], [600, 1000], [1000, 4500], [4500, 10500], [10500, 19500]])
    }

    @Test func holdBeyondMaxExtendIsClamped() {
        let t = Timeline(plan: kap, sampleRate: sr, t0: 1000, holds: [2: 5000])
        #expect(t.spans[2] == .init(start: 1000, end: 5200))
    }

    @Test func negativeHoldIsClampedToZero() {
        let t = Timeline(plan: kap, sampleRate: sr, t0: 1000, holds: [2: -500])
        #expect(t.spans[2] == .init(start: 1000, end: 4000))
    }

    @Test func holdOnAPhaseWithoutMaxExtendIsIgnored() {
        let t = Timeline(plan: kap, sampleRate: sr, t0: 1000, holds: [3: 500])
        #expect(t.spans[3] == .init(start: 4000, end: 10000))
    }

    @Test func holdAndAdvanceOnTheUntilDosePhaseAreIgnored() {
        let t = Timeline(plan: kap, sampleRate: sr, t0: 1000, holds: [1: 500], advances: [1: 700])
        #expect(t == Timeline(plan: kap, sampleRate: sr, t0: 1000))
        let waiting = Timeline(plan: kap, sampleRate: sr, t0: nil, advances: [1: 700])
        #expect(waiting.spans[1] == .init(start: 600, end: nil))
    }

    @Test func holdsForMissingPhasesAreIgnored() {
        let t = Timeline(plan: kap, sampleRate: sr, t0: 1000, holds: [9: 100, -1: 100], advances: [7: 3])
        #expect(t == Timeline(plan: kap, sampleRate: sr, t0: 1000))
    }

    @Test func advanceEndsAPhaseEarly() {
        let t = Timeline(plan: kap, sampleRate: sr, t0: 1000, advances: [2: 2000])
        #expect(spans(t) == [[0, 600], [600, 1000], [1000, 2000], [2000, 8000], [8000, 17000]])
    }

    @Test func advanceBeforeTheStartEndsThePhaseAtItsStart() {
        let t = Timeline(plan: kap, sampleRate: sr, t0: 1000, advances: [2: 500])
        #expect(t.spans[2] == .init(start: 1000, end: 1000))
        #expect(t.spans[3] == .init(start: 1000, end: 7000))
    }

    @Test func advanceAfterTheNaturalEndHasNoEffect() {
        let t = Timeline(plan: kap, sampleRate: sr, t0: 1000, advances: [2: 9999])
        #expect(t.spans[2] == .init(start: 1000, end: 4000))
    }

    @Test func advanceAndHoldOnTheSamePhase() {
        let inHold = Timeline(plan: kap, sampleRate: sr, t0: 1000, holds: [2: 1000], advances: [2: 4500])
        #expect(inHold.spans[2] == .init(start: 1000, end: 4500))
        let pastHold = Timeline(plan: kap, sampleRate: sr, t0: 1000, holds: [2: 1000], advances: [2: 6000])
        #expect(pastHold.spans[2] == .init(start: 1000, end: 5000))
    }

    @Test func advanceOfAPreDosePhaseMovesTheUntilDoseStart() {
        let t = Timeline(plan: kap, sampleRate: sr, t0: nil, advances: [0: 100])
        #expect(spans(t)[0...1] == [[0, 100], [100, nil]])
    }

    @Test func doseDuringAPreDoseHoldEndsThePhaseAtT0() {
        let p = plan([(.fixed(60), 60), (.untilDose, 0), (.fixed(100), 0)])
        let t = Timeline(plan: p, sampleRate: sr, t0: 800, holds: [0: 300])
        #expect(spans(t) == [[0, 800], [800, 800], [800, 1800]])
        let later = Timeline(plan: p, sampleRate: sr, t0: 1000, holds: [0: 300])
        #expect(spans(later) == [[0, 900], [900, 1000], [1000, 2000]])
    }

    @Test func planWithoutUntilDosePhaseIgnoresT0() {
        let p = plan([(.fixed(60), 0), (.fixed(60), 0)])
        let t = Timeline(plan: p, sampleRate: sr, t0: 100)
        #expect(spans(t) == [[0, 600], [600, 1200]])
        #expect(t == Timeline(plan: p, sampleRate: sr, t0: nil))
        #expect(t.end == 1200)
    }

    @Test func untilDosePhaseFirst() {
        let p = plan([(.untilDose, 0), (.fixed(60), 0)])
        #expect(spans(Timeline(plan: p, sampleRate: sr, t0: nil)) == [[0, nil], [nil, nil]])
        #expect(spans(Timeline(plan: p, sampleRate: sr, t0: 50)) == [[0, 50], [50, 650]])
        #expect(spans(Timeline(plan: p, sampleRate: sr, t0: 0)) == [[0, 0], [0, 600]])
    }

    @Test func untilDosePhaseLast() {
        let p = plan([(.fixed(60), 0), (.untilDose, 0)])
        let late = Timeline(plan: p, sampleRate: sr, t0: 1000)
        #expect(spans(late) == [[0, 600], [600, 1000]])
        #expect(late.end == 1000)
        let early = Timeline(plan: p, sampleRate: sr, t0: 100)
        #expect(spans(early) == [[0, 100], [100, 100]])
        #expect(early.end == 100)
        #expect(Timeline(plan: p, sampleRate: sr, t0: nil).end == nil)
    }

    @Test func emptyPlanHasNoSpansAndEndsAtZero() {
        let t = Timeline(plan: plan([]), sampleRate: sr, t0: nil)
        #expect(t.spans.isEmpty)
        #expect(t.end == 0)
        #expect(t.phase(at: 0) == nil)
    }

    @Test func phaseAtFrame() {
        let t = Timeline(plan: kap, sampleRate: sr, t0: 1000)
        #expect(t.phase(at: -1) == nil)
        #expect(t.phase(at: 0) == 0)
        #expect(t.phase(at: 599) == 0)
        #expect(t.phase(at: 600) == 1)
        #expect(t.phase(at: 999) == 1)
        #expect(t.phase(at: 1000) == 2)
        #expect(t.phase(at: 18999) == 4)
        #expect(t.phase(at: 19000) == nil)
        #expect(t.phase(at: .max) == nil)
    }

    @Test func phaseAtFrameWhileWaitingForTheDose() {
        let t = Timeline(plan: kap, sampleRate: sr, t0: nil)
        #expect(t.phase(at: 599) == 0)
        // The until-dose phase is open-ended until T0 is marked.
        #expect(t.phase(at: 600) == 1)
        #expect(t.phase(at: 1_000_000) == 1)
        #expect(t.phase(at: -1) == nil)
    }

    @Test func zeroLengthPhasesNeverPlay() {
        let t = Timeline(plan: kap, sampleRate: sr, t0: 200)
        #expect(t.phase(at: 199) == 0)
        #expect(t.phase(at: 200) == 2)
    }

    @Test(arguments: [
        (1.5, 44100, Int64(66150)), (1.5, 48000, 72000), (0.00001, 44100, 0), (0.0000114, 44100, 1),
        (1.0 / 3.0, 48000, 16000), (0.1, 44100, 4410), (7200, 48000, 345_600_000), (0, 44100, 0),
        (-1, 48000, -48000), (.infinity, 48000, 0), (.nan, 44100, 0),
    ])
    func framesRoundsToNearest(_ seconds: Double, _ rate: Int, _ expected: Int64) {
        #expect(Timeline.frames(seconds, sampleRate: rate) == expected)
    }

    @Test func eachPhaseLengthIsRoundedOnItsOwn() {
        // 0.6 frame at 44100 Hz rounds to 1, so three such phases end at 1, 2, 3.
        let tiny = 0.6 / 44100
        let p = plan([(.fixed(tiny), 0), (.fixed(tiny), 0), (.fixed(tiny), 0)])
        #expect(spans(Timeline(plan: p, sampleRate: 44100, t0: nil)) == [[0, 1], [1, 2], [2, 3]])
    }

    @Test func realisticRatesAndMaxExtendRounding() {
        let p = plan([(.fixed(10.00001), 0.5), (.untilDose, 0), (.fixed(1200), 0)])
        let t = Timeline(plan: p, sampleRate: 44100, t0: 1_000_000, holds: [0: 99999])
        #expect(t.spans[0] == .init(start: 0, end: 441_000 + 22_050))
        #expect(t.spans[2] == .init(start: 1_000_000, end: 1_000_000 + 52_920_000))
        let t48 = Timeline(plan: p, sampleRate: 48000, t0: nil)
        #expect(t48.spans[0].end == 480_000)
        #expect(t48.spans[0].length == 480_000)
    }
}
