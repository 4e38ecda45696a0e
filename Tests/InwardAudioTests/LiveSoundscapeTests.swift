@testable import InwardTestSupport
import Foundation
import InwardAudio
import InwardCore
import Testing

/// Changing the playing soundscape's intensity and brightness: a crossfade
/// over the asked time to the same piece with the new settings, heard as
/// intended (spectral centroid for brightness, level for intensity).
@Suite("Live soundscape in the mix")
struct LiveSoundscapeTests {
    static let rate = 48000
    static let plan = """
        name = "live"
        route = "other"
        level_cap_db = -3
        [[phase]]
        name = "bed"
        duration = "100s"
        level_db = -6
        fade_in = "1s"
        fade_out = "1s"
        source = { kind = "soundscape", intensity = 0.5, brightness = 0.2, seed = 5 }
        """

    /// Power-weighted mean frequency of `x`, Hz (a DFT over 4096-frame hops, coarse but plain).
    static func centroid(_ x: ArraySlice<Float>) -> Double {
        var weighted = 0.0, total = 0.0
        let n = 2048
        var start = x.startIndex
        while start + n <= x.endIndex {
            let frame = Array(x[start..<(start + n)])
            for k in stride(from: 1, to: n / 2, by: 2) {
                var re = 0.0, im = 0.0
                let w = 2 * Double.pi * Double(k) / Double(n)
                for (i, v) in frame.enumerated() {
                    re += Double(v) * cos(w * Double(i))
                    im -= Double(v) * sin(w * Double(i))
                }
                let p = re * re + im * im
                weighted += p * Double(k) * Double(rate) / Double(n)
                total += p
            }
            start += 48 * n
        }
        return weighted / max(total, 1e-30)
    }

    func render(_ f: SessionFixture, at: Double?, intensity: Double?, brightness: Double?) throws -> [Float] {
        var done = false
        return try f.render(Self.plan, into: .alsa, format: .s32) { p in
            if let at, !done, Double(p.position) >= at * Double(Self.rate) {
                done = true
                #expect(p.mixer.setSoundscape(intensity: intensity, brightness: brightness, over: 30) != nil)
            }
        }.left
    }

    @Test("brightness 0.2 -> 0.9 over 30 s raises the spectral centroid, smoothly, at the same level")
    func brightness() throws {
        let f = SessionFixture("live-bright")
        let plain = try render(f, at: nil, intensity: nil, brightness: nil)
        let bright = try render(f, at: 10, intensity: nil, brightness: 0.9)
        let r = Self.rate
        let c0 = Self.centroid(plain[(50 * r)..<(90 * r)]), c1 = Self.centroid(bright[(50 * r)..<(90 * r)])
        let l0 = AudioAnalysis.rmsDB(plain[(50 * r)..<(90 * r)]), l1 = AudioAnalysis.rmsDB(bright[(50 * r)..<(90 * r)])
        #expect(c1 > c0 * 1.2, "centroid \(c0) Hz -> \(c1) Hz")
        #expect(abs(l1 - l0) < 3, "level \(l0) -> \(l1) dB")
        // Before the change, the same samples.
        #expect(zip(plain[(2 * r)..<(9 * r)], bright[(2 * r)..<(9 * r)]).allSatisfy { $0 == $1 })
        #expect(AudioAnalysis.maxStep(bright) < 0.05)
        print("brightness 0.2 -> 0.9: centroid \(Int(c0)) -> \(Int(c1)) Hz, level \(l0) -> \(l1) dB")
    }

    @Test("intensity 0.5 -> 1.0 over 30 s makes the bed denser (its level moves more) at about the same level")
    func intensity() throws {
        let f = SessionFixture("live-intense")
        let plain = try render(f, at: nil, intensity: nil, brightness: nil)
        let dense = try render(f, at: 10, intensity: 1.0, brightness: nil)
        let r = Self.rate
        let l0 = AudioAnalysis.rmsDB(plain[(50 * r)..<(90 * r)]), l1 = AudioAnalysis.rmsDB(dense[(50 * r)..<(90 * r)])
        // The soundscape holds its long-term level across intensity (within about 3 dB by design).
        #expect(abs(l1 - l0) < 3, "level \(l0) -> \(l1) dB")
        // Density: more movement, so the level varies more from second to second.
        func spread(_ x: [Float]) -> Double {
            let w = AudioAnalysis.windowedRMSDB(Array(x[(50 * r)..<(90 * r)]), window: r / 4)
            let mean = w.reduce(0, +) / Double(w.count)
            return (w.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(w.count)).squareRoot()
        }
        #expect(spread(dense) > spread(plain) + 0.3, "no denser: level spread \(spread(plain)) -> \(spread(dense)) dB")
        print("intensity 0.5 -> 1.0: level \(l0) -> \(l1) dB, 250 ms level spread \(spread(plain)) -> \(spread(dense)) dB")
        #expect(AudioAnalysis.maxStep(dense) < 0.05)
    }
}
