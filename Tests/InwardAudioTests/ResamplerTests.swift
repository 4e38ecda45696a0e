@testable import InwardTestSupport
import Foundation
import InwardAudio
import Testing

@Suite("Resampler (libsoxr)")
struct ResamplerTests {
    /// Runs `input` (interleaved, `channels`) through `r` in blocks of
    /// `block` input frames with a small output buffer, then flushes.
    static func run(_ r: Resampler, _ input: [Float], channels: Int, block: Int, outBlock: Int = 1000) -> [Float] {
        var out: [Float] = []
        var obuf = [Float](repeating: 0, count: outBlock * channels)
        let frames = input.count / channels
        var pos = 0
        input.withUnsafeBufferPointer { inp in
            while pos < frames {
                let n = min(block, frames - pos)
                let res = obuf.withUnsafeMutableBufferPointer {
                    r.process(input: inp.baseAddress! + pos * channels, inputFrames: n,
                              output: $0.baseAddress!, outputCapacity: outBlock)
                }
                pos += res.consumed
                out.append(contentsOf: obuf[0..<(res.produced * channels)])
            }
        }
        while true {
            let res = obuf.withUnsafeMutableBufferPointer {
                r.process(input: nil, inputFrames: 0, output: $0.baseAddress!, outputCapacity: outBlock)
            }
            out.append(contentsOf: obuf[0..<(res.produced * channels)])
            if res.produced == 0 { break }
        }
        return out
    }

    static func sine(_ f: Double, rate: Int, seconds: Double, amplitude: Float = 0.5) -> [Float] {
        let w = 2 * Double.pi * f / Double(rate)
        return (0..<Int(seconds * Double(rate))).map { amplitude * Float(sin(w * Double($0))) }
    }

    @Test("44.1 -> 48 kHz keeps length (within 2 frames) and pitch (1 kHz +-1 Hz)",
          arguments: Resampler.Quality.allCases)
    func lengthAndPitch(_ q: Resampler.Quality) throws {
        let input = Self.sine(1000, rate: 44100, seconds: 5)
        let r = try Resampler(inputRate: 44100, outputRate: 48000, channels: 1, quality: q)
        let out = Self.run(r, input, channels: 1, block: 1234)
        #expect(abs(out.count - 240_000) <= 2, "\(q): \(out.count) frames")
        let middle = Array(out[4800..<(out.count - 4800)])
        let f = try #require(AudioAnalysis.zeroCrossingFrequency(middle, sampleRate: 48000))
        #expect(abs(f - 1000) < 1, "\(q): \(f) Hz")
        #expect(abs(AudioAnalysis.rmsDB(middle) - -9.03) < 0.1)
        // No clicks at block boundaries: a 0.5 sine at 1 kHz / 48 kHz moves at
        // most 0.5 * 2 pi * 1000 / 48000 = 0.065 per sample.
        #expect(AudioAnalysis.maxStep(middle) < 0.07)
    }

    @Test("soxr is offered at most maxInputBlock frames a call, so its FIFO stays small; the rest is consumed by the next calls")
    func inputBlock() throws {
        let input = Self.sine(1000, rate: 44100, seconds: 1)
        let r = try Resampler(inputRate: 44100, outputRate: 48000, channels: 1, quality: .high)
        var obuf = [Float](repeating: 0, count: 8192)
        let first = input.withUnsafeBufferPointer { i in
            obuf.withUnsafeMutableBufferPointer {
                r.process(input: i.baseAddress!, inputFrames: 4096, output: $0.baseAddress!, outputCapacity: 8192)
            }
        }
        #expect(first.consumed == Resampler.maxInputBlock, "consumed \(first.consumed) of 4096")
        let out = Self.run(r, Array(input[first.consumed...]), channels: 1, block: 4096, outBlock: 8192)
        #expect(abs(first.produced + out.count - 48000) <= 2, "\(first.produced + out.count) frames")
    }

    @Test("stereo stays separated and aligned; early output is held back until flush")
    func stereoAndLatency() throws {
        let l = Self.sine(440, rate: 48000, seconds: 1)
        let rr = Self.sine(1000, rate: 48000, seconds: 1, amplitude: 0.25)
        var inter = [Float](repeating: 0, count: l.count * 2)
        for i in 0..<l.count { inter[2 * i] = l[i]; inter[2 * i + 1] = rr[i] }
        let r = try Resampler(inputRate: 48000, outputRate: 44100, channels: 2)
        // First small call: soxr buffers input for its filter.
        var obuf = [Float](repeating: 0, count: 20000)
        let first = inter.withUnsafeBufferPointer { i in
            obuf.withUnsafeMutableBufferPointer {
                r.process(input: i.baseAddress!, inputFrames: 256, output: $0.baseAddress!, outputCapacity: 10000)
            }
        }
        #expect(first.consumed == 256)
        #expect(first.produced < 256 * 44100 / 48000, "produced \(first.produced)")
        let rest = Self.run(r, Array(inter[512...]), channels: 2, block: 4096)
        let total = first.produced + rest.count / 2
        #expect(abs(total - 44100) <= 2, "\(total)")
        let ch = WavReader.deinterleave(Array(obuf[0..<(first.produced * 2)]) + rest, channels: 2)
        let fl = try #require(AudioAnalysis.zeroCrossingFrequency(Array(ch[0][4410..<40000]), sampleRate: 44100))
        let fr = try #require(AudioAnalysis.zeroCrossingFrequency(Array(ch[1][4410..<40000]), sampleRate: 44100))
        #expect(abs(fl - 440) < 1 && abs(fr - 1000) < 1)
        #expect(abs(AudioAnalysis.rmsDB(ch[1][4410..<40000]) - -15.05) < 0.1)
    }

    @Test("invalid rates are refused with a resampler error naming the rates and what to do, not an ALSA one")
    func invalid() {
        do {
            _ = try Resampler(inputRate: 0, outputRate: 48000, channels: 2)
            Issue.record("a 0 Hz input was accepted")
        } catch {
            guard case .resampler(0, 48000, _) = error else { Issue.record("wrong error: \(error)"); return }
            #expect(error.description.contains("cannot resample 0 Hz to 48000 Hz"), "\(error)")
            #expect(!error.description.contains("ALSA"), "\(error)")
        }
    }
}
