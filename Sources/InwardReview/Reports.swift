import InwardCore
import InwardProtocol

/// The review's output formats: how to show.
public enum ReportFormat: String, Sendable, CaseIterable {
    case text, html, csv, json
}

/// The review's reports: what to show. Every report exists in every format.
public enum ReportKind: String, Sendable, CaseIterable {
    /// Everything: facts, phases, spans, marks with what was heard, every event.
    case full
    /// The aftercare summary: doses, vitals (taken or missing), adverse events, discharge.
    case summary
    /// Each mark with what was heard then and the minute before it.
    case moments
    /// One row per minute for research; free text only with `withText`.
    case minutes
}

extension ReviewTimeline {
    /// The full report in `format`, as UTF-8 text.
    public func report(_ format: ReportFormat) -> String {
        report(.full, format)
    }

    /// Report `kind` in `format`. `withText` adds statements and notes to the minutes report.
    public func report(_ kind: ReportKind, _ format: ReportFormat, withText: Bool = false) -> String {
        switch kind {
        case .full:
            switch format {
            case .text: TextReport.render(self)
            case .html: HTMLReport.render(self)
            case .csv: CSVReport.render(self)
            case .json: JSONReport.render(self)
            }
        case .summary: SummaryReport.document(self).render(format)
        case .moments: MomentsReport.document(self).render(format)
        case .minutes: MinutesReport.document(self, withText: withText).render(format)
        }
    }

    /// `2026-11-26 15:37:02 UTC` from an RFC 3339 time.
    static func wall(_ rfc3339: String?) -> String? {
        guard let t = rfc3339, t.count >= 19 else { return rfc3339 }
        let date = t.prefix(10), time = t.dropFirst(11).prefix(8)
        return "\(date) \(time) UTC"
    }

    /// Header facts shared by the text and HTML reports, as (label, value).
    var facts: [(String, String)] {
        var out: [(String, String)] = []
        out.append(("Session", sessionID ?? "unknown"))
        out.append(("Client", client ?? "—"))
        var p = plan ?? "unknown"
        if let f = planFile { p += " (\(f))" }
        if let h = planSHA256 { p += ", sha256 \(h.prefix(12))…" }
        out.append(("Plan", p))
        if let d = device { out.append(("Device", d + (sampleRate.map { ", \($0) Hz" } ?? ""))) }
        out.append(("Started", localDateTime(startTime) ?? "—"))
        out.append(("Ended", (localDateTime(endTime) ?? "no end recorded") + (endReason.map { " (\($0))" } ?? "")))
        out.append(("Times", zone.explanation(at: startTime.flatMap(WallTime.unix).map { Int64($0.rounded(.down)) })))
        out.append(("Length", SessionClock.length(duration)))
        if let dose {
            out.append(("Dose (T0)", "\(localDateTime(dose.time) ?? dose.time), \(SessionClock.length(dose.sessionSeconds)) into the session"))
        } else {
            out.append(("Dose (T0)", "none recorded: times are S+ from the session start"))
        }
        let m = marks.filter { $0.category == .mark }
        var counts: [String: Int] = [:]
        for e in m { counts[e.markKind ?? "", default: 0] += 1 }
        let boosters = events.filter { $0.kind == "booster" }.count
        var detail = counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
        if boosters > 0 { detail.insert("boosters \(boosters)", at: 0) }
        out.append(("Marks", "\(m.count)" + (detail.isEmpty ? "" : " (" + detail.joined(separator: ", ") + ")")))
        return out
    }

    func phaseLine(_ p: PhaseSpan) -> String {
        var s = "actual \(SessionClock.length(p.actualSeconds))"
        if let planned = p.plannedSeconds { s += ", planned \(SessionClock.length(planned))" }
        if p.heldSeconds > 0 { s += ", held +\(SessionClock.length(p.heldSeconds))" }
        if let by = p.advancedBy { s += ", advanced early by \(by)" }
        return s
    }
}

