/// When the plan's protocol wants a vital-signs reading (CLINICAL.md: before
/// dosing, about 40 minutes after, before leaving; some clinics every 10-15
/// minutes), and whether one is due now. Status shows it; the therapist
/// records the reading with `mark vitals`.
public struct VitalsSchedule: Sendable, Equatable {
    /// A reading is due once the session starts, before the dose.
    public var beforeDose: Bool
    /// Readings due at these T+ times, seconds.
    public var at: [Double]
    /// After the dose, a reading every this many seconds.
    public var every: Double?

    public init(beforeDose: Bool = false, at: [Double] = [], every: Double? = nil) {
        self.beforeDose = beforeDose
        self.at = at.sorted()
        self.every = every
    }

    /// A reading taken this long before a due time counts for it (at most
    /// half of `every`).
    public static let early = 5.0 * 60

    /// The reading owed first.
    public struct Due: Sendable, Equatable {
        /// When it is due, T+ seconds; nil for the one before the dose.
        public var t0Seconds: Double?
        /// Seconds until it is due; 0 or less when it is due now.
        public var inSeconds: Double

        public init(t0Seconds: Double?, inSeconds: Double) {
            self.t0Seconds = t0Seconds
            self.inSeconds = inSeconds
        }

        public var isDue: Bool { inSeconds <= 0 }
    }

    /// How one planned reading went, for the review.
    public struct Outcome: Sendable, Equatable {
        /// When it was due, T+ seconds; nil for the one before the dose.
        public var t0Seconds: Double?
        /// When the reading that met it was taken, T+ seconds; nil when missed.
        public var takenT0Seconds: Double?

        public init(t0Seconds: Double?, takenT0Seconds: Double?) {
            self.t0Seconds = t0Seconds
            self.takenT0Seconds = takenT0Seconds
        }
    }

    /// Every reading the plan asked for in a session that ran until `end`
    /// (session seconds), each with the reading that met it or none. A
    /// reading meets the first time it can (up to `early` before it, after
    /// the previous time's own window), and each reading meets one time.
    public func outcomes(t0: Double?, end: Double, readings: [Double]) -> [Outcome] {
        var out: [Outcome] = []
        let sorted = readings.sorted()
        if beforeDose {
            let limit = t0 ?? end
            out.append(Outcome(t0Seconds: nil, takenT0Seconds: sorted.first { $0 <= limit }.map { $0 - (t0 ?? 0) }))
        }
        guard let t0 else { return out }
        let early = min(Self.early, (every ?? .infinity) / 2)
        var points = at.filter { $0 >= 0 && t0 + $0 <= end }
        if let every, every > 0 {
            var t = every
            while t0 + t <= end {
                points.append(t)
                t += every
            }
        }
        points = Array(Set(points)).sorted()
        var next = sorted.firstIndex { $0 >= t0 } ?? sorted.count
        for (i, t) in points.enumerated() {
            let opens = t0 + t - early
            let closes = i + 1 < points.count ? t0 + points[i + 1] - early : .infinity
            while next < sorted.count && sorted[next] < opens { next += 1 }
            if next < sorted.count && sorted[next] < closes {
                out.append(Outcome(t0Seconds: t, takenT0Seconds: sorted[next] - t0))
                next += 1
            } else {
                out.append(Outcome(t0Seconds: t, takenT0Seconds: nil))
            }
        }
        return out
    }

    /// The first reading not yet taken, on the session clock.
    /// - Parameters:
    ///   - now: session seconds.
    ///   - t0: the dose, session seconds; nil before it.
    ///   - readings: session seconds of the vitals recorded so far.
    /// - Returns: nil when nothing more is planned.
    public func due(now: Double, t0: Double?, readings: [Double]) -> Due? {
        guard let t0 else {
            // Before the dose only the pre-dose reading can be owed.
            if beforeDose && readings.isEmpty { return Due(t0Seconds: nil, inSeconds: 0) }
            return nil
        }
        // Only readings after the dose count for the times after it, and a
        // reading counts early by at most half the interval, so one reading
        // never meets two `every` times.
        let last = readings.filter { $0 >= t0 }.max()
        let early = min(Self.early, (every ?? .infinity) / 2)
        func taken(_ t: Double) -> Bool { last.map { $0 >= t0 + t - early } ?? false }
        // Points in T+ order; `every` runs on as long as the session does.
        var points = at.filter { $0 >= 0 }
        if let every, every > 0 {
            // Far enough to hold the first time no reading has met yet.
            let horizon = max(now - t0, (last ?? t0) - t0, 0) + 2 * every
            var t = every
            while t <= horizon {
                points.append(t)
                t += every
            }
            points.sort()
        }
        for t in points where !taken(t) {
            return Due(t0Seconds: t, inSeconds: t0 + t - now)
        }
        return nil
    }
}
