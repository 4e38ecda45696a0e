import InwardCore
import InwardProtocol

/// `--report moments`: every mark (statement, note, vitals, adverse event,
/// eyeshades, dose, ...) with what was heard at that moment and, under it,
/// the minute before: what changed and what played.
enum MomentsReport {
    /// The columns the moments of the full report share (JSON `moment`, CSV).
    static func momentObject(_ m: Moment, _ t: ReviewTimeline) -> JSONObject {
        var o: JSONObject = [
            "playing": .string(m.playingText),
            "kind": .optional(m.playing.map { $0.isSoundscape ? "soundscape" : "track" }),
            "title": .optional(m.playing.flatMap { $0.isSoundscape ? nil : $0.title }),
            "artist": .optional(m.playing?.artist), "file": .optional(m.playing?.file),
            "position_seconds": m.position.map { .number(($0 * 10).rounded() / 10) } ?? .null,
            "position": .optional(m.position.map(SessionClock.counter)),
        ]
        o["soundscape"] = m.playing?.isSoundscape == true ? .object(m.settings) : .null
        o["fading_out"] = .optional(m.fadingOut?.name)
        o["quiet"] = .optional(m.quiet?.rawValue)
        o["phase"] = .optional(m.phase)
        o["level_db"] = .number((m.levelDB * 10).rounded() / 10)
        o["heard_lufs"] = m.heardLUFS.map { .number(($0 * 10).rounded() / 10) } ?? .null
        return o
    }

    static func levelText(_ db: Double) -> String {
        db <= ReviewTimeline.floorDB ? "off" : Format.number((db * 10).rounded() / 10) + " dB"
    }

    static func heardText(_ lufs: Double?) -> String { lufs.map { Format.number(($0 * 10).rounded() / 10) + " LUFS" } ?? "-" }

    /// At most this many changes are listed for the minute before a mark: the latest, after a line
    /// saying how many came before them (a busy minute would bury the mark otherwise).
    static let changesShown = 8

    /// The minute before session time `s`: events that changed something, and the spans heard.
    static func minuteBefore(_ s: Double, _ t: ReviewTimeline) -> (changes: [String], played: [String]) {
        let from = s - 60
        // Events are in session-time order; only the latest few become text.
        var changed: [Int] = []
        var i = ReviewTimeline.lastIndex(t.events.count) { t.events[$0].sessionSeconds < from } + 1
        while i < t.events.count && t.events[i].sessionSeconds < s {
            let kind = t.events[i].kind, category = t.events[i].category
            if category != .mark && category != .dose && (category != .session || kind == "session.resume") { changed.append(i) }
            i += 1
        }
        var changes = changed.suffix(changesShown).map { t.events[$0].clock + " " + t.events[$0].summary }
        let earlier = changed.count - changes.count
        if earlier > 0 { changes.insert("(\(earlier) earlier change\(earlier == 1 ? "" : "s") in the minute)", at: 0) }
        var played: [String] = []
        let last = ReviewTimeline.lastIndex(t.tracks.count) { t.tracks[$0].start < s }
        for j in 0..<(last + 1) where t.tracks[j].end > from {
            let k = t.tracks[j]
            let name = k.isSoundscape ? "soundscape" + Moment.settingsText(k.settings) : k.name
            if !played.contains(name) { played.append(name) }
        }
        for j in t.quiet.indices where t.quiet[j].start < s && t.quiet[j].end > from {
            let q = t.quiet[j]
            played.append("\(q.kind.rawValue) \(t.clock(sessionSeconds: max(q.start, from)))–\(t.clock(sessionSeconds: min(q.end, s)))")
        }
        return (changes, played)
    }

