import InwardCore
public import InwardProtocol

/// Aftercare as the review shows it: its own band after the music, from the
/// end of the music (`music.end`) to the discharge (`session.end`), or to the
/// last event of a record still open.
///
/// Logs written before `music.end` existed (a `mark.discharge` then closed the
/// record) give the band from the first `stop` after the dose, or the last
/// phase's end, to the discharge.
public struct AftercareSpan: Sendable {
    /// Session seconds.
    public var start: Double
    public var end: Double
    /// The log line of the event that opened the band (`music.end`): events at
    /// the same instant logged before it (the last `phase.end`) are not in it.
    public var startLine: Int?
    /// Why the record closed (`discharged`, `not discharged`, ...); nil while it is open.
    public var endReason: String?
    /// Who discharged (`user`, then the free note `by`).
    public var dischargedBy: String?
    /// The discharge was before the plan's minimum, with this reason.
    public var early: Bool
    public var earlyReason: String?
    /// The plan's least aftercare after the first dose, on the T+ clock (`[aftercare] min_after_dose`).
    public var minAfterDoseSeconds: Double?

    public var length: Double { end - start }
    public var discharged: Bool { endReason == "discharged" }

    /// The band's line in words: `2:21, no music, from T+00:01:00 to the discharge at T+00:03:21 (by root); ...`.
    func text(_ t: ReviewTimeline) -> String {
        var s = "\(SessionClock.length(length)), no music, from \(t.clock(sessionSeconds: start)) to "
        switch endReason {
        case nil: s += "\(t.clock(sessionSeconds: end)), still open (no discharge in the log)"
        case "discharged": s += "the discharge at \(t.clock(sessionSeconds: end))" + (dischargedBy.map { " (by \($0))" } ?? "")
        case let reason?: s += "\(t.clock(sessionSeconds: end)), closed: \(reason)"
        }
        if let minimum = minAfterDoseSeconds {
            s += "; the plan's minimum \(SessionClock.length(minimum)) after the dose"
            if early { s += ", discharged EARLY" + (earlyReason.map { ": \($0)" } ?? "") }
            else if let t0 = t.t0, discharged { s += t0 + minimum <= end + 1e-6 ? ", met" : ", NOT met" }
        }
        return s
    }

    /// The band as JSON.
    func json(_ t: ReviewTimeline) -> JSONValue {
        func num(_ d: Double) -> JSONValue { .number((d * 1000).rounded() / 1000) }
        return .object([
            "start": .string(t.clock(sessionSeconds: start)), "start_seconds": num(start), "end_seconds": num(end),
            "end": .string(t.clock(sessionSeconds: end)), "length_seconds": num(length), "end_reason": .optional(endReason),
            "discharged_by": .optional(dischargedBy), "early": .bool(early), "early_reason": .optional(earlyReason),
            "min_after_dose_seconds": minAfterDoseSeconds.map(num) ?? .null,
        ])
    }
}

/// A correction of an earlier mark or dose (`mark.correction`, field `of`):
/// the log keeps the entry; the review shows it struck through with this.
public struct ReviewCorrection: Sendable {
    /// Seq of the `mark.correction` line.
    public var seq: Int64
    /// When it was corrected, on the T+ clock.
    public var clock: String
    public var time: String
    public var reason: String?
    /// Who corrected it (`user`, then the free note `by`).
    public var by: String?

    /// `corrected at T+00:00:57 by root (#9): wrong client`.
    public var text: String {
        "corrected at \(clock)" + (by.map { " by \($0)" } ?? "") + " (#\(seq))" + (reason.map { ": \($0)" } ?? "")
    }

    var json: JSONValue {
        .object(["seq": .integer(seq), "clock": .string(clock), "time": .string(time), "reason": .optional(reason), "by": .optional(by)])
    }
}

extension ReviewEvent {
    /// The summary with the correction marker in front and what corrected it
    /// behind, for plain text (`[CORRECTED] Note: hello — corrected at ...`);
    /// the summary as is when nothing corrected the event.
    public var markedSummary: String {
        guard !corrections.isEmpty else { return summary }
        return "[CORRECTED] " + summary + " — " + corrections.map(\.text).joined(separator: "; ")
    }
}

