import InwardCore
import InwardProtocol

/// `--report minutes`: one row per minute of the session on the T+ clock, for
/// research: what played, the planned level, the loudness heard and the kinds
/// of marks in that minute. No free text (statements, notes) unless asked for
/// (`withText`). Columns are documented in docs/review.md.
enum MinutesReport {
    static func document(_ t: ReviewTimeline, withText: Bool) -> ReportDocument {
        var columns: [ReportDocument.Column] = [
            .init("minute", "Minute"), .init("t0_minute", "T0 min", text: false, html: false),
            .init("session_seconds", "Session s", text: false, html: false),
            .init("wall", "Wall clock", data: false),
            .init("time", "UTC", text: false, html: false), .init("utc_offset", "Offset", text: false, html: false),
            .init("phase", "Phase"), .init("playing", "Playing"), .init("quiet", "Quiet"),
            .init("planned_db", "Level dB"), .init("heard_lufs", "Heard LUFS"), .init("marks", "Marks"),
        ]
        if withText { columns.append(.init("text", "Text")) }
        var table = ReportDocument.Table(key: "minutes", title: "Minute by minute", columns: columns, empty: "The log holds no time.")
        // Minutes on the T+ clock (S+ without a dose), from the one holding the session start.
        let origin = t.t0 ?? 0
        var k = Int(((0 - origin) / 60).rounded(.down))
        let startUnix = t.startTime.flatMap(WallTime.unix)
        var markIndex = 0
        let marks = t.marks
        // Up to the minute holding the last event (a discharge often opens one of its own).
        while origin + Double(k) * 60 <= t.duration {
            let from = origin + Double(k) * 60, to = from + 60
            // The phases, spans and quiet stretches in the minute.
            var phases: [String] = []
            for p in t.phases where p.start < to && (p.end > from || (p.end == t.duration && p.end >= from)) && !phases.contains(p.name) {
                phases.append(p.name)
            }
            if let a = t.aftercare, a.start < to, a.end >= from { phases.append("aftercare") }
            var playing: [String] = []
            for s in t.tracks where s.start < to && s.end > from {
                let name = s.isSoundscape ? "soundscape" + Moment.settingsText(s.settings) : s.name
                if !playing.contains(name) { playing.append(name) }
            }
            var quiet: [String] = []
            for q in t.quiet where q.start < to && q.end > from {
                let seconds = min(q.end, to) - max(q.start, from)
                quiet.append("\(q.kind.rawValue) \(Int(seconds.rounded())) s")
            }
            // Planned level: the mean of 6 samples across the minute (dB, "off" counted as the floor).
            var sum = 0.0
            for i in 0..<6 { sum += t.level(at: max(0, from) + (Double(i) + 0.5) * 10) }
            let planned = (sum / 6 * 10).rounded() / 10
            // Heard: the median of the short-term values measured in the minute.
            let heardValues = t.loudness.filter { $0.start >= from && $0.start < to }.compactMap(\.lufs).sorted()
            let heard: Double? = heardValues.isEmpty ? nil
                : heardValues.count % 2 == 1 ? heardValues[heardValues.count / 2]
                : (heardValues[heardValues.count / 2 - 1] + heardValues[heardValues.count / 2]) / 2
            var kinds: [String] = [], texts: [String] = []
            while markIndex < marks.count && marks[markIndex].sessionSeconds < from { markIndex += 1 }
            var i = markIndex
            while i < marks.count && marks[i].sessionSeconds < to {
                let kind = marks[i].markKind ?? marks[i].kind
                if !kinds.contains(kind) { kinds.append(kind) }
                if let text = marks[i].fields["text"]?.stringValue { texts.append(kind + ": " + text) }
                i += 1
            }
            let clock = t.t0 == nil ? SessionClock.s(max(0, from)) : SessionClock.t(Double(k) * 60)
            let unix = startUnix.map { $0 + max(0, from) - (t.events.first?.sessionSeconds ?? 0) }
            let utc = unix.map { WallTime.rfc3339(Int64($0.rounded(.down))) }
            let offset = unix.map { t.zone.offset(Int64($0.rounded(.down))) }
            var row: [ReportDocument.Cell] = [
                .text(clock), ReportDocument.Cell("\(k)", json: .integer(Int64(k))), .number(from),
                .text(utc.map { t.localTime($0) }), .text(utc), .text(offset.map(WallTime.offsetText)),
                .text(phases.isEmpty ? nil : phases.joined(separator: " → ")),
                .text(playing.isEmpty ? nil : playing.joined(separator: " / ")),
                .text(quiet.isEmpty ? nil : quiet.joined(separator: ", ")),
                .number(planned), .number(heard.map { ($0 * 10).rounded() / 10 }),
                ReportDocument.Cell(kinds.isEmpty ? "-" : kinds.joined(separator: ";"), json: .array(kinds.map { .string($0) }),
                                    csv: kinds.joined(separator: ";")),
            ]
            if withText { row.append(.text(texts.isEmpty ? nil : texts.joined(separator: " | "))) }
            table.rows.append(row)
            k += 1
        }
        var facts = t.documentFacts
        facts.append(("free_text", "Free text", ReportDocument.Cell(withText ? "included (--with-text)" : "left out (statements, notes: add --with-text)",
                                                                    json: .bool(withText))))
        return ReportDocument(kind: "minutes", title: "Session minutes" + (t.client.map { " · \($0)" } ?? ""),
                              facts: facts, tables: [table])
    }
}

extension WallTime {
    /// `2026-11-26T15:37:02Z` from Unix seconds.
    public static func rfc3339(_ unix: Int64) -> String {
        let t = Int(unix)
        let days = t >= 0 ? t / 86400 : (t - 86399) / 86400
        let (y, m, d) = civil(days)
        return "\(y)-" + SessionClock.pad2(m) + "-" + SessionClock.pad2(d) + "T" + SessionClock.hms(t - days * 86400) + "Z"
    }
}