enum TextReport {
    static func render(_ t: ReviewTimeline) -> String {
        var out = "Inward session review\n\n"
        let facts = t.facts
        let width = facts.map(\.0.count).max() ?? 0
        for (k, v) in facts { out += k.padding(width) + "  " + v + "\n" }

        if !t.phases.isEmpty || t.aftercare != nil {
            out += "\nPhases\n"
            let w = max(t.phases.map(\.name.count).max() ?? 0, t.aftercare == nil ? 0 : "aftercare".count)
            for p in t.phases {
                out += "  " + t.clock(sessionSeconds: p.start) + "  " + p.name.padding(w) + "  " + t.phaseLine(p) + "\n"
            }
            // Aftercare: a band of its own after the music.
            if let a = t.aftercare {
                out += "  " + t.clock(sessionSeconds: a.start) + "  " + "aftercare".padding(w) + "  " + a.text(t) + "\n"
            }
        }
        if !t.quiet.isEmpty {
            out += "\nPauses, silences and outages\n"
            for q in t.quiet {
                out += "  " + t.clock(sessionSeconds: q.start) + "  \(q.kind.rawValue) for \(SessionClock.length(q.end - q.start))"
                    + (q.by.map { " (by \($0))" } ?? "") + "\n"
            }
        }
        if !t.vitals.isEmpty {
            let missed = t.vitals.filter { $0.takenT0Seconds == nil }.count
            out += "\nVitals the plan asked for (\(t.vitals.count - missed) taken, \(missed) missed)\n"
            for o in t.vitals {
                let (due, outcome) = ReviewTimeline.vitalsLine(o)
                out += "  " + due.padding(15) + "  " + outcome + "\n"
            }
        }
        if !t.tracks.isEmpty || !t.failed.isEmpty {
            out += "\nMusic\n"
            for k in t.tracks {
                out += "  " + t.clock(sessionSeconds: k.start) + "  " + SessionClock.length(k.length).padding(7) + "  "
                    + (k.isSoundscape ? "soundscape" + (k.origin == .takeover ? " (took over)" : "") + Moment.settingsText(k.settings) : k.name)
                    + (k.phase.map { "  [\($0)]" } ?? "") + "\n"
            }
            for f in t.failed {
                out += "  " + t.clock(sessionSeconds: f.seconds) + "  failed   " + (f.file ?? "?") + (f.reason.map { " (\($0))" } ?? "") + "\n"
            }
        }
        let marks = t.marks
        if !marks.isEmpty {
            out += "\nMarks and what was heard\n"
            for e in marks {
                let m = t.moment(at: e.sessionSeconds, phase: e.phase)
                // `#seq`: what `inward mark correction --of` names.
                out += "  " + e.clock + "  " + t.localTime(e.time) + "  " + e.markedSummary.replacingNewlines() + "  #\(e.seq)\n"
                out += "      heard: " + m.playingText + " · phase " + (m.phase ?? "-") + " · level " + MomentsReport.levelText(m.levelDB)
                    + " · measured " + MomentsReport.heardText(m.heardLUFS) + "\n"
            }
        }
        out += "\nTimeline\n"
        for e in t.events {
            let marker: String
            switch e.category {
            case _ where !e.corrections.isEmpty: marker = "~~"
            case .dose: marker = "**"
            case .mark: marker = e.kind == "mark.adverse_event" ? "!!" : " *"
            case .warning: marker = " !"
            default: marker = "  "
            }
            out += "  " + e.clock + " " + marker + " " + e.markedSummary.replacingNewlines() + "\n"
        }
        if !t.warnings.isEmpty {
            out += "\nWarnings (reading the log)\n"
            for w in t.warnings { out += "  " + w + "\n" }
        }
        return out
    }
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
    /// Line breaks as spaces: one report line per event. (A byte scan: `contains("\n")` goes through the regex engine.)
    func replacingNewlines() -> String {
        utf8.contains(where: { $0 == 0x0A || $0 == 0x0D }) ? String(map { $0 == "\n" || $0 == "\r" || $0 == "\r\n" ? " " : $0 }) : self
    }
}