extension ReviewTimeline {
    /// Who did it: the login the daemon took from the socket (`user`), then the free note `by`.
    static func who(_ f: JSONObject) -> String? {
        let parts = [f["user"]?.stringValue, f["by"]?.stringValue].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: " / ")
    }

    /// Ties each `mark.correction` to the entry it names (struck through in
    /// every format) and says in the correction's own summary what it corrects.
    mutating func linkCorrections() {
        var index: [Int64: Int] = [:]
        for (i, e) in events.enumerated() where index[e.seq] == nil { index[e.seq] = i }
        for i in events.indices where events[i].kind == "mark.correction" {
            let c = events[i]
            guard let of = c.fields["of"]?.int64Value else { continue }
            let reason = c.fields["reason"]?.stringValue ?? c.fields["text"]?.stringValue
            let by = Self.who(c.fields)
            if let j = index[of], j != i {
                events[j].corrections.append(ReviewCorrection(seq: c.seq, clock: c.clock, time: c.time, reason: reason, by: by))
                let target = events[j]
                events[i].summary = "Correction of #\(of) (\(target.clock) \(target.summary))" + (reason.map { ": \($0)" } ?? "")
                    + (by.map { " (by \($0))" } ?? "")
            } else {
                events[i].summary = "Correction of #\(of) (not in this log)" + (reason.map { ": \($0)" } ?? "") + (by.map { " (by \($0))" } ?? "")
            }
        }
    }

    /// Finds the aftercare band (see `AftercareSpan`).
    mutating func findAftercare() {
        guard let t0 else { return }
        let musicEnd = events.first { $0.kind == "music.end" }
        let resumedInAftercare = events.first { $0.kind == "session.resume" && $0.fields["aftercare"]?.boolValue == true }
        let end = events.last { $0.kind == "session.end" }
        let legacyDischarge = events.first { $0.kind == "mark.discharge" }
        let opening: ReviewEvent?
        let start: Double
        if let musicEnd {
            (opening, start) = (musicEnd, musicEnd.sessionSeconds)
        } else if let resumedInAftercare {
            (opening, start) = (resumedInAftercare, resumedInAftercare.sessionSeconds)
        } else if legacyDischarge != nil || end?.fields["reason"]?.stringValue == "discharged" {
            opening = events.first { $0.kind == "control.stop" && $0.sessionSeconds >= t0 }
            start = opening?.sessionSeconds ?? phases.last?.end ?? duration
        } else {
            return
        }
        var span = AftercareSpan(start: start, end: max(start, end?.sessionSeconds ?? duration), startLine: opening?.lineNumber,
                                 endReason: end?.fields["reason"]?.stringValue,
                                 dischargedBy: nil, early: false, earlyReason: nil,
                                 minAfterDoseSeconds: musicEnd?.fields["min_after_dose_seconds"]?.doubleValue)
        if let end {
            span.dischargedBy = Self.who(end.fields)
            span.early = end.fields["early"]?.boolValue == true
            span.earlyReason = end.fields["early_reason"]?.stringValue
            if let minimum = end.fields["min_after_dose_seconds"]?.doubleValue { span.minAfterDoseSeconds = minimum }
        }
        if span.endReason == nil, let legacyDischarge {   // an old log: the mark closed the record
            span.end = legacyDischarge.sessionSeconds
            span.endReason = "discharged"
            span.dischargedBy = Self.who(legacyDischarge.fields)
        } else if span.endReason == "discharged", span.dischargedBy == nil, let legacyDischarge {
            span.dischargedBy = Self.who(legacyDischarge.fields)
        }
        aftercare = span
    }

    /// Whether session time `s` is in the aftercare band.
    public func inAftercare(_ s: Double) -> Bool {
        guard let a = aftercare else { return false }
        return s >= a.start && s <= a.end
    }

    /// Whether event `e` is in the aftercare band: after its start, or at it and logged from the line that opened it on.
    public func inAftercare(_ e: ReviewEvent) -> Bool {
        guard let a = aftercare, inAftercare(e.sessionSeconds) else { return false }
        return e.sessionSeconds > a.start || a.startLine.map { e.lineNumber >= $0 } ?? true
    }
}
