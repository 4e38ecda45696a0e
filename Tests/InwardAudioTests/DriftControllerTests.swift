import InwardAudio
import Testing

/// The drift controller alone, against simulated sound cards: the clock
/// output plays session frames at exactly 48 kHz, the other output's crystal
/// runs `ppm` fast or slow, and its delay is measured with the noise of a
/// device that reports its position in steps.
@Suite("Drift controller")
struct DriftControllerTests {
    struct Run {
        var worstFrames = 0.0
        var worstDeviation = 0.0
        var worstStep = 0.0
        var finalRatio = 1.0
    }

    /// Simulates `hours` of a session, one measurement per 1024-frame write.
    static func simulate(ppm: Double, noiseFrames: Double, hours: Double, startOffset: Double = 0) -> Run {
        let rate = 48000.0
        var controller = DriftController(sampleRate: Int(rate))
        let dt = 1024 / rate
        var offset = startOffset     // clock output's heard frame minus this output's
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        var run = Run()
        var last = controller.ratio
        let steps = Int(hours * 3600 / dt)
        for _ in 0..<steps {
            // This output consumes ratio * its own (drifting) rate of session frames per second.
            offset += rate * dt * (1 - controller.ratio * (1 + ppm * 1e-6))
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            let noise = (Double(seed >> 11) / Double(1 << 53) * 2 - 1) * noiseFrames
            controller.update(errorFrames: offset + noise, seconds: dt)
            run.worstFrames = max(run.worstFrames, abs(offset))
            run.worstDeviation = max(run.worstDeviation, abs(controller.ratio - 1))
            run.worstStep = max(run.worstStep, abs(controller.ratio - last) / dt)
            last = controller.ratio
        }
        run.finalRatio = controller.ratio
        return run
    }

    @Test("a card 300 ppm fast or slow stays within 2 ms of the clock for two hours, the ratio within 0.1 % and smooth",
          arguments: [300.0, -300.0], [0.0, 256.0])
    func twoHours(ppm: Double, noise: Double) {
        let run = Self.simulate(ppm: ppm, noiseFrames: noise, hours: 2)
        let twoMs = 0.002 * 48000
        #expect(run.worstFrames <= twoMs, "worst offset \(run.worstFrames) frames (\(run.worstFrames / 48) ms)")
        #expect(run.worstDeviation <= DriftController.maxDeviation + 1e-12, "ratio went \(run.worstDeviation) from 1")
        #expect(run.worstStep <= DriftController.maxSlewPerSecond * 1.0001, "ratio moved \(run.worstStep) per second")
        // The integral learnt the crystal: the ratio settles at 1 / (1 + ppm).
        #expect(abs(run.finalRatio - 1 / (1 + ppm * 1e-6)) < (noise == 0 ? 1e-6 : 50e-6), "final ratio \(run.finalRatio)")
    }

    @Test("a card exactly on the clock is left alone")
    func noDrift() {
        let run = Self.simulate(ppm: 0, noiseFrames: 0, hours: 0.5)
        #expect(run.worstFrames == 0)
        #expect(run.finalRatio == 1)
    }

    @Test("an offset beyond 20 ms is for the caller to jump, not to steer; within it, steering")
    func jumps() {
        let controller = DriftController(sampleRate: 48000)
        #expect(controller.needsJump(0.021 * 48000))
        #expect(controller.needsJump(-0.021 * 48000))
        #expect(!controller.needsJump(0.019 * 48000))
    }

    @Test("an offset of 15 ms is steered away within the ratio bound, in under two minutes")
    func steersAway() {
        let start = 0.015 * 48000
        var controller = DriftController(sampleRate: 48000)
        let dt = 1024 / 48000.0
        var offset = start
        var t = 0.0
        while abs(offset) > 0.001 * 48000 && t < 600 {
            offset += 48000 * dt * (1 - controller.ratio)
            controller.update(errorFrames: offset, seconds: dt)
            #expect(abs(controller.ratio - 1) <= DriftController.maxDeviation)
            t += dt
        }
        #expect(t < 120, "took \(t) s to come within 1 ms")
    }
}
