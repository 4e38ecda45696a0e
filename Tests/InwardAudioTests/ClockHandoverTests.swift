import InwardAudio
import Testing

/// The clock handover's pure parts: which output paces the session
/// (`ClockChoice`), how the first output falls in step again before it is
/// heard (`OutputAlignment`), and the ratio of the output taking the clock
/// returning to 1 (`DriftController.returnToNominal`).
@Suite("Clock handover")
struct ClockHandoverTests {
    typealias O = ClockChoice.Output

    @Test("the first output is the clock while it plays, whoever held it")
    func firstWhilePlaying() {
        #expect(ClockChoice.clock(first: .playing, following: [O.playing, .playing], current: 0) == 0)
        #expect(ClockChoice.clock(first: .playing, following: [O.playing, .playing], current: 2) == 0)
        #expect(ClockChoice.clock(first: .playing, following: [O](), current: nil) == 0)
    }

    @Test("the first lost: the next output playing takes the clock, in the room's order")
    func nextPlaying() {
        #expect(ClockChoice.clock(first: .silent, following: [O.playing, .playing], current: 0) == 1)
        #expect(ClockChoice.clock(first: .silent, following: [O.silent, .playing], current: 0) == 2)
        #expect(ClockChoice.clock(first: .silent, following: [O.silent, .silent, .playing], current: 0) == 3)
    }

    @Test("the output holding the clock keeps it while it plays, even when an earlier one plays again")
    func noHopping() {
        #expect(ClockChoice.clock(first: .silent, following: [O.playing, .playing], current: 2) == 2)
        // It is lost: the clock goes to the first output playing.
        #expect(ClockChoice.clock(first: .silent, following: [O.playing, .silent], current: 2) == 1)
    }

    @Test("no output playing: the wall clock (nil)")
    func wallClock() {
        #expect(ClockChoice.clock(first: .silent, following: [O.silent, .silent], current: 1) == nil)
        #expect(ClockChoice.clock(first: .silent, following: [O](), current: 0) == nil)
        #expect(ClockChoice.clock(first: .silent, following: [O.playing], current: nil) == 1)
    }

    /// Simulates the first output back: it lags the clock by `lag` frames,
    /// measured with `noise` frames of alternating error; each jump the
    /// rejoin asks for is applied in full. Returns the measurements taken
    /// until it fades in, and the offset left then.
    static func rejoin(lag: Double, noise: Double, maxMeasurements: Int = 10_000) -> (measurements: Int, left: Double, faded: Bool) {
        var r = OutputAlignment(sampleRate: 48000)
        var offset = lag
        var sign = 1.0
        for k in 1...maxMeasurements {
            sign = -sign
            switch r.measure(offset: offset + sign * noise, frames: 1024) {
            case .wait: break
            case .jump(let f): offset -= f
            case .fadeIn(let f): return (k, offset - f, true)
            }
        }
        return (maxMeasurements, offset, false)
    }

    @Test("a large offset is jumped away, then it fades in once 2 s of averages agree, in step within 0.5 ms")
    func jumpThenSettle() {
        for lag in [-4800.0, -300, 0, 37, 960, 48000] {
            let run = Self.rejoin(lag: lag, noise: 100)
            #expect(run.faded, "lag \(lag)")
            #expect(abs(run.left) < 24, "lag \(lag): \(run.left) frames left")
            // At 1024 frames a measurement, a quarter of a second is 12 measurements; 8 averages at least (2 s).
            #expect(run.measurements >= 8 * 12, "lag \(lag): faded in after \(run.measurements)")
            #expect(run.measurements <= 10 * 12, "lag \(lag): faded in after \(run.measurements)")
        }
    }

    @Test("figures that never agree: it fades in all the same after 12 s of averages")
    func givesUp() {
        var r = OutputAlignment(sampleRate: 48000)
        var k = 0
        var faded = false
        while !faded && k < 10_000 {
            k += 1
            // A sawtooth of averages 0.2 ms ... 0.9 ms: under the jump, never within 0.5 ms of each other.
            let average = Double((k / 12) % 8) * 4.8 + 9.6
            if case .fadeIn = r.measure(offset: average, frames: 1024) { faded = true }
        }
        #expect(faded)
        #expect(r.averagesTaken == OutputAlignment.maxAverages)
    }

    @Test("reset starts the count over")
    func resetStartsOver() {
        var r = OutputAlignment(sampleRate: 48000)
        for _ in 0..<(7 * 12) { _ = r.measure(offset: 0, frames: 1024) }
        r.reset()
        var first: OutputAlignment.Step?
        var k = 0
        while first == nil {
            k += 1
            if case .fadeIn = r.measure(offset: 0, frames: 1024) { first = .fadeIn(jump: 0) }
        }
        #expect(k >= 8 * 12)
    }

    @Test("the output taking the clock: its ratio returns to 1 at most 0.02 % a second, never stepping")
    func ratioBackToNominal() {
        // Learn a card 300 ppm slow: the ratio settles near 1.0003.
        var c = DriftController(sampleRate: 48000)
        var offset = 0.0
        for _ in 0..<(600 * 47) {
            offset += 1024 * (1 - c.ratio * (1 - 300e-6))
            c.update(errorFrames: offset, seconds: 1024.0 / 48000)
        }
        let learnt = c.ratio
        #expect(abs(learnt - 1 / (1 - 300e-6)) < 2e-5, "\(learnt)")
        var last = c.ratio
        var steps = 0
        while c.ratio != 1 && steps < 100_000 {
            c.returnToNominal(seconds: 1024.0 / 48000)
            #expect(abs(c.ratio - last) <= DriftController.maxSlewPerSecond * 1024 / 48000 + 1e-12)
            #expect(abs(c.ratio - 1) <= DriftController.maxDeviation)
            last = c.ratio
            steps += 1
        }
        #expect(c.ratio == 1)
        // 0.03 % at 0.02 %/s: about 1.5 s.
        let seconds = Double(steps) * 1024 / 48000
        #expect(seconds > 1 && seconds < 2.5, "\(seconds) s")
        #expect(c.filteredError == nil)
    }
}
