import Foundation
import InwardAudio
import Testing

/// `HeardLoudness` on generated stereo signals of known level: a 1 kHz sine
/// in both channels at A dBFS (peak) is A LUFS by EBU R128's own
/// calibration (0 dBFS in one channel is -3.01 LUFS).
@Suite("Heard loudness (EBU R128 short-term, every 10 s)")
struct HeardLoudnessTests {
    static let rate = 48_000
    static let period = 1024

    /// Interleaved stereo: each second's level (dBFS peak, nil: silence) of a 1 kHz sine.
    static func signal(_ levels: [Double?]) -> [Float] {
        var out = [Float](repeating: 0, count: 2 * rate * levels.count)
        for (second, level) in levels.enumerated() {
            guard let level else { continue }
            let a = Float(pow(10, level / 20))
            for i in 0..<rate {
                let n = second * rate + i
                let v = a * Float(sin(2 * Double.pi * 1000 * Double(n) / Double(rate)))
                out[2 * n] = v
                out[2 * n + 1] = v
            }
        }
        return out
    }

    /// Feeds `samples` in periods from session frame `from`, skipping the frames in `gap`; returns every minute.
    static func measure(_ samples: [Float], from: Int64 = 0, gap: Range<Int>? = nil) throws -> [HeardLoudness.Minute] {
        let meter = try #require(HeardLoudness(sampleRate: rate))
        var minutes: [HeardLoudness.Minute] = []
        let frames = samples.count / 2
        samples.withUnsafeBufferPointer { p in
            var at = 0
            while at < frames {
                let n = min(period, frames - at)
                if gap.map({ !$0.overlaps(at..<(at + n)) }) ?? true {
                    minutes += meter.add(p.baseAddress! + 2 * at, count: n, at: from + Int64(at))
                }
                at += n
            }
        }
        return minutes + meter.finish()
    }

    @Test("a -30 dBFS and a -18 dBFS sine measure -30 and -18 LUFS, 12 LU apart; one minute holds six values")
    func knownLevels() throws {
        let levels: [Double?] = Array(repeating: -30, count: 30) + Array(repeating: -18, count: 30) + Array(repeating: -18, count: 20)
        let minutes = try Self.measure(Self.signal(levels))
        try #require(minutes.count == 2, "\(minutes)")
        #expect(minutes[0].frame == 0 && minutes[0].lufs.count == 6)
        #expect(minutes[1].frame == Int64(60 * Self.rate) && minutes[1].lufs.count == 2, "\(minutes[1])")
        let values = (minutes[0].lufs + minutes[1].lufs).map { $0 ?? .nan }
        for k in 0..<3 { #expect(abs(values[k] - -30) < 0.1, "interval \(k): \(values[k])") }
        for k in 3..<8 { #expect(abs(values[k] - -18) < 0.1, "interval \(k): \(values[k])") }
    }

    @Test("a value is the 3 s window centred in its interval: a change at 7 s shows only in the next value")
    func windowIsCentred() throws {
        // -40 dBFS until 7 s into the second interval, then -20: the window (13.5–16.5 s) is all -40.
        let levels: [Double?] = Array(repeating: -40, count: 17) + Array(repeating: -20, count: 13)
        let values = try Self.measure(Self.signal(levels)).flatMap(\.lufs).map { $0 ?? .nan }
        #expect(values.count == 3)
        #expect(abs(values[1] - -40) < 0.1 && abs(values[2] - -20) < 0.1, "\(values)")
    }

    @Test("silence, a gap in the frames and a start mid-interval give nil, not a number")
    func nothingMeasured() throws {
        // 0–10 s silence; 10–20 s a gap inside the window; 20–30 s measured.
        let samples = Self.signal(Array(repeating: nil, count: 10) + Array(repeating: -23, count: 20))
        let values = try Self.measure(samples, gap: (14 * Self.rate)..<(15 * Self.rate)).flatMap(\.lufs)
        #expect(values.count == 3 && values[0] == nil && values[1] == nil && values[2].map { abs($0 - -23) < 0.1 } == true, "\(values)")
        // Heard from 5 s on (a resumed session): the first window (3.0–6.5 s with its settling) is not whole.
        let late = try Self.measure(Self.signal(Array(repeating: -23, count: 25)), from: Int64(5 * Self.rate))
        #expect(late.first?.frame == 0 && late.flatMap(\.lufs).count == 3, "\(late)")
        #expect(late.first?.lufs.first == .some(nil) && late.first?.lufs[1].map { abs($0 - -23) < 0.1 } == true, "\(late)")
    }

    @Test("frames before the session's first (the limiter's priming) are not measured")
    func primingIsSkipped() throws {
        let minutes = try Self.measure(Self.signal(Array(repeating: -30, count: 11)), from: -480)
        #expect(minutes.first?.frame == 0 && minutes.first?.lufs.first??.isFinite == true, "\(minutes)")
        // The second interval was begun (10–11 s) but its window never heard: no value, not even a null.
        #expect(minutes.count == 1 && minutes.first?.lufs.count == 1, "\(minutes)")
    }
}
