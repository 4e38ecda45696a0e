import InwardCore
import InwardProtocol

/// The review's output formats.
public enum ReportFormat: String, Sendable, CaseIterable {
    case text, html, csv, json
}

extension ReviewTimeline {
    /// The report in `format`, as UTF-8 text.
    public func report(_ format: ReportFormat) -> String {
        switch format {
        case .text: TextReport.render(self)
        case .html: HTMLReport.render(self)
        case .csv: CSVReport.render(self)
        case .json: JSONReport.render(self)
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
        out.append(("Started", Self.wall(startTime) ?? "—"))
        out.append(("Ended", (Self.wall(endTime) ?? "no end recorded") + (endReason.map { " (\($0))" } ?? "")))
        out.append(("Length", SessionClock.length(duration)))
        if let dose {
            out.append(("Dose (T0)", "\(Self.wall(dose.time) ?? dose.time), \(SessionClock.length(dose.sessionSeconds)) into the session"))
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

        if !t.phases.isEmpty {
            out += "\nPhases\n"
            let w = t.phases.map(\.name.count).max() ?? 0
            for p in t.phases {
                out += "  " + t.clock(sessionSeconds: p.start) + "  " + p.name.padding(w) + "  " + t.phaseLine(p) + "\n"
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
        out += "\nTimeline\n"
        for e in t.events {
            let marker: String
            switch e.category {
            case .dose: marker = "**"
            case .mark: marker = e.kind == "mark.adverse_event" ? "!!" : " *"
            case .warning: marker = " !"
            default: marker = "  "
            }
            out += "  " + e.clock + " " + marker + " " + e.summary.replacingNewlines() + "\n"
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
    func replacingNewlines() -> String { contains("\n") || contains("\r") ? String(map { $0 == "\n" || $0 == "\r" || $0 == "\r\n" ? " " : $0 }) : self }
}

/// RFC 4180: CRLF between records, fields quoted when they hold a comma, quote, CR or LF.
enum CSVReport {
    static let header = ["line", "seq", "time", "clock", "session_seconds", "t0_seconds", "kind", "phase", "summary", "fields"]

    static func render(_ t: ReviewTimeline) -> String {
        var out = header.joined(separator: ",") + "\r\n"
        for e in t.events {
            let row = [
                "\(e.lineNumber)", "\(e.seq)", e.time, e.clock, Format.number(e.sessionSeconds),
                e.t0Seconds.map(Format.number) ?? "", e.kind, e.phase ?? "", e.summary,
                JSONValue.object(e.fields).jsonString,
            ]
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
                "soundscape": .bool(k.isSoundscape),
            ])
        }
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
            .object([
                "line": .integer(Int64(e.lineNumber)), "seq": .integer(e.seq), "time": .string(e.time), "clock": .string(e.clock),
                "session_seconds": .number(e.sessionSeconds), "t0_seconds": .optional(e.t0Seconds), "kind": .string(e.kind),
                "phase": opt(e.phase), "summary": .string(e.summary), "fields": .object(e.fields),
            ])
        }
        let root: JSONObject = [
            "session": .object(session), "phases": .array(phases), "tracks": .array(tracks), "quiet": .array(quiet),
            "vitals_schedule": .array(vitals),
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
