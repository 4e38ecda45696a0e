/// When the plan's protocol wants a vital-signs reading (CLINICAL.md: before
/// dosing, about 40 minutes after, before leaving; some clinics every 10-15
/// minutes), and whether one is due now. Status shows it; the therapist
/// records the reading with `mark vitals`; the review lists each one.
///
/// One rule serves both: after the dose, each due time owns a window from a
/// little before it (at most 5 minutes, at most half the gap to the time
/// before) to where the next time's window opens, and each reading meets the
/// time whose window it falls in, once. Status owes the first time after the
/// last one met (a missed reading is history once a later one is taken); the
/// review shows every time, met or missed.
public struct VitalsSchedule: Sendable, Equatable {
    /// A reading is due once the session starts, before the dose.
    public var beforeDose: Bool
    /// Readings due at these T+ times, seconds, in order.
    public private(set) var at: [Double]
    /// After the dose, a reading every this many seconds.
    public var every: Double?

    public init(beforeDose: Bool = false, at: [Double] = [], every: Double? = nil) {
        self.beforeDose = beforeDose
        self.at = at.sorted()
        self.every = every
    }

    /// A reading taken up to this long before a due time counts for it.
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
    /// (session seconds), each with the reading that met it or none.
    public func outcomes(t0: Double?, end: Double, readings: [Double]) -> [Outcome] {
        var out: [Outcome] = []
        if beforeDose {
            let limit = t0 ?? end
            out.append(Outcome(t0Seconds: nil, takenT0Seconds: readings.filter { $0 <= limit }.min().map { $0 - (t0 ?? 0) }))
        }
        guard let t0 else { return out }
        return out + match(times(through: end - t0), t0: t0, readings: readings)
    }

    /// The first reading not yet taken, on the session clock; nil when
    /// nothing more is planned.
    /// - Parameters:
    ///   - now: session seconds.
    ///   - t0: the dose, session seconds; nil before it.
    ///   - readings: session seconds of the vitals recorded so far.
    public func due(now: Double, t0: Double?, readings: [Double]) -> Due? {
        guard let t0 else {
            // Before the dose only the pre-dose reading can be owed.
            return beforeDose && readings.isEmpty ? Due(t0Seconds: nil, inSeconds: 0) : nil
        }
        // Every fixed time, and recurring ones far enough to hold the first after the last reading.
        let latest = max(now, readings.max() ?? now) - t0
        let outcomes = match(times(through: max(at.last ?? 0, latest + 2 * (every ?? 0))), t0: t0, readings: readings)
        let lastMet = outcomes.lastIndex { $0.takenT0Seconds != nil } ?? -1
        guard let owed = outcomes.dropFirst(lastMet + 1).first?.t0Seconds else { return nil }
        return Due(t0Seconds: owed, inSeconds: t0 + owed - now)
    }

    /// The due times after the dose up to T+`limit`, in order, without repeats.
    private func times(through limit: Double) -> [Double] {
        var points = at.filter { $0 >= 0 && $0 <= limit }
        if let every, every > 0 {
            var t = every
            while t <= limit {
                points.append(t)
                t += every
            }
        }
        return Array(Set(points)).sorted()
    }

    /// Each time with the reading that met it: readings after the dose, each
    /// meeting the one time whose window it falls in.
    private func match(_ points: [Double], t0: Double, readings: [Double]) -> [Outcome] {
        let taken = readings.filter { $0 >= t0 }.map { $0 - t0 }.sorted()
        // The gap before the first time is `every` when readings recur, else open.
        func opens(_ i: Int) -> Double {
            let gap = i > 0 ? points[i] - points[i - 1] : (every ?? .infinity)
            return points[i] - min(Self.early, gap / 2)
        }
        var next = 0
        return points.indices.map { i in
            let closes = i + 1 < points.count ? opens(i + 1) : .infinity
            while next < taken.count && taken[next] < opens(i) { next += 1 }
            guard next < taken.count && taken[next] < closes else { return Outcome(t0Seconds: points[i], takenT0Seconds: nil) }
            next += 1
            return Outcome(t0Seconds: points[i], takenT0Seconds: taken[next - 1])
        }
    }
}
