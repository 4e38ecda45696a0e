/// Where in a known source signal (white noise, so every stretch of it is
/// unique) each stretch of a recording comes from: a recording that plays
/// the source on without a gap, a skipped or a repeated stretch advances one
/// window's length of source per window, and every window matches the
/// source closely. Tolerates a resampling ratio within 0.1 % of 1 (under a
/// frame of drift per 20 ms window) and any constant gain; compare
/// `smoothed` signals, so that a fraction of a frame's delay (a resampler's)
/// does not decorrelate white noise (half a frame: 0.64; smoothed: 0.95).
enum SourcePosition {
    struct Window {
        /// Index of the window's first sample in the recording.
        var index: Int
        /// Source frame it matches best.
        var position: Int
        /// Normalized correlation of the two (1: the same up to a gain).
        var correlation: Double
    }

    /// Normalized correlation of `count` samples of `a` from `i` and of `b` from `j` (0 if either is silent or out of range).
    static func correlation(_ a: UnsafeBufferPointer<Float>, _ i: Int, _ b: UnsafeBufferPointer<Float>, _ j: Int, count: Int) -> Double {
        guard i >= 0, j >= 0, i + count <= a.count, j + count <= b.count else { return 0 }
        var ab = 0.0, aa = 0.0, bb = 0.0
        for k in 0..<count {
            let x = Double(a[i + k]), y = Double(b[j + k])
            ab += x * y
            aa += x * x
            bb += y * y
        }
        return aa > 0 && bb > 0 ? ab / (aa * bb).squareRoot() : 0
    }

    /// The source position of the `window` samples of `recording` from
    /// `index`, searched within `candidates`.
    static func locate(_ recording: [Float], at index: Int, in source: [Float], candidates: ClosedRange<Int>,
                       window: Int = 960) -> Window {
        recording.withUnsafeBufferPointer { r in
            source.withUnsafeBufferPointer { s in
                var best = Window(index: index, position: candidates.lowerBound, correlation: -1)
                for p in candidates {
                    let c = correlation(r, index, s, p, count: window)
                    if c > best.correlation { best = Window(index: index, position: p, correlation: c) }
                }
                return best
            }
        }
    }

    /// Follows `recording` window by window over `range`, starting from a
    /// window located at `range.lowerBound`: each next window is searched
    /// within `slack` frames of where the previous one says it is.
    static func follow(_ recording: [Float], over range: Range<Int>, in source: [Float], from start: Window,
                       window: Int = 960, slack: Int = 3) -> [Window] {
        var windows = [start]
        var index = start.index + window
        var predicted = start.position + window
        while index + window <= range.upperBound {
            let w = locate(recording, at: index, in: source, candidates: max(0, predicted - slack)...(predicted + slack),
                           window: window)
            windows.append(w)
            // Through a gap the source goes on where it would have been.
            predicted = (w.correlation > 0.8 ? w.position : predicted) + window
            index += window
        }
        return windows
    }

    /// A moving average over `taps` samples: white noise low-passed, the same delay for every signal.
    static func smoothed(_ x: [Float], taps: Int = 8) -> [Float] {
        var out = [Float](repeating: 0, count: x.count)
        var sum: Float = 0
        for i in x.indices {
            sum += x[i]
            if i >= taps { sum -= x[i - taps] }
            out[i] = sum / Float(taps)
        }
        return out
    }

    /// The first index from `from` on whose sample is not digital silence.
    static func firstSound(_ x: [Float], from: Int = 0) -> Int? {
        (from..<x.count).first { abs(x[$0]) > 1e-3 }
    }
}
