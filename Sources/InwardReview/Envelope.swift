/// The level envelope: piecewise linear in dB.
struct EnvelopeBuilder {
    var points: [EnvelopePoint] = []
    var base = 0.0
    var volume = 0.0
    var muted = false

    var target: Double { muted ? ReviewTimeline.floorDB : max(ReviewTimeline.floorDB, base + volume) }

    func value(at s: Double) -> Double {
        guard let last = points.last else { return target }
        if s >= last.seconds { return last.db }
        var i = points.count - 1
        while i > 0 && points[i - 1].seconds > s { i -= 1 }
        if i == 0 { return points[0].db }
        let a = points[i - 1], b = points[i]
        if b.seconds <= a.seconds { return b.db }
        return a.db + (b.db - a.db) * (s - a.seconds) / (b.seconds - a.seconds)
    }

    mutating func apply(at s: Double, ramp: Double, change: (inout EnvelopeBuilder) -> Void) {
        let now = value(at: s)
        while let last = points.last, last.seconds > s { points.removeLast() }
        if points.last?.seconds != s || points.last?.db != now { points.append(EnvelopePoint(seconds: s, db: now)) }
        change(&self)
        points.append(EnvelopePoint(seconds: s + max(0, ramp), db: target))
    }

    mutating func set(at s: Double, base: Double, ramp: Double) { apply(at: s, ramp: ramp) { $0.base = base } }
    mutating func set(at s: Double, volume: Double, ramp: Double) { apply(at: s, ramp: ramp) { $0.volume = volume } }
    mutating func set(at s: Double, muted: Bool, ramp: Double) { apply(at: s, ramp: ramp) { $0.muted = muted } }

    func finish(at end: Double) -> [EnvelopePoint] {
        var out = points
        if out.isEmpty { return [EnvelopePoint(seconds: 0, db: target), EnvelopePoint(seconds: end, db: target)] }
        if let last = out.last, last.seconds < end { out.append(EnvelopePoint(seconds: end, db: last.db)) }
        return out
    }
}
