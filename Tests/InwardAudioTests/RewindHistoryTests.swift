import Glibc
import InwardAudio
import Testing

/// A device that can take back queued frames, like an ALSA hw or dmix PCM:
/// the application writes at `written`, the hardware reads at `played`, and
/// everything between them can be rewound. What the hardware has read is
/// final and lands in `heard`.
struct SimulatedRewindableDevice {
    let bufferFrames: Int
    /// Every frame the application has queued, by frame index (stereo, interleaved).
    private(set) var queued: [Float] = []
    private(set) var heard: [Float] = []
    private(set) var written = 0
    private(set) var played = 0

    init(bufferFrames: Int) { self.bufferFrames = bufferFrames }

    var rewindable: Int { written - played }
    var space: Int { bufferFrames - (written - played) }

    mutating func write(_ samples: UnsafePointer<Float>, frames: Int) {
        precondition(frames <= space, "write past the buffer")
        for k in 0..<2 * frames {
            let at = 2 * written + k
            if at < queued.count { queued[at] = samples[k] } else { queued.append(samples[k]) }
        }
        written += frames
    }

    /// Takes back `frames` queued frames; returns how many it could.
    mutating func rewind(_ frames: Int) -> Int {
        let n = min(frames, rewindable)
        written -= n
        return n
    }

    /// The hardware reads `frames` frames.
    mutating func play(_ frames: Int) {
        precondition(frames <= written - played, "underrun")
        heard.append(contentsOf: queued[(2 * played)..<(2 * (played + frames))])
        played += frames
    }
}

@Suite("Rewind history")
struct RewindHistoryTests {
    static let rate = 48000
    static let period = 256
    static let buffer = 1024

    /// Pre-stage audio: a 220 Hz sine at `amplitude`, `periods` periods.
    static func source(periods: Int, amplitude: Float) -> [Float] {
        (0..<(periods * period)).flatMap { i -> [Float] in
            let v = amplitude * Float(sin(2 * Double.pi * 220 * Double(i) / Double(rate)))
            return [v, -v]
        }
    }

    static func stage() -> OutputStage { OutputStage(sampleRate: rate, capDB: -6, loudestPhaseDB: -12) }

    /// The stream a stage produces when each control is applied at its frame
    /// (a period start), processing the same periods: what the room should hear.
    static func reference(_ input: [Float], controls: [(frame: Int, apply: (OutputStage) -> Void)]) -> [Float] {
        let s = stage()
        var x = input
        x.withUnsafeMutableBufferPointer { p in
            var at = 0
            while at < p.count / 2 {
                for c in controls where c.frame == at { c.apply(s) }
                s.process(p.baseAddress! + 2 * at, frames: period)
                at += period
            }
        }
        return x
    }

    /// Samples that differ between two streams (and the length difference), so a failure reads as a count.
    static func mismatches(_ a: [Float], _ b: [Float]) -> Int {
        zip(a, b).reduce(abs(a.count - b.count)) { $0 + ($1.0 == $1.1 ? 0 : 1) }
    }

    struct Run {
        var heard: [Float]
        /// For each control: the frame the hardware had reached when it arrived, and the frame it took effect at.
        var effects: [(arrived: Int, at: Int)]
    }

    /// Plays `input` to a simulated rewindable device, one period per wake-up
    /// with the buffer kept full; the controls arrive after the given periods
    /// have been played and are applied by rewinding (`rewind` true) or to the
    /// live stage only (heard after what is queued).
    static func play(_ input: [Float], controls: [(afterPeriod: Int, apply: (OutputStage) -> Void)],
                     rewind: Bool = true, margin: Int = 256) -> Run {
        let s = stage()
        let history = RewindHistory(periodFrames: period, bufferFrames: buffer, stage: s)
        var device = SimulatedRewindableDevice(bufferFrames: buffer)
        var block = [Float](repeating: 0, count: 2 * period)
        var redo = [Float](repeating: 0, count: 2 * buffer)
        let total = input.count / 2
        var next = 0
        var effects: [(arrived: Int, at: Int)] = []
        var playedPeriods = 0
        func writeLive() {
            block.withUnsafeMutableBufferPointer { b in
                for k in 0..<(2 * period) { b[k] = input[2 * next + k] }
                history.record(preStage: b.baseAddress!, stage: s)
                s.process(b.baseAddress!, frames: period)
                device.write(b.baseAddress!, frames: period)
            }
            next += period
        }
        while device.played < total {
            while next < total && device.space >= period { writeLive() }
            device.play(min(period, device.written - device.played))
            playedPeriods += 1
            for c in controls where c.afterPeriod == playedPeriods {
                if rewind, let from = history.rewindTarget(rewindable: device.rewindable, margin: margin) {
                    let n = redo.withUnsafeMutableBufferPointer { r in
                        history.rerender(from: from, stage: s, control: c.apply, into: r.baseAddress!)
                    }
                    let back = device.written - Int(from)
                    let taken = device.rewind(back)
                    #expect(taken == back)
                    redo.withUnsafeBufferPointer { r in device.write(r.baseAddress!, frames: n) }
                    effects.append((device.played, Int(from)))
                } else {
                    c.apply(s)
                    effects.append((device.played, Int(history.written)))
                }
            }
        }
        return Run(heard: device.heard, effects: effects)
    }