/// RFC 4180: CRLF between records, fields quoted when they hold a comma, quote, CR or LF.
enum CSVReport {
    static let header = ["line", "seq", "time", "clock", "session_seconds", "t0_seconds", "kind", "phase", "summary", "fields",
                         "utc_offset", "playing", "position", "level_db", "heard_lufs", "span_end_seconds", "span_seconds",
                         "aftercare", "corrected", "correction_seq", "correction_reason", "corrected_by"]

    static func render(_ t: ReviewTimeline) -> String {
        var out = header.joined(separator: ",") + "\r\n"
        var spans: [Int64: TrackSpan] = [:]
        for k in t.tracks { if let seq = k.seq { spans[seq] = k } }
        for e in t.events {
            var row = [
                "\(e.lineNumber)", "\(e.seq)", e.time, e.clock, Format.number(e.sessionSeconds),
                e.t0Seconds.map(Format.number) ?? "", e.kind, e.phase ?? "", e.summary,
                JSONValue.object(e.fields).jsonString, t.utcOffset(e.time).map(WallTime.offsetText) ?? "",
            ]
            // What was heard, for marks.
            if e.markKind != nil {
                let m = t.moment(at: e.sessionSeconds, phase: e.phase)
                row += [m.playingText, m.position.map(SessionClock.counter) ?? "", Format.number((m.levelDB * 10).rounded() / 10),
                        m.heardLUFS.map { Format.number(($0 * 10).rounded() / 10) } ?? ""]
            } else {
                row += ["", "", "", ""]
            }
            // The span this event opened (a track, a takeover, a soundscape phase): where it ended, how long it played.
            if let k = spans[e.seq] {
                row += [Format.number(k.end), Format.number(k.length)]
            } else if e.kind == "music.end", let a = t.aftercare {
                row += [Format.number(a.end), Format.number(a.length)]   // music.end opens the aftercare band
            } else {
                row += ["", ""]
            }
            // Aftercare (the band after the music) and corrections (the entry stays; this says it was corrected, why and by whom).
            row.append(t.inAftercare(e) ? "yes" : "")
            let c = e.corrections
            row += [c.isEmpty ? "" : "yes", c.map { "\($0.seq)" }.joined(separator: ";"),
                    c.map { $0.reason ?? "" }.joined(separator: "; "), c.map { $0.by ?? "" }.joined(separator: "; ")]
            out += row.map(quote).joined(separator: ",") + "\r\n"
        }
        return out
    }

    static func quote(_ field: String) -> String {
        guard field.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0D || $0 == 0x0A }) else { return field }
        var bytes: [UInt8] = [0x22]
        bytes.reserveCapacity(field.utf8.count + 8)
        for b in field.utf8 {
            if b == 0x22 { bytes.append(0x22) }
            bytes.append(b)
        }
        bytes.append(0x22)
        return String(decoding: bytes, as: UTF8.self)
    }
}

