@testable import InwardTestSupport
import InwardAudio
import Testing

@Suite("Limiter")
struct LimiterTests {
    /// Runs `input` (interleaved stereo) through a limiter in blocks of `block` frames.
    func limit(_ input: [Float], ceiling: Float, lookahead: Int, block: Int) -> [Float] {
        let limiter = Limiter(ceiling: ceiling, lookahead: lookahead)
        var x = input
        x.withUnsafeMutableBufferPointer { p in
            var done = 0
            let frames = p.count / 2
            while done < frames {
                let n = min(block, frames - done)
                limiter.process(p.baseAddress! + 2 * done, frames: n)
                done += n
            }
        }
        return x
    }

    func noise(_ frames: Int, amplitude: Float, seed: UInt64 = 7) -> [Float] {
        var s = seed
        return (0..<(2 * frames)).map { _ in
            s ^= s << 13; s ^= s >> 7; s ^= s << 17
            return amplitude * (Float(s >> 40) / Float(1 << 23) - 1)
        }
    }

    @Test("below the ceiling it is an exact delay of lookahead - 1 frames", arguments: [1, 100, 4096])
    func exactDelay(block: Int) {
        let input = noise(20_000, amplitude: 0.5)
        let out = limit(input, ceiling: 0.9, lookahead: 240, block: block)
        let d = 239
        #expect(out[0..<(2 * d)].allSatisfy { $0 == 0 })
        #expect(Array(out[(2 * d)...]) == Array(input[0..<(input.count - 2 * d)]))
    }

    @Test("no sample leaves above the ceiling, and the gain glides", arguments: [64, 1000, 4096])
    func ceilingHolds(block: Int) {
        // Quiet noise with loud bursts well over the ceiling.
        var input = noise(48_000, amplitude: 0.2)
        for burst in stride(from: 5000, to: 45_000, by: 9000) {
            for i in burst..<(burst + 800) { input[2 * i] *= 8; input[2 * i + 1] *= 8 }
        }
        let ceiling: Float = 0.5
        let out = limit(input, ceiling: ceiling, lookahead: 240, block: block)
        #expect(out.allSatisfy { abs($0) <= ceiling })
        // The limiter acts only around the bursts: far from them the signal is the delayed input.
        let d = 239
        for i in 1000..<4000 { #expect(out[2 * (i + d)] == input[2 * i]) }
        // Gain never jumps: the ratio out/in changes by little from sample to sample.
        var worst: Float = 0
        var previous: Float?
        for i in 0..<(input.count / 2 - d) where abs(input[2 * i]) > 0.05 {
            let g = out[2 * (i + d)] / input[2 * i]
            if let p = previous { worst = max(worst, abs(g - p)) }
            previous = g
        }
        #expect(worst < 0.05, "gain stepped by \(worst) between neighbouring samples")
    }
}

@Suite("Gain ramps")
struct GainRampTests {
    func ramp(from: Double, to: Double, frames: Int, block: Int) -> [Float] {
        var r = GainRamp(from)
        r.move(to: to, over: frames)
        var ones = [Float](repeating: 1, count: 2 * (frames + 100))
        ones.withUnsafeMutableBufferPointer { p in
            var done = 0
            while done < frames + 100 {
                let n = min(block, frames + 100 - done)
                r.apply(to: p.baseAddress! + 2 * done, frames: n)
                done += n
            }
        }
        return stride(from: 0, to: ones.count, by: 2).map { ones[$0] }
    }

    @Test("fades follow the equal-power curve within 0.1 dB and land exactly", arguments: [17, 512, 4096])
    func fadeCurves(block: Int) {
        let n = 48_000
        let up = ramp(from: 0, to: 0.5, frames: n, block: block)
        let down = ramp(from: 0.5, to: 0, frames: n, block: block)
        for i in stride(from: n / 100, to: n, by: 97) {
            let p = Double(i + 1) / Double(n)
            #expect(abs(Decibels.db(Double(up[i])) - Decibels.db(0.5 * FadeCurve.fadeIn(p))) < 0.1)
            if p < 0.99 { #expect(abs(Decibels.db(Double(down[i])) - Decibels.db(0.5 * FadeCurve.fadeOut(p))) < 0.1) }
        }
        #expect(up[n - 1] == 0.5 && up[n + 50] == 0.5)
        #expect(down[n - 1] == 0 && down[n + 50] == 0)
    }

    @Test("a move between two levels is linear in dB")
    func linearInDB() {
        let n = 10_000
        let g = ramp(from: Decibels.gain(-20), to: Decibels.gain(-8), frames: n, block: 1000)
        for i in stride(from: 0, to: n, by: 250) {
            let expected = -20 + 12 * Double(i + 1) / Double(n)
            #expect(abs(Decibels.db(Double(g[i])) - expected) < 0.05)
        }
    }

    @Test("equal-power law: fade-in² + fade-out² = 1")
    func equalPower() {
        for k in 0...100 {
            let p = Double(k) / 100
            #expect(abs(FadeCurve.fadeIn(p) * FadeCurve.fadeIn(p) + FadeCurve.fadeOut(p) * FadeCurve.fadeOut(p) - 1) < 1e-12)
        }
    }
}
