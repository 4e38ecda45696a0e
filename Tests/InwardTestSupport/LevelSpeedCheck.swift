/// Measures how fast a control moved the level, from a capture with the
/// control and a same-seed capture without it: the control's own gain is
/// their ratio, window by window, so the programme's own movement cancels.
enum LevelSpeedCheck {
    /// The control's gain in dB every `window` frames, each measured over a
    /// short `probe` there (the programme is the same sample for sample, so
    /// the energy ratio over a few ms is the gain then, whatever the music does).
    static func controlGainDB(with x: [Float], without y: [Float], window: Int, probe: Int = 240) -> [Double] {
        let n = (min(x.count, y.count) - probe) / window
        return (0..<max(0, n)).map { w in
            let a = AudioAnalysis.rmsDB(x[(w * window)..<(w * window + probe)])
            let b = AudioAnalysis.rmsDB(y[(w * window)..<(w * window + probe)])
            guard b.isFinite, b > -100 else { return 0 }   // the programme silent: nothing to compare
            return a.isFinite ? max(-120, a - b) : -120
        }
    }

    /// A window whose rise is beyond `limitDB` while the level was in the
    /// bounded zone (above `zoneDB`), if any: (window index, rise dB).
    static func fastestRise(_ gains: [Double], zoneDB: Double = -40) -> (window: Int, riseDB: Double) {
        var worst = (window: 0, riseDB: -Double.infinity)
        for w in 1..<max(1, gains.count) where gains[w - 1] > zoneDB {
            let rise = gains[w] - gains[w - 1]
            if rise > worst.riseDB { worst = (w, rise) }
        }
        return worst
    }

    /// The steepest fall between adjacent windows within `range` (dB, positive).
    static func fastestFall(_ gains: [Double], in range: Range<Int>) -> (window: Int, fallDB: Double) {
        var worst = (window: range.lowerBound, fallDB: -Double.infinity)
        for w in range where w > 0 && w < gains.count {
            let fall = gains[w - 1] - gains[w]
            if fall > worst.fallDB { worst = (w, fall) }
        }
        return worst
    }
}