enum JSONReport {
    static func render(_ t: ReviewTimeline) -> String {
        func opt(_ s: String?) -> JSONValue { .optional(s) }
        func num(_ d: Double) -> JSONValue { .number((d * 1000).rounded() / 1000) }
        var session: JSONObject = [
            "session_id": opt(t.sessionID), "client": opt(t.client), "plan": opt(t.plan), "plan_file": opt(t.planFile),
            "plan_sha256": opt(t.planSHA256), "device": opt(t.device), "sample_rate": .optional(t.sampleRate),
            "start_time": opt(t.startTime), "end_time": opt(t.endTime), "end_reason": opt(t.endReason),
            "length_seconds": num(t.duration), "t0_session_seconds": t.t0.map(num) ?? .null,
        ]
        session["marks"] = .integer(Int64(t.marks.filter { $0.category == .mark }.count))
        session["time_zone"] = opt(t.logTimeZone)
        session["utc_offset_seconds"] = .optional(t.logUTCOffset)
        session["shown_time_zone"] = .string(t.zone.name)
        session["route"] = opt(t.route)
        let phases: [JSONValue] = t.phases.map { p in
            .object([
                "name": .string(p.name), "index": .optional(p.index), "start": .string(t.clock(sessionSeconds: p.start)),
                "start_seconds": num(p.start), "end_seconds": num(p.end), "actual_seconds": num(p.actualSeconds),
                "planned_seconds": p.plannedSeconds.map(num) ?? .null, "held_seconds": num(p.heldSeconds),
                "advanced_by": opt(p.advancedBy),
            ])
        }
        let tracks: [JSONValue] = t.tracks.map { k in
            .object([
                "title": .string(k.title), "artist": opt(k.artist), "file": opt(k.file), "phase": opt(k.phase),
                "start": .string(t.clock(sessionSeconds: k.start)), "start_seconds": num(k.start), "end_seconds": num(k.end),
                "length_seconds": num(k.length), "soundscape": .bool(k.isSoundscape), "origin": .string(k.origin.rawValue),
                "entry": .optional(k.entry), "offset_seconds": num(k.offset), "settings": .object(k.settings),
                "end_inferred": .bool(k.endInferred), "seq": .optional(k.seq.map { Int($0) }),
            ])
        }
        let failed: [JSONValue] = t.failed.map { f in
            .object(["start": .string(t.clock(sessionSeconds: f.seconds)), "start_seconds": num(f.seconds), "file": opt(f.file),
                     "reason": opt(f.reason), "phase": opt(f.phase)])
        }
        let loudness: [JSONValue] = t.loudness.map { .array([num($0.start), num($0.seconds), $0.lufs.map(num) ?? .null]) }
        let quiet: [JSONValue] = t.quiet.map { q in
            .object(["kind": .string(q.kind.rawValue), "start": .string(t.clock(sessionSeconds: q.start)),
                     "start_seconds": num(q.start), "end_seconds": num(q.end), "by": opt(q.by)])
        }
        let envelope: [JSONValue] = t.envelope.map { .array([num($0.seconds), num($0.db)]) }
        let vitals: [JSONValue] = t.vitals.map { o in
            .object(["due_t0_seconds": .optional(o.t0Seconds), "taken_t0_seconds": .optional(o.takenT0Seconds),
                     "missed": .bool(o.takenT0Seconds == nil)])
        }
        let events: [JSONValue] = t.events.map { e in
            var o: JSONObject = [
                "line": .integer(Int64(e.lineNumber)), "seq": .integer(e.seq), "time": .string(e.time), "clock": .string(e.clock),
                "session_seconds": .number(e.sessionSeconds), "t0_seconds": .optional(e.t0Seconds), "kind": .string(e.kind),
                "phase": opt(e.phase), "summary": .string(e.summary), "fields": .object(e.fields),
                "utc_offset_seconds": .optional(t.utcOffset(e.time)),
            ]
            if e.markKind != nil { o["moment"] = .object(MomentsReport.momentObject(t.moment(at: e.sessionSeconds, phase: e.phase), t)) }
            o["aftercare"] = .bool(t.inAftercare(e))
            if !e.corrections.isEmpty {
                o["corrected"] = .bool(true)
                o["corrections"] = .array(e.corrections.map(\.json))
            }
            return .object(o)
        }
        let root: JSONObject = [
            "session": .object(session), "phases": .array(phases), "tracks": .array(tracks), "failed_tracks": .array(failed), "quiet": .array(quiet),
            "loudness": .array(loudness),
            "vitals_schedule": .array(vitals), "aftercare": t.aftercare?.json(t) ?? .null,
            "envelope_db": .array(envelope), "events": .array(events), "warnings": .array(t.warnings.map { .string($0) }),
        ]
        // One event per line keeps it greppable and diffable.
        var out = "{"
        var first = true
        for m in root {
            out += first ? "\n" : ",\n"
            first = false
            out += JSONValue.string(m.key).jsonString + ":"
            if m.key == "events", case .array(let items) = m.value {
                out += "[\n" + items.map { "  " + $0.jsonString }.joined(separator: ",\n") + "\n]"
            } else {
                out += m.value.jsonString
            }
        }
        return out + "\n}\n"
    }
}