    static func document(_ t: ReviewTimeline) -> ReportDocument {
        var table = ReportDocument.Table(
            key: "moments", title: "Marks and what was heard",
            columns: [
                .init("line", "Line", text: false, html: false), .init("seq", "Seq", text: false, html: false),
                .init("time", "UTC", text: false, html: false),
                .init("utc_offset", "Offset", text: false, html: false),
                .init("clock", "Time"), .init("wall", "Wall clock", data: false),
                .init("t0_seconds", "T0 s", text: false, html: false),
                .init("kind", "Mark"), .init("detail", "Details"),
                .init("phase", "Phase", text: false), .init("playing", "Playing", text: false),
                .init("title", "Title", text: false, html: false), .init("artist", "Artist", text: false, html: false),
                .init("position", "Position", text: false, html: false),
                .init("soundscape", "Soundscape", text: false, html: false),
                .init("quiet", "Quiet", text: false, html: false),
                .init("level_db", "Level", text: false), .init("heard_lufs", "Heard", text: false),
                .init("minute_before", "The minute before", text: false, html: false),
            ],
            empty: "No marks were recorded.")
        var htmlNotes: [[String]] = []
        for e in t.marks {
            let m = t.moment(at: e.sessionSeconds, phase: e.phase)
            let before = minuteBefore(e.sessionSeconds, t)
            let offset = t.utcOffset(e.time)
            let beforeLines = before.changes + (before.played.isEmpty ? [] : ["played: " + before.played.joined(separator: "; ")])
            table.rows.append([
                .number(Double(e.lineNumber)), .number(Double(e.seq)), .text(e.time),
                .text(offset.map(WallTime.offsetText)), .text(e.clock), .text(t.localTime(e.time)),
                .number(e.t0Seconds), .text((e.markKind ?? e.kind).replacingDashes()), .text(e.markedSummary),
                .text(m.phase), .text(m.playingText),
                .text(m.playing.flatMap { $0.isSoundscape ? nil : $0.title }), .text(m.playing?.artist),
                .text(m.position.map(SessionClock.counter)), .text(m.settingsSummary.isEmpty ? nil : m.settingsSummary),
                .text(m.quiet?.rawValue),
                ReportDocument.Cell(levelText(m.levelDB), json: .number((m.levelDB * 10).rounded() / 10),
                                    csv: Format.number((m.levelDB * 10).rounded() / 10)),
                ReportDocument.Cell(heardText(m.heardLUFS), json: m.heardLUFS.map { .number(($0 * 10).rounded() / 10) } ?? .null,
                                    csv: m.heardLUFS.map { Format.number(($0 * 10).rounded() / 10) } ?? ""),
                ReportDocument.Cell(beforeLines.joined(separator: "; "), json: .array(beforeLines.map { .string($0) })),
            ])
            let minute = beforeLines.isEmpty ? ["the minute before: nothing changed"] : ["the minute before:"] + beforeLines.map { "  " + $0 }
            table.notes.append(
                ["heard: \(m.playingText) · phase \(m.phase ?? "-") · level \(levelText(m.levelDB)) · measured \(heardText(m.heardLUFS))"] + minute)
            // HTML shows what was heard in its columns: only the minute before goes under the row.
            htmlNotes.append(beforeLines.isEmpty ? ["The minute before: nothing changed."] : ["The minute before:"] + beforeLines)
        }
        table.htmlNotes = htmlNotes
        return ReportDocument(kind: "moments", title: "Session moments" + (t.client.map { " · \($0)" } ?? ""),
                              facts: t.documentFacts, tables: [table])
    }
}

extension ReviewTimeline {
    /// Header facts of the document reports: which session, and how times are shown.
    var documentFacts: [(key: String, label: String, value: ReportDocument.Cell)] {
        let startUnix = startTime.flatMap(WallTime.unix).map { Int64($0.rounded(.down)) }
        return [
            ("session_id", "Session", .text(sessionID)),
            ("client", "Client", .text(client)),
            ("plan", "Plan", .text(plan)),
            ("start_time", "Started", ReportDocument.Cell(localDateTime(startTime) ?? "-", json: .optional(startTime))),
            ("time_zone", "Times", ReportDocument.Cell(zone.explanation(at: startUnix), json: .string(zone.name))),
            ("utc_offset_seconds", "UTC offset", ReportDocument.Cell(startUnix.map { WallTime.offsetText(zone.offset($0)) } ?? "-",
                                                                     json: .optional(startUnix.map { zone.offset($0) }))),
            ("t0_time", "Dose (T0)", ReportDocument.Cell(dose.flatMap { localDateTime($0.time) } ?? "none recorded: times are S+ from the session start",
                                                        json: .optional(dose?.time))),
        ]
    }
}