    @Test("a volume change rewound into the queue equals the change applied at that frame, sample for sample")
    func volumeRewindIsExact() {
        let input = Self.source(periods: 40, amplitude: 0.3)
        let down: (OutputStage) -> Void = { $0.setVolume(db: -20, over: 0.05) }
        let run = Self.play(input, controls: [(afterPeriod: 10, apply: down)])
        let effect = run.effects[0]
        // Taken back to the first period start past the margin: one period after the hardware pointer.
        #expect(effect.at - effect.arrived == Self.period)
        #expect(effect.at - effect.arrived <= Self.rate / 10)  // heard within 100 ms
        let expected = Self.reference(input, controls: [(effect.at, down)])
        #expect(run.heard.count == expected.count)
        #expect(Self.mismatches(run.heard, expected) == 0)
        // And it did act early: without the rewind the change lands after everything queued.
        let late = Self.play(input, controls: [(afterPeriod: 10, apply: down)], rewind: false)
        #expect(late.effects[0].at - late.effects[0].arrived == Self.buffer - Self.period)
        #expect(Self.mismatches(late.heard, run.heard) > 0)
    }

    @Test("two controls rewinding into the same queued frames: the second starts from the first's re-rendered state")
    func overlappingRewinds() {
        let input = Self.source(periods: 40, amplitude: 0.3)
        let pause: (OutputStage) -> Void = { $0.setPaused(true, fade: 0.5) }
        let resume: (OutputStage) -> Void = { $0.setPaused(false, fade: 0.5) }
        let run = Self.play(input, controls: [(afterPeriod: 8, apply: pause), (afterPeriod: 9, apply: resume)])
        let expected = Self.reference(input, controls: [(run.effects[0].at, pause), (run.effects[1].at, resume)])
        #expect(run.effects[1].at > run.effects[0].at)
        #expect(Self.mismatches(run.heard, expected) == 0)
    }

    @Test("with the limiter at work, its delay line and window are restored: still sample-exact, and no click")
    func limiterStateRestored() {
        // 1.5 full scale against a -6 dBFS cap: the limiter holds every period.
        let input = Self.source(periods: 40, amplitude: 1.5)
        let stop: (OutputStage) -> Void = { $0.stop(fade: 0.2) }
        let run = Self.play(input, controls: [(afterPeriod: 12, apply: stop)])
        let expected = Self.reference(input, controls: [(run.effects[0].at, stop)])
        #expect(Self.mismatches(run.heard, expected) == 0)
        // Continuity across the rewound frame: no step there larger than the
        // largest the limited sine takes anywhere without a control.
        let at = run.effects[0].at
        let plain = Self.reference(input, controls: [])
        var maxStep: Float = 0
        for i in 1..<(plain.count / 2) {
            let step: Float = abs(plain[2 * i] - plain[2 * (i - 1)])
            maxStep = max(maxStep, step)
        }
        for i in (at - 2)...(at + 2) {
            let step: Float = abs(run.heard[2 * i] - run.heard[2 * (i - 1)])
            #expect(step <= maxStep)
        }
    }

    @Test("nothing to take back past the margin: no rewind target")
    func noTargetInsideMargin() {
        let s = Self.stage()
        let history = RewindHistory(periodFrames: Self.period, bufferFrames: Self.buffer, stage: s)
        #expect(history.rewindTarget(rewindable: 1000, margin: 0) == nil)  // nothing recorded
        let block = [Float](repeating: 0, count: 2 * Self.period)
        for _ in 0..<6 { block.withUnsafeBufferPointer { history.record(preStage: $0.baseAddress!, stage: s) } }
        #expect(history.written == 6 * 256)
        let none = history.rewindTarget(rewindable: 300, margin: 256)
        let one = history.rewindTarget(rewindable: 512, margin: 256)
        let aligned = history.rewindTarget(rewindable: 700, margin: 256)  // period starts only
        let all = history.rewindTarget(rewindable: 100_000, margin: 0)
        #expect(none == nil)
        #expect(one == Int64(5 * 256))
        #expect(aligned == Int64(5 * 256))
        // Never further back than the periods it keeps (the buffer's worth).
        #expect(all == Int64(2 * 256))
    }
}
