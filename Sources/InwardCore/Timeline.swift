/// Where each phase of a plan starts and ends, in sample frames from the start
/// of the session (frame 0), given the dose time T0 and the therapist's holds
/// and advances so far. A pure function of its inputs: the session recomputes it
/// whenever one of them changes.
///
/// Rules (docs/plans.md, "Timing"):
/// - Phase 0 starts at frame 0; each phase starts where the previous one ended.
/// - A fixed phase ends at start + its duration + its hold; the hold is
///   `holds[i]` clamped to `0...maxExtend`.
/// - An advance `advances[i] = f` ends phase `i` at `f`, clamped to
///   `start...natural end` (natural end includes the hold).
/// - The until-dose phase ends at T0 (never before its start). Until T0 is known,
///   its end and every later boundary are nil. Holds and advances on it are ignored.
/// - Phases before the until-dose phase are pre-dose: if T0 comes before a
///   pre-dose phase's end, that phase ends at T0 and the remaining pre-dose phases
///   (including the until-dose one) have zero length there, so the first
///   post-dose phase starts exactly at T0. Post-dose phases chain from there.
/// - A plan without an until-dose phase ignores T0.
public struct Timeline: Sendable, Equatable {
    /// One phase's boundaries; nil = not known yet (waits for the dose).
    public struct Span: Sendable, Equatable {
        public var start: Int64?
        public var end: Int64?

        public init(start: Int64?, end: Int64?) {
            self.start = start
            self.end = end
        }

        /// Frames from start to end, when both are known.
        public var length: Int64? {
            guard let start, let end else { return nil }
            return end - start
        }
    }

    public var spans: [Span]
    /// Session end = the last phase's end (0 for a plan without phases).
    public var end: Int64?

    public init(plan: Plan, sampleRate: Int, t0: Int64?, holds: [Int: Int64] = [:], advances: [Int: Int64] = [:]) {
        let doseIndex = plan.untilDoseIndex
        let t0 = doseIndex == nil ? nil : t0.map { max(0, $0) }
        var spans: [Span] = []
        spans.reserveCapacity(plan.phases.count)
        var cursor: Int64? = 0
        for (i, phase) in plan.phases.enumerated() {
            guard let start = cursor else {
                spans.append(Span(start: nil, end: nil))
                continue
            }
            var end: Int64?
            switch phase.length {
            case .untilDose:
                end = t0.map { max(start, $0) }
            case .fixed(let seconds):
                let maxHold = max(0, Self.frames(phase.maxExtend, sampleRate: sampleRate))
                let hold = min(max(holds[i] ?? 0, 0), maxHold)
                var natural = start + max(0, Self.frames(seconds, sampleRate: sampleRate)) + hold
                if let advance = advances[i] {
                    natural = min(max(advance, start), natural)
                }
                if let doseIndex, i < doseIndex, let t0, t0 < natural {
                    natural = max(start, t0)
                }
                end = natural
            }
            spans.append(Span(start: start, end: end))
            cursor = end
        }
        self.spans = spans
        self.end = plan.phases.isEmpty ? 0 : cursor
    }

    /// Index of the phase playing at `frame` (start <= frame < end); nil before
    /// frame 0, at or after the session end, and for phases whose start is not
    /// known yet. Zero-length phases never play. While the dose is awaited, the
    /// until-dose phase (known start, end nil) is open-ended: it plays at every
    /// frame from its start on.
    public func phase(at frame: Int64) -> Int? {
        for (i, span) in spans.enumerated() {
            guard let start = span.start else { return nil }
            guard let end = span.end else { return start <= frame ? i : nil }
            if start <= frame && frame < end { return i }
        }
        return nil
    }

    /// Seconds to frames at a sample rate, rounded to the nearest frame (half away
    /// from zero); 0 for non-finite input.
    public static func frames(_ seconds: Double, sampleRate: Int) -> Int64 {
        let value = (seconds * Double(sampleRate)).rounded()
        guard value.isFinite, abs(value) < 9.0e18 else { return 0 }
        return Int64(value)
    }
}
